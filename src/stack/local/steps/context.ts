/**
 * What every step of `up` shares: the pre-flight facts, the ports, the deadline, and the helpers
 * that start a component (handing it to the orchestrator at once, so a failure anywhere later
 * stops it), wait for it, or run a one-off command.
 */
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { interrupted, unhealthy } from '../../../core/errors.js';
import { signalName } from '../../../core/context.js';
import type { StackComponent, StackState, UpOptions } from '../../types.js';
import { STACK_MARKER_ENV } from '../defaults.js';
import { waitHealthy, type ProbeResult } from '../health.js';
import { logFile } from '../layout.js';
import type { StackPorts } from '../ports.js';
import type { Preflight } from '../preflight.js';
import type { PasswdEntry } from '../proc.js';
import { runToCompletion, spawnDetached, type SpawnedProcess } from '../processes.js';

export interface Running {
  component: StackComponent;
  spawned: SpawnedProcess;
}

/** The state `up` writes, with the URLs it knows before the first step runs. */
export type UpState = StackState & Required<Pick<StackState, 'databaseUrl' | 'redisUrl' | 'prometheusUrl'>>;

export interface StepContext extends Preflight {
  options: UpOptions;
  signal: AbortSignal;
  progress: (message: string) => void;
  ports: StackPorts;
  /** The stack's URLs; components get into it only through `record`. */
  state: Readonly<UpState>;
  /** For the health waits; seeding moves it later. */
  deadline: number;
  /** PATH handed to the children. */
  path: string;
  /** Called right after each spawn: the orchestrator records it, and rolls it back on failure. */
  record(running: Running): void;
}

/** The last `lines` lines of a log file (what a user needs to see why a component failed). */
export function logTail(file: string | undefined, lines = 15): string[] {
  if (!file) return [];
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .slice(-16_384)
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .slice(-lines);
  } catch {
    return [];
  }
}

export function ensureDir(dir: string, owner?: PasswdEntry, mode = 0o755): void {
  mkdirSync(dir, { recursive: true, mode });
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

export function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw interrupted(signalName(signal));
}

/** Spawns a long-running component, logging to logs/<name>.log, and records it. */
export async function launch(
  ctx: StepContext,
  component: Omit<StackComponent, 'pid' | 'startTime' | 'command' | 'logFile'>,
  spec: { command: string; args: string[]; env: Record<string, string>; cwd?: string; asUser?: PasswdEntry; expect: string },
): Promise<Running> {
  const file = logFile(ctx.layout, component.name);
  const spawned = await spawnDetached(
    {
      command: spec.command,
      args: spec.args,
      env: { ...spec.env, [STACK_MARKER_ENV]: ctx.layout.stateDir },
      cwd: spec.cwd,
      logFile: file,
      uid: spec.asUser?.uid,
      gid: spec.asUser?.gid,
    },
    spec.expect,
  );
  const full: StackComponent = {
    ...component,
    pid: spawned.identity.pid,
    startTime: spawned.identity.startTime,
    command: spawned.identity.command,
    logFile: file,
  };
  const running = { component: full, spawned };
  ctx.record(running);
  return running;
}

/** Waits for a started component; exit 4 with its log tail when it fails, 130/143 on abort. */
export async function awaitHealthy(ctx: StepContext, running: Running, probe: () => Promise<ProbeResult>, since: number): Promise<string> {
  const outcome = await waitHealthy(probe, { deadline: ctx.deadline, signal: ctx.signal, exited: running.spawned.exited });
  const { component } = running;
  if (outcome.kind === 'healthy') {
    ctx.progress(`${component.name.padEnd(10)} healthy  pid ${component.pid}  ${component.url ?? `${component.host}:${component.port}`}  (${elapsed(since)})`);
    return outcome.detail;
  }
  if (outcome.kind === 'aborted') throw interrupted(signalName(ctx.signal));
  const why = outcome.kind === 'exited' ? 'exited while starting' : 'did not become healthy in time';
  throw unhealthy(`${component.name} ${why}: ${outcome.detail}`, `its log: ${component.logFile}`, logTail(component.logFile));
}

/** Runs a one-off command (initdb, psql, migrate, seed) to its end, logging to logs/<name>.log. */
export async function runCommand(
  ctx: StepContext,
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  asUser?: PasswdEntry,
  cwd?: string,
): Promise<void> {
  const file = logFile(ctx.layout, name);
  const outcome = await runToCompletion({ command, args, env: { ...env, [STACK_MARKER_ENV]: ctx.layout.stateDir }, cwd, logFile: file, signal: ctx.signal, timeoutMs, uid: asUser?.uid, gid: asUser?.gid });
  if (outcome.kind === 'aborted') throw interrupted(signalName(ctx.signal));
  if (outcome.kind === 'timeout') throw unhealthy(`${name} did not finish within ${Math.round(timeoutMs / 1000)}s`, `its log: ${file}`, logTail(file));
  if (outcome.code !== 0) throw unhealthy(`${name} failed (exit ${outcome.code})`, `its log: ${file}`, logTail(file));
}
