/**
 * What every engine that runs as a child process needs around it: a spawn that dies with capacity
 * (the kernel's parent-death signal through util-linux `setpriv`, where it is installed), the tail
 * of its output for error messages and the log file, an interrupt on abort (SIGINT first, so the
 * engine writes what it has; SIGKILL if it has not exited 20 s later), a stop on the plan's
 * timeline (the backstop when the engine's own ending runs late), and the run's record of live
 * children (so the watchdog and the next run can find them by PID).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { findBinary } from '../core/binaries.js';

/** Seconds an engine may take past the plan's end for the answers still in flight: then they are
 * counted as in flight (totals.inFlightAtEnd) and the engine stops. */
export const PLAN_END_GRACE_S = 2;
/** Seconds past the plan's end plus grace before the backstop interrupts an engine that did not stop by itself. */
export const BACKSTOP_AFTER_GRACE_S = 3;
/** After the backstop's SIGINT, seconds before SIGKILL. */
const BACKSTOP_KILL_AFTER_S = 5;

/** The grace in force for a plan: never longer than its request timeout. */
export function planEndGraceS(requestTimeoutS: number): number {
  return Math.min(PLAN_END_GRACE_S, Math.max(0, requestTimeoutS));
}

/** Where the run keeps its live engine children (PID), for the watchdog and stale detection. */
export interface ChildRegistry {
  started(pid: number): void;
  ended(pid: number): void;
}

export interface EngineChild {
  child: ChildProcess;
  /** True when the kernel stops the child if capacity dies (setpriv --pdeathsig). */
  diesWithParent: boolean;
}

/**
 * Spawns an engine under `setpriv --pdeathsig SIGKILL` when util-linux's setpriv is on `path`:
 * setpriv sets the signal and executes the engine in the same process (same PID), so a
 * `kill -9` of capacity takes the engine with it. Without setpriv: a plain child, and the
 * run's watchdog is what stops it.
 */
export function spawnEngineChild(command: string, args: readonly string[], options: SpawnOptions & { path: string | undefined }): EngineChild {
  const { path, ...spawnOptions } = options;
  const setpriv = findBinary('setpriv', { path });
  if (setpriv) return { child: spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args], spawnOptions), diesWithParent: true };
  return { child: spawn(command, [...args], spawnOptions), diesWithParent: false };
}

export interface SupervisedChild {
  /** The last `keepChars` characters of stdout and stderr, interleaved as they came. */
  output(): string;
  /** True once the abort signal asked the child to stop. */
  readonly interrupted: boolean;
  /** True once the backstop stopped the child for running past the plan's end (see stopAt). */
  readonly stoppedAtBackstop: boolean;
  /** Arms (or moves) the backstop: at `atMs` (epoch ms) the child gets SIGINT, then SIGKILL; or
   * SIGKILL at once for an engine whose SIGINT saves nothing (`immediateKill`). */
  stopAt(atMs: number, options?: { immediateKill?: boolean }): void;
  /** Stops listening to the signal and drops the pending timers (idempotent). Also done by itself
   * when the child exits or cannot be spawned, so no listener or timer outlives the run even when
   * the adapter throws before calling it. */
  release(): void;
}

export function superviseChild(child: ChildProcess, signal: AbortSignal, keepChars: number, registry?: ChildRegistry): SupervisedChild {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid !== undefined) registry?.started(pid);
  let interrupted = false;
  let stoppedAtBackstop = false;
  let killTimer: NodeJS.Timeout | undefined;
  let backstopTimer: NodeJS.Timeout | undefined;
  let released = false;
  const interrupt = (killAfterMs: number): void => {
    child.kill('SIGINT');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    killTimer.unref();
  };
  const onAbort = (): void => {
    interrupted = true;
    interrupt(20_000);
  };
  const release = (): void => {
    if (released) return;
    released = true;
    signal.removeEventListener('abort', onAbort);
    child.off('exit', release);
    child.off('error', onSpawnError);
    clearTimeout(killTimer);
    clearTimeout(backstopTimer);
    if (pid !== undefined) registry?.ended(pid);
  };
  // A child that could not be spawned never exits; other 'error' events (a failed kill) leave it running.
  const onSpawnError = (): void => {
    if (child.pid === undefined) release();
  };
  // 'exit' (not 'close'): the process is gone even if a grandchild still holds its pipes open.
  child.once('exit', release);
  child.on('error', onSpawnError);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return {
    output: () => output,
    get interrupted() {
      return interrupted;
    },
    get stoppedAtBackstop() {
      return stoppedAtBackstop;
    },
    stopAt(atMs: number, options?: { immediateKill?: boolean }) {
      if (released) return;
      clearTimeout(backstopTimer);
      backstopTimer = setTimeout(
        () => {
          stoppedAtBackstop = true;
          if (options?.immediateKill) child.kill('SIGKILL');
          else interrupt(BACKSTOP_KILL_AFTER_S * 1000);
        },
        Math.max(0, atMs - Date.now()),
      );
      backstopTimer.unref();
    },
    release,
  };
}
