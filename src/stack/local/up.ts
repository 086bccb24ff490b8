/**
 * `up` for the local driver: pre-flight checks that touch nothing, then one step per component
 * (PostgreSQL and Redis, the database, the app instances, nginx, Prometheus), each waited on
 * until healthy. Any failure or abort takes the one rollback path: stop everything started so
 * far (reverse order, by PID) and remove the state, before throwing.
 */
import { CapacityError, ExitCode, interrupted } from '../../core/errors.js';
import { signalName } from '../../core/context.js';
import { removeStackState, writeStackState } from '../state.js';
import type { StackState, UpOptions } from '../types.js';
import { stopSignalFor } from './component-process.js';
import { DEFAULT_SCRAPE_INTERVAL_SECONDS, DEFAULT_UP_TIMEOUT_MS, databaseUrl } from './defaults.js';
import { claimStateDir, releaseLock } from './lock.js';
import { LOOPBACK, allocatePorts, type StackPorts } from './ports.js';
import { preflight } from './preflight.js';
import { stopProcess } from './processes.js';
import { ensureDir, throwIfAborted, type Running, type StepContext, type UpState } from './steps/context.js';
import { startApps } from './steps/apps.js';
import { startNginx } from './steps/nginx.js';
import { prepareDatabase, startPostgres } from './steps/postgres.js';
import { startPrometheus } from './steps/prometheus.js';
import { startRedis } from './steps/redis.js';

export async function localUp(options: UpOptions): Promise<StackState> {
  const signal = options.signal ?? new AbortController().signal;
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = Date.now();
  // Nothing is written until every pre-flight check has passed.
  const facts = await preflight(options, progress);
  throwIfAborted(signal);
  const { layout } = facts;
  await claimStateDir(layout, facts.postgresUser, progress);
  const started: Running[] = [];
  try {
    ensureDir(layout.logsDir);
    const ports = await allocatePorts(options.apps, options.ports);
    const state = newState(options.stateDir, startedAt, ports);
    const ctx: StepContext = {
      ...facts,
      options,
      signal,
      progress,
      ports,
      state,
      deadline: startedAt + (options.timeoutMs ?? DEFAULT_UP_TIMEOUT_MS),
      path: options.path ?? '/usr/local/bin:/usr/bin:/bin',
      // Written at each spawn, so a `capacity down` after a crash of this process finds it too.
      record: (running) => {
        started.push(running);
        state.components.push(running.component);
        writeStackState(state);
      },
    };

    // PostgreSQL and Redis start together; the database work needs only PostgreSQL.
    const redis = await startRedis(ctx);
    const postgres = await startPostgres(ctx);
    await redis.healthy();
    throwIfAborted(signal);
    await prepareDatabase(ctx, postgres);
    throwIfAborted(signal);
    const apps = await startApps(ctx);
    throwIfAborted(signal);
    await startNginx(ctx, apps);
    throwIfAborted(signal);
    await startPrometheus(ctx, apps);
    throwIfAborted(signal);

    state.phase = 'ready';
    writeStackState(state);
    return state;
  } catch (error) {
    await rollBack(started, layout.stateDir);
    if (signal.aborted && !(error instanceof CapacityError && error.exitCode === ExitCode.BadInput)) throw interrupted(signalName(signal));
    throw error;
  } finally {
    releaseLock(layout);
  }
}

function newState(stateDir: string, startedAt: number, ports: StackPorts): UpState {
  // Key order as `up` has always written stack.json; components are added as they start.
  return {
    driver: 'local',
    startedAt: new Date(startedAt).toISOString(),
    stateDir,
    baseUrl: `http://${LOOPBACK}:${ports.lb}`,
    components: [],
    phase: 'starting',
    scrapeIntervalSeconds: DEFAULT_SCRAPE_INTERVAL_SECONDS,
    databaseUrl: databaseUrl(ports.postgres),
    redisUrl: `redis://${LOOPBACK}:${ports.redis}`,
    prometheusUrl: `http://${LOOPBACK}:${ports.prometheus}`,
  };
}

/** Stops what was started (reverse start order, by PID, with the identity check), then forgets it. */
async function rollBack(started: Running[], stateDir: string): Promise<void> {
  for (const running of [...started].reverse()) {
    try {
      await stopProcess(running.spawned.identity, { signal: stopSignalFor(running.component), timeoutMs: 5_000 });
    } catch {
      // cleanup must finish: keep stopping the others
    }
  }
  // Only the state this `up` wrote: the lock guarantees no other stack's file is here.
  if (started.length > 0) removeStackState(stateDir);
}
