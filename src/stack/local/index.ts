/**
 * The local stack driver: PostgreSQL, Redis, N app instances, nginx and Prometheus started from
 * the system's binaries on loopback, tracked by PID in `<state dir>/stack.json`.
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { removeStackState } from '../state.js';
import type { ComponentHealth, DownOptions, StackComponent, StackDriver, StackState } from '../types.js';
import { probeHttp, probeLoadBalancer, probePostgres, probePrometheus, probeRedis, type ProbeResult } from './health.js';
import { purgeTargets, stackLayout } from './layout.js';
import { liveness, stopProcess, type StopOutcome } from './processes.js';
import { identityOf, stopSignalFor } from './component-process.js';
import { DATABASE } from './defaults.js';
import { localUp } from './up.js';
import { localInstanceController } from './instances.js';

async function probeComponent(component: StackComponent, state: StackState): Promise<ProbeResult> {
  const identity = identityOf(component);
  if (identity) {
    const alive = liveness(identity);
    if (alive === 'gone') return { healthy: false, detail: `process ${component.pid} is not running` };
    if (alive === 'recycled') return { healthy: false, detail: `process ${component.pid} is gone (the PID now belongs to another program)` };
  }
  switch (component.tier) {
    case 'postgres':
      return probePostgres(component.host, component.port, { user: DATABASE.role, database: DATABASE.database });
    case 'redis':
      return probeRedis(component.host, component.port);
    case 'app':
      return probeHttp(`${component.url}/readyz`);
    case 'lb':
      return probeLoadBalancer(component.url ?? state.baseUrl, component.statusUrl);
    case 'prometheus': {
      const apps = state.components.filter((other) => other.tier === 'app').length;
      return probePrometheus(component.url ?? `http://${component.host}:${component.port}`, apps + 1);
    }
    default:
      return { healthy: true, detail: 'no probe for this tier' };
  }
}

export async function localStatus(state: StackState): Promise<ComponentHealth[]> {
  return Promise.all(
    state.components.map(async (component) => {
      const result = await probeComponent(component, state);
      return {
        name: component.name,
        tier: component.tier,
        healthy: result.healthy,
        detail: result.detail,
        url: component.url,
        pid: component.pid,
      };
    }),
  );
}

/** Tiers stop from the front door inwards: load balancer, monitoring, apps, then the data tiers. */
const STOP_ORDER: StackComponent['tier'][] = ['lb', 'prometheus', 'grafana', 'exporter', 'app', 'redis', 'postgres'];

export async function localDown(state: StackState, options: DownOptions): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  for (const tier of STOP_ORDER) {
    const members = state.components.filter((component) => component.tier === tier);
    await Promise.all(
      members.map(async (component) => {
        const identity = identityOf(component);
        if (!identity) {
          progress(`${component.name.padEnd(10)} no recorded process identity: left alone`);
          return;
        }
        const outcome: StopOutcome = await stopProcess(identity, { signal: stopSignalFor(component), timeoutMs: 10_000 });
        const said: Record<StopOutcome, string> = {
          stopped: 'stopped',
          killed: 'killed (did not stop in time)',
          'not-running': 'was not running',
          recycled: `not touched: pid ${identity.pid} now belongs to another program`,
        };
        progress(`${component.name.padEnd(10)} ${said[outcome]}  pid ${identity.pid}`);
      }),
    );
  }
  removeStackState(options.stateDir);
  if (options.purge) purgeLocalData(options.stateDir, progress);
}

/** Deletes what the stack wrote in the state dir (data, configs, logs); the dir too if left empty. */
export function purgeLocalData(stateDir: string, progress: (message: string) => void = () => undefined): void {
  for (const target of purgeTargets(stackLayout(stateDir))) {
    if (existsSync(target)) {
      rmSync(target, { recursive: true, force: true });
      progress(`deleted ${target}`);
    }
  }
  removeStackState(stateDir);
  try {
    if (readdirSync(stateDir).length === 0) rmdirSync(stateDir);
  } catch {
    // already gone or not ours to remove
  }
}

export const localDriver: StackDriver = {
  name: 'local',
  up: localUp,
  status: localStatus,
  down: localDown,
  instances: localInstanceController,
};
