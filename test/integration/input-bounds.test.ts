import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Scenario input the schema used to miss: a YAML alias that refers to itself, 1e12 users, 1e12
 * req/s. `node bin/capacity` (after the build) must exit 2 within 2 s naming the file and line,
 * and start nothing: no result folder, no stack state folder.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'capacity');
const LIMIT_MS = 2000;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

let work: string;
let stateDir: string;
let resultsDir: string;

function runCli(args: string[]): Promise<Exit> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: work,
      env: { ...process.env, CI: '1', CAPACITY_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Far past the limit: a hung CLI fails the test instead of the whole suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

async function expectNothingStarted(): Promise<void> {
  expect(existsSync(resultsDir), 'a result folder was created').toBe(false);
  expect(existsSync(stateDir), 'a stack state folder was created').toBe(false);
  expect(existsSync(path.join(work, '.capacity')), 'a default stack state folder was created').toBe(false);
  expect((await readdir(work)).sort()).toEqual(['circular.yaml', 'huge-pool.yaml', 'rps.yaml', 'users.yaml']);
}

const MIX = ['requests:', '  - name: home', '    path: /'];

const FILES: Record<string, string[]> = {
  'circular.yaml': ['name: circular', 'model: open', 'maxUsers: 10', 'stages:', '  - { duration: 5s, target: 10 }', 'requests:', '  - name: post', '    method: POST', '    path: /orders', '    body: &a [*a]'],
  'users.yaml': ['name: many-users', 'model: closed', 'maxUsers: 1000000000000', 'stages:', '  - { duration: 30s, target: 100 }', ...MIX],
  'rps.yaml': ['name: many-rps', 'model: open', 'maxUsers: 1000', 'stages:', '  - duration: 30s', '    target: 1000000000000', ...MIX],
  // Valid, at the bounds: 1,000,000 users is ~61 GiB for autocannon, more than most machines have free.
  'huge-pool.yaml': ['name: huge-pool', 'model: open', 'maxUsers: 1000000', 'stages:', '  - { duration: 10s, target: 10 }', ...MIX],
};

beforeAll(async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'capacity-bounds-'));
  work = path.join(base, 'work');
  stateDir = path.join(base, 'state');
  resultsDir = path.join(base, 'results');
  await mkdir(work);
  for (const [name, lines] of Object.entries(FILES)) await writeFile(path.join(work, name), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  if (work) await rm(path.dirname(work), { recursive: true, force: true });
});

const CASES = [
  {
    name: 'a YAML alias that refers to itself',
    file: 'circular.yaml',
    line: './circular.yaml:10:15 requests[0].body[0]: alias *a refers to itself: it is inside the value anchored &a (at 10:14), a cycle that would never end',
  },
  {
    name: '1e12 users',
    file: 'users.yaml',
    line: './users.yaml:3:11 maxUsers: must be at most 1,000,000 users',
  },
  {
    name: '1e12 req/s',
    file: 'rps.yaml',
    line: './rps.yaml:6:13 stage 1 target: must be at most 1,000,000 (req/s in the open model',
  },
];

describe('bad scenario input exits 2 with file:line, fast, before anything starts', () => {
  for (const testCase of CASES) {
    it(`plan: ${testCase.name}`, async () => {
      const exit = await runCli(['plan', '--scenario', `./${testCase.file}`, '--json']);
      console.log(`plan ${testCase.file}: exit ${exit.code} after ${exit.elapsedMs} ms`);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toContain(`error: ./${testCase.file} is not a valid scenario (1 problem)`);
      expect(exit.stderr).toContain(testCase.line);
      expect(exit.stderr).not.toContain('unexpected failure');
      expect(exit.stdout).toBe('');
      expect(exit.elapsedMs).toBeLessThan(LIMIT_MS);
      await expectNothingStarted();
    });

    it(`run: ${testCase.name}`, async () => {
      // No --target: a valid scenario would start the local stack, so nothing may exist afterwards.
      const exit = await runCli(['run', '--scenario', `./${testCase.file}`, '--engine', 'autocannon', '--results-dir', resultsDir]);
      console.log(`run ${testCase.file}: exit ${exit.code} after ${exit.elapsedMs} ms`);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toContain(testCase.line);
      expect(exit.elapsedMs).toBeLessThan(LIMIT_MS);
      await expectNothingStarted();
    });
  }

  it('--rps 1e12, --users 1e12 and --set stages.1.target=1e12 exit 2 naming the flag', async () => {
    for (const [args, message] of [
      [['--scenario', 'smoke', '--rps', '1e12'], 'error: --rps must be at most 1,000,000 req/s (got 1000000000000)'],
      [['--scenario', 'stress', '--users', '1e12'], 'error: --users must be at most 1,000,000 users (got 1000000000000)'],
      [['--scenario', 'smoke', '--set', 'stages.1.target=1e12'], '--set stages.1.target=1e12 → stage 1 target: must be at most 1,000,000'],
    ] as const) {
      const exit = await runCli(['run', ...args, '--engine', 'autocannon', '--results-dir', resultsDir]);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toContain(message);
      expect(exit.elapsedMs).toBeLessThan(LIMIT_MS);
      await expectNothingStarted();
    }
  });

  // 1,000,000 autocannon connections: 128 MiB + 1e6 x 64 KiB, about 61.2 GiB.
  it.skipIf(freemem() > 61 * 1024 ** 3)('a plan whose load generator does not fit in free memory exits 2 before the stack starts', async () => {
    const exit = await runCli(['run', '--scenario', './huge-pool.yaml', '--engine', 'autocannon', '--results-dir', resultsDir]);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toMatch(/error: the load generator would need about 61\.2 GiB of memory for 1,000,000 users, but [\d.]+ [GM]iB is free/);
    expect(exit.stderr).toContain('hint: use fewer users');
    expect(exit.stderr).not.toContain('stack:');
    await expectNothingStarted();

    const plan = await runCli(['plan', '--scenario', './huge-pool.yaml', '--engine', 'autocannon', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const { memory } = JSON.parse(plan.stdout) as { memory: { freeBytes: number; estimates: Array<{ engine: string; users: number; totalBytes: number; fits: boolean }> } };
    expect(memory.estimates).toEqual([expect.objectContaining({ engine: 'autocannon', users: 1_000_000, fits: false })]);
  });
});
