/**
 * The stack, for every other module: bring it up, read it, check it, bring it down. Drivers are
 * loaded lazily (the local one by default, compose for `--driver compose`).
 */
import { missingDependency, unhealthy } from '../core/errors.js';
import { readStackState } from './state.js';
import type { ComponentHealth, InstanceController, StackDriver, StackState, UpOptions } from './types.js';

export { readStackState, resolveStateDir, stateFilePath, writeStackState, DEFAULT_STATE_DIR } from './state.js';
export type { ComponentHealth, DownOptions, InstanceController, StackComponent, StackDriver, StackState, Tier, UpOptions } from './types.js';

export type DriverName = 'local' | 'compose';

export async function loadDriver(name: StackState['driver']): Promise<StackDriver> {
  if (name === 'local') return (await import('./local/index.js')).localDriver;
  // Loaded only when asked for: it pulls in the compose tooling.
  if (name === 'compose') return (await import('./compose/index.js')).composeDriver;
  throw missingDependency(`no stack driver "${name}"`, 'use --driver local or --driver compose');
}

export async function upStack(options: UpOptions & { driver?: DriverName }): Promise<StackState> {
  return (await loadDriver(options.driver ?? 'local')).up(options);
}

export async function stackStatus(state: StackState): Promise<ComponentHealth[]> {
  return (await loadDriver(state.driver)).status(state);
}

export function allHealthy(health: ComponentHealth[]): boolean {
  return health.length > 0 && health.every((component) => component.healthy);
}

export async function downStack(
  state: StackState,
  options: { purge: boolean; onProgress?: (message: string) => void },
): Promise<void> {
  return (await loadDriver(state.driver)).down(state, { stateDir: state.stateDir, ...options });
}

/**
 * The running stack in `options.stateDir`, or a new one. `started` says whether this call
 * started it (so the caller stops it after use). A recorded stack that is unhealthy is not
 * restarted behind the user's back: exit 4.
 */
export async function ensureStack(options: UpOptions & { driver?: DriverName }): Promise<{ state: StackState; started: boolean }> {
  const existing = readStackState(options.stateDir);
  if (existing) {
    const health = await stackStatus(existing);
    if (allHealthy(health)) return { state: existing, started: false };
    const alive = health.some((component) => component.healthy);
    if (alive) {
      throw unhealthy(
        `the stack in ${options.stateDir} is running but unhealthy`,
        'see `capacity status`; restart it with `capacity down` then `capacity up`',
        health.filter((component) => !component.healthy).map((component) => `${component.name}: ${component.detail}`),
      );
    }
    // Nothing of it answers: `up` cleans the stale state and starts afresh.
  }
  return { state: await upStack(options), started: true };
}

/**
 * Stops and starts single instances of the stack recorded in `stateDir`, through its driver. Each
 * action reads the state afresh; a stack or driver without instance control says so in the action's
 * detail rather than failing the run.
 */
export function instanceController(stateDir: string, options: { readyTimeoutMs?: number; signal?: AbortSignal } = {}): InstanceController {
  const resolve = async (): Promise<InstanceController | string> => {
    const state = readStackState(stateDir);
    if (!state) return `no stack recorded in ${stateDir}`;
    const driver = await loadDriver(state.driver);
    if (!driver.instances) return `the ${state.driver} driver cannot stop or start single instances`;
    return driver.instances(stateDir, options);
  };
  let controller: Promise<InstanceController | string> | undefined;
  const act = async (action: 'stop' | 'start', instance: string) => {
    controller ??= resolve();
    const resolved = await controller;
    return typeof resolved === 'string' ? { ok: false, detail: resolved } : resolved[action](instance);
  };
  return { stop: (instance) => act('stop', instance), start: (instance) => act('start', instance) };
}

/** The app instances of a stack (name, URL), e.g. for per-instance checks and scraping. */
export function appComponents(state: StackState) {
  return state.components.filter((component) => component.tier === 'app');
}
