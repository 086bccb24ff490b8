import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.js';
import type { ProcessContext } from '../../../src/core/context.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  now?: () => Date;
  signal?: AbortSignal;
}

/** Runs the CLI in-process with injected state, capturing what it prints. */
export async function runCapacity(argv: string[], options: CliOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: ProcessContext = {
    env: options.env ?? {},
    cwd: options.cwd,
    stdout: { write: (chunk: string) => ((stdout += chunk), true) },
    stderr: { write: (chunk: string) => ((stderr += chunk), true) },
    now: options.now ?? (() => new Date('2026-11-22T12:00:00Z')),
    signal: options.signal ?? new AbortController().signal,
    debug: argv.includes('--debug'),
    projectRoot: fileURLToPath(new URL('../../../', import.meta.url)),
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}
