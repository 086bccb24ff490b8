/**
 * One `up` at a time per state dir: a lock file naming the process that holds it, and a refusal
 * while a recorded stack is still alive there.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { badInput } from '../../core/errors.js';
import { readStackState, removeStackState } from '../state.js';
import { identityOf } from './component-process.js';
import type { StackLayout } from './layout.js';
import { liveness, readProcStat, stopProcess, type ProcessIdentity } from './processes.js';
import type { PasswdEntry } from './proc.js';

/** Exit 2 when a stack (or another `up`) is live in this state dir; a dead one is cleaned up. */
export async function refuseIfRunning(layout: StackLayout, progress: (message: string) => void, mayClean: boolean): Promise<void> {
  if (existsSync(layout.lockFile)) {
    const lock = readLock(layout.lockFile);
    if (lock && lock.pid !== process.pid && liveness(lock) === 'alive') {
      throw badInput(`another \`capacity up\` (pid ${lock.pid}) is starting a stack in ${layout.stateDir}`, [], 'wait for it, or stop it with Ctrl-C');
    }
  }
  const existing = readStackState(layout.stateDir);
  if (!existing) return;
  if (existing.driver !== 'local') {
    throw badInput(`a ${existing.driver} stack is recorded in ${layout.stateDir}`, [], 'stop it first with `capacity down`');
  }
  const alive = existing.components.filter((component) => {
    const identity = identityOf(component);
    return identity !== undefined && liveness(identity) === 'alive';
  });
  if (alive.length > 0) {
    throw badInput(
      `a stack is already running in ${layout.stateDir}`,
      alive.map((component) => `${component.name}: pid ${component.pid} is alive`),
      'see it with `capacity status`, stop it with `capacity down`',
    );
  }
  if (!mayClean) return;
  // Stale: every recorded process is gone. Sweep stragglers of their sessions, then forget it.
  for (const component of [...existing.components].reverse()) {
    const identity = identityOf(component);
    if (identity) await stopProcess(identity, { signal: 'SIGKILL', timeoutMs: 1_000 });
  }
  removeStackState(layout.stateDir);
  progress(`removed stale state of a stack that is no longer running (${existing.startedAt})`);
}

function readLock(file: string): ProcessIdentity | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; startTime?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.startTime === 'number') {
      return { pid: parsed.pid, startTime: parsed.startTime, command: 'node' };
    }
  } catch {
    // unreadable: treat as stale
  }
  return undefined;
}

function acquireLock(layout: StackLayout, self: ProcessIdentity): void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(layout.lockFile, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: self.pid, startTime: self.startTime }));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(layout.lockFile);
      if (holder && liveness(holder) === 'alive') {
        throw badInput(`another \`capacity up\` (pid ${holder.pid}) is starting a stack in ${layout.stateDir}`);
      }
      rmSync(layout.lockFile, { force: true });
    }
  }
  throw badInput(`cannot take the lock ${layout.lockFile}`);
}

export function releaseLock(layout: StackLayout): void {
  rmSync(layout.lockFile, { force: true });
}

/**
 * Creates the state dir and takes its lock, then checks again under the lock (another `up` may
 * have finished in between; stale state is cleaned here). Holds the lock only on success.
 */
export async function claimStateDir(layout: StackLayout, postgresUser: PasswdEntry | undefined, progress: (message: string) => void): Promise<void> {
  mkdirSync(layout.stateDir, { recursive: true });
  // mkdtemp-made dirs are 0700: the postgres user needs to pass through the state dir.
  if (postgresUser) chmodSync(layout.stateDir, statSync(layout.stateDir).mode | 0o011);
  acquireLock(layout, { pid: process.pid, startTime: readProcStat(process.pid)?.startTime ?? 0, command: 'node' });
  try {
    await refuseIfRunning(layout, progress, true);
  } catch (error) {
    releaseLock(layout);
    throw error;
  }
}
