import { main } from './main.js';
import type { ProcessContext } from '../core/context.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../core/binaries.js';

/** The only place that touches the real process: signals, streams, exit code. */
export async function runFromProcess(): Promise<void> {
  const controller = new AbortController();
  let signalled = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    signalled += 1;
    if (signalled > 1) {
      process.stderr.write(`\n${signal} again: exiting without cleanup\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    process.stderr.write(`\n${signal} received: stopping and cleaning up (press Ctrl-C again to force)\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const argv = process.argv.slice(2);
  const ctx: ProcessContext = {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => new Date(),
    signal: controller.signal,
    debug: argv.includes('--debug'),
    // The installation this launcher belongs to; else the working directory.
    projectRoot: process.env.CAPACITY_PROJECT_ROOT ?? findProjectRoot(dirname(fileURLToPath(import.meta.url))) ?? process.cwd(),
  };
  process.exitCode = await main(argv, ctx);
}
