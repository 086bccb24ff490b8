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
  /** Stops listening to the signal (call when the child has exited, so no listener outlives the run). */
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
  const onAbort = (): void => {
    interrupted = true;
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return {
    output: () => output,
    get interrupted() {
      return interrupted;
    },
    release: () => signal.removeEventListener('abort', onAbort),
  };
}
