/** How a recorded component maps to its process: the identity to check and the signal to stop it. */
import type { StackComponent } from '../types.js';
import type { ProcessIdentity } from './processes.js';

/** The graceful stop signal per tier: PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for clients). */
export function stopSignalFor(component: Pick<StackComponent, 'tier'>): NodeJS.Signals {
  return component.tier === 'postgres' ? 'SIGINT' : 'SIGTERM';
}

export function identityOf(component: StackComponent): ProcessIdentity | undefined {
  if (component.pid === undefined || component.startTime === undefined || component.command === undefined) return undefined;
  return { pid: component.pid, startTime: component.startTime, command: component.command };
}
