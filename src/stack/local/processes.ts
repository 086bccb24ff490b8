/**
 * Processes of the local stack: spawned detached (own session and process group, so a Ctrl-C
 * in the terminal reaches only capacity, which then stops them in order), output appended to a
 * log file, and stopped only after checking that the PID is still the process we started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseProcStat, type ProcStat } from '../../core/procfs.js';
import { cmdlineMatches, parseCmdline } from './proc.js';

export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat start time recorded at spawn. */
  startTime: number;
  /** Program name expected in /proc/<pid>/cmdline. */
  command: string;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readCmdline(pid: number): string[] | undefined {
  try {
    return parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return undefined;
  }
}

export type Liveness = 'alive' | 'gone' | 'recycled';

/**
 * 'alive' when the PID runs the process we started (same start time, expected program),
 * 'gone' when no such process (or only its zombie) is left, 'recycled' when the PID now
 * belongs to someone else: then it must never be signalled.
 */
export function liveness(identity: ProcessIdentity): Liveness {
  const stat = readProcStat(identity.pid);
  if (!stat || stat.state === 'Z') return 'gone';
  if (stat.startTime !== identity.startTime) return 'recycled';
  const args = readCmdline(identity.pid);
  // A process exiting right now may already have an empty cmdline: gone, not someone else.
  if (args === undefined || args.length === 0) return 'gone';
  return cmdlineMatches(args, identity.command) ? 'alive' : 'recycled';
}

/** Live processes of the session `sid` (our detached children are session leaders). */
export function sessionMembers(sid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.session === sid && stat.state !== 'Z') members.push(stat);
  }
  return members;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running' | 'recycled';

export interface StopOptions {
  /** The graceful signal: SIGTERM, or SIGINT for PostgreSQL's fast shutdown. */
  signal: NodeJS.Signals;
  /** Grace period before SIGKILL. */
  timeoutMs: number;
}

/**
 * Stops one recorded process: the graceful signal, a wait, then SIGKILL to its whole process
 * group; finally any straggler of its session (nginx workers, PostgreSQL backends whose leader
 * died) is killed too. A recycled PID is left alone.
 */
export async function stopProcess(identity: ProcessIdentity, options: StopOptions): Promise<StopOutcome> {
  const { pid } = identity;
  const state = liveness(identity);
  if (state === 'recycled') return 'recycled';
  let outcome: StopOutcome = 'not-running';
  if (state === 'alive') {
    signalQuietly(pid, options.signal);
    outcome = 'stopped';
    if (!(await waitUntil(() => liveness(identity) !== 'alive', options.timeoutMs))) {
      signalQuietly(-pid, 'SIGKILL');
      outcome = 'killed';
      await waitUntil(() => liveness(identity) !== 'alive', 5_000);
    }
  }
  // The PID cannot be reused while members of its session live, so these are ours — unless the
  // PID already names another live process, which means our session is empty.
  const holder = readProcStat(pid);
  if (holder && holder.state !== 'Z' && holder.startTime !== identity.startTime) return outcome;
  if (!(await waitUntil(() => sessionMembers(pid).length === 0, 2_000))) {
    for (const member of sessionMembers(pid)) signalQuietly(member.pid, 'SIGKILL');
    await waitUntil(() => sessionMembers(pid).length === 0, 2_000);
    if (outcome === 'stopped') outcome = 'killed';
  }
  return outcome;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Appended to; stdout and stderr both go there. */
  logFile: string;
  cwd?: string;
  /** Run as this user (root starting PostgreSQL as `postgres`). */
  uid?: number;
  gid?: number;
}

export interface SpawnedProcess {
  child: ChildProcess;
  identity: ProcessIdentity;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns in its own process group, output appended to the spec's log file. */
function spawnToLog(spec: SpawnSpec): ChildProcess {
  const fd = openSync(spec.logFile, 'a', 0o644);
  try {
    return spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      uid: spec.uid,
      gid: spec.gid,
    });
  } finally {
    closeSync(fd);
  }
}

/** Starts a long-running process detached from capacity's own lifetime. */
export async function spawnDetached(spec: SpawnSpec, expectedCommand: string): Promise<SpawnedProcess> {
  const child = spawnToLog(spec);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      appendFileSync(spec.logFile, `capacity: could not run ${spec.command}: ${error.message}\n`);
      resolve({ code: 127, signal: null });
    });
  });
  // Do not keep capacity alive for it: `up` returns while the stack keeps running.
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`could not start ${spec.command}`);
  }
  const stat = readProcStat(pid);
  return { child, identity: { pid, startTime: stat?.startTime ?? 0, command: expectedCommand }, exited };
}

export interface RunSpec extends SpawnSpec {
  signal: AbortSignal;
  timeoutMs: number;
}

export type RunOutcome = { kind: 'exited'; code: number } | { kind: 'aborted' } | { kind: 'timeout' };

/**
 * Runs a one-shot command (initdb, migrate, seed) to completion in its own process group; on
 * abort or timeout the whole group is killed before returning.
 */
export async function runToCompletion(spec: RunSpec): Promise<RunOutcome> {
  const child = spawnToLog(spec);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', (error) => {
      appendFileSync(spec.logFile, `capacity: could not run ${spec.command}: ${error.message}\n`);
      resolve(127);
    });
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interruption = new Promise<'aborted' | 'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), spec.timeoutMs);
    if (spec.signal.aborted) resolve('aborted');
    onAbort = () => resolve('aborted');
    spec.signal.addEventListener('abort', onAbort, { once: true });
  });
  const first = await Promise.race([exited, interruption]);
  clearTimeout(timer);
  // The signal outlives this command (it is the whole run's): leave no listener on it.
  if (onAbort) spec.signal.removeEventListener('abort', onAbort);
  if (typeof first === 'number') return { kind: 'exited', code: first };
  if (child.pid !== undefined) signalQuietly(-child.pid, 'SIGKILL');
  await exited;
  return { kind: first };
}
