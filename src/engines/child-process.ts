/**
 * What every engine that runs as a child process needs around it: the tail of its output for
 * error messages and the log file, and an interrupt on abort (SIGINT first, so the engine writes
 * what it has; SIGKILL if it has not exited 20 s later).
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisedChild {
  /** The last `keepChars` characters of stdout and stderr, interleaved as they came. */
  output(): string;
  /** True once the abort signal asked the child to stop. */
  readonly interrupted: boolean;
  /** Stops listening to the signal and drops the pending SIGKILL (idempotent). Also done by itself
   * when the child exits or cannot be spawned, so no listener or timer outlives the run even when
   * the adapter throws before calling it. */
  release(): void;
}

export function superviseChild(child: ChildProcess, signal: AbortSignal, keepChars: number): SupervisedChild {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  let released = false;
  const onAbort = (): void => {
    interrupted = true;
    child.kill('SIGINT');
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), 20_000);
    killTimer.unref();
  };
  const release = (): void => {
    if (released) return;
    released = true;
    signal.removeEventListener('abort', onAbort);
    child.off('exit', release);
    child.off('error', onSpawnError);
    clearTimeout(killTimer);
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
    release,
  };
}
