/**
 * The run's watchdog: a small process, in its own session (a kill of capacity's process group
 * does not reach it), that waits on a pipe from capacity. When the pipe closes without capacity
 * having disarmed it, or capacity's PID stops naming capacity, capacity died: the watchdog acts
 * on the run's record (run-guard.ts: engine children, a stack the run started) and exits.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordedProcess } from './run-guard.js';

/** What capacity writes on the pipe when it ended by itself. */
export const DISARM = 'disarm\n';

export interface Watchdog {
  pid: number;
  /** Tells the watchdog the run ended by itself; resolves once it has exited (at most ~2 s). */
  disarm(): Promise<void>;
}

/** The watchdog's program beside this module; only built code has it (dist/). */
export function watchdogProgram(): string | undefined {
  const program = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));
  return existsSync(program) ? program : undefined;
}

export function startWatchdog(recordFile: string, owner: RecordedProcess): Watchdog | undefined {
  const program = watchdogProgram();
  if (!program) return undefined;
  const child = spawn(process.execPath, [program, recordFile, String(owner.pid), String(owner.startTime)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  if (child.pid === undefined || !child.stdin) return undefined;
  const stdin = child.stdin;
  // Neither the watchdog nor its pipe keeps capacity alive.
  child.unref();
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  return {
    pid: child.pid,
    async disarm() {
      // While capacity waits here the watchdog must keep the event loop alive: with only unref'd
      // handles left, Node would exit (code 0) before the run's summary and exit code.
      child.ref();
      stdin.end(DISARM);
      let timeout: NodeJS.Timeout | undefined;
      const timer = new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, 2_000);
      });
      await Promise.race([exited, timer]);
      clearTimeout(timeout);
      child.unref();
    },
  };
}
