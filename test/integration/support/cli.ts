import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A fresh folder holding `results/<name>/result.json` for each named fixture of test/fixtures/results. */
export async function workDirWithFixtures(prefix: string, names: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const name of names) {
    await mkdir(join(dir, 'results', name), { recursive: true });
    await copyFile(fileURLToPath(new URL(`../../fixtures/results/${name}/result.json`, import.meta.url)), join(dir, 'results', name, 'result.json'));
  }
  return dir;
}

const BIN = fileURLToPath(new URL('../../../bin/capacity', import.meta.url));

/** Runs the built CLI (`npm run build` first) as a child with CI=1 (plain lines); a run that hangs
 * past `timeoutMs` is stopped like Ctrl-C, then killed. */
export function runBuiltCli(args: string[], cwd: string, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const interrupt = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}
