/**
 * Process state handed to every command, so commands run in-process in tests with their own
 * env, cwd, streams, clock and cancellation (the k6 GlobalState pattern).
 */
export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProcessContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Wall clock, injectable for tests. */
  now: () => Date;
  /** Aborted on SIGINT/SIGTERM; the reason is the signal name. */
  signal: AbortSignal;
  /** True when --debug was given: errors print their stack. */
  debug: boolean;
  /** The capacity installation (node_modules, bundled k6 script, reference-app/, infra/):
   * resolved once by the launcher and handed down, never looked up again below. */
  projectRoot: string;
}

export function signalName(signal: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** Whether a live, redrawing view is wanted: a TTY and not CI. */
export function isInteractive(ctx: ProcessContext): boolean {
  return Boolean(ctx.stdout.isTTY) && !ctx.env.CI;
}
