/**
 * Errors that carry their exit code. Command bodies throw; only the top level (cli/main.ts) prints
 * and turns them into an exit code. The table is documented in docs/architecture.md.
 */
export const ExitCode = {
  Ok: 0,
  /** An SLO failed or the regression gate found a regression. */
  GateFailed: 1,
  /** Bad input or usage: unknown flag, invalid scenario, malformed file. */
  BadInput: 2,
  /** A required binary, package or credential is missing. */
  MissingDependency: 3,
  /** The target or the stack is unhealthy or unreachable. */
  Unhealthy: 4,
  /** An unexpected failure: a bug in capacity, never an SLO verdict (EX_SOFTWARE of sysexits.h). */
  Internal: 70,
  /** Interrupted by SIGINT (Ctrl-C), after cleanup. */
  Interrupted: 130,
  /** Terminated by SIGTERM, after cleanup. */
  Terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CapacityErrorOptions {
  exitCode: ExitCodeValue;
  /** One line telling the user what to do about it. */
  hint?: string;
  /** Every individual problem, for validators that report all errors at once. */
  details?: string[];
  cause?: unknown;
}

export class CapacityError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(message: string, options: CapacityErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CapacityError';
    this.exitCode = options.exitCode;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export function badInput(message: string, details: string[] = [], hint?: string): CapacityError {
  return new CapacityError(message, { exitCode: ExitCode.BadInput, details, hint });
}

export function missingDependency(message: string, hint: string): CapacityError {
  return new CapacityError(message, { exitCode: ExitCode.MissingDependency, hint });
}

export function unhealthy(message: string, hint?: string, details: string[] = []): CapacityError {
  return new CapacityError(message, { exitCode: ExitCode.Unhealthy, hint, details });
}

export function interrupted(signal: 'SIGINT' | 'SIGTERM'): CapacityError {
  return new CapacityError(`interrupted by ${signal}`, {
    exitCode: signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated,
  });
}

/** Renders an error for the terminal: message, each detail, the hint; a stack only when asked. */
export function formatError(error: unknown, debug: boolean): string {
  if (error instanceof CapacityError) {
    const lines = [`error: ${error.message}`];
    for (const detail of error.details) lines.push(`  - ${detail}`);
    if (error.hint) lines.push(`hint: ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    return lines.join('\n') + '\n';
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  const hint = debug ? 'please report it with the stack trace above' : 'run again with --debug for the stack trace, and please report it';
  return `error: internal error (this is a bug in capacity, not a verdict on the system under test): ${message}${stack}\nhint: ${hint}\n`;
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  // Anything not raised on purpose is a bug: its own code, so CI never reads a crash as a regression.
  return error instanceof CapacityError ? error.exitCode : ExitCode.Internal;
}
