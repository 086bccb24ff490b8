/**
 * One truthful summary: against a counting stand-in of the API on 127.0.0.1:0 (NOT the reference
 * app), through the built CLI (`npm run build` first), on every installed engine. A failed sign-in
 * stops the run before the load (exit 4); a scenario without objectives still fails on errors (the
 * default 1 % objective); an idle target at 20 req/s is not called saturated; the sign-in (made
 * slow here, 50 ms) stays out of the headline percentiles; every engine reports its users.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunResult } from '../../src/results/read.js';
import type { RunResult } from '../../src/results/schema.js';
import { startApiTarget, type ApiTarget, type ApiTargetOptions } from './support/api-target.js';
import { runBuiltCli } from './support/cli.js';
import { installedEngines } from './support/engines.js';

/** The installed engines here; k6 is never fetched (see test/integration/support/k6.ts). */
const INSTALLED = installedEngines;

type Exit = Awaited<ReturnType<typeof runBuiltCli>>;
const runCli = runBuiltCli;

async function results(dir: string): Promise<RunResult[]> {
  const folders = await readdir(path.join(dir, 'results')).catch(() => [] as string[]);
  return Promise.all(folders.sort().map(async (folder) => (await loadRunResult(path.join(dir, 'results', folder), dir)).result));
}

const targets: ApiTarget[] = [];
const dirs: string[] = [];

async function setUp(options: ApiTargetOptions): Promise<{ target: ApiTarget; dir: string }> {
  const target = await startApiTarget(options);
  targets.push(target);
  const dir = await mkdtemp(path.join(tmpdir(), 'capacity-truthful-'));
  dirs.push(dir);
  return { target, dir };
}

afterAll(async () => {
  for (const target of targets) await target.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('verdicts a user can take at their word', () => {
  it.each(INSTALLED)('a sign-in answering 501 stops the %s run before the load, exit 4, naming the endpoint, the status and a sample line', async (engine) => {
    const { target, dir } = await setUp({ loginStatus: 501 });
    const exit = await runCli(['run', '-s', 'smoke', '--engine', engine, '--target', target.url, '--duration', '4s'], dir);
    expect(exit.code, exit.stderr).toBe(4);
    expect(exit.stderr).toContain(`POST ${target.url}/auth/login answered 501`);
    expect(exit.stderr).toContain('sign-in is not implemented here');
    expect(exit.stderr).not.toContain('second line');
    // No load was sent and nothing reads as a result, let alone a pass.
    expect(target.mixCount()).toBe(0);
    expect(await results(dir)).toEqual([]);
    expect(exit.stdout).not.toMatch(/verdict\s+pass/);
  });

  it('a scenario without objectives fails on a third of its requests failing (the default 1 % objective)', async () => {
    const { target, dir } = await setUp({ errorShare: 1 / 3 });
    const file = path.join(dir, 'no-slos.yaml');
    await writeFile(
      file,
      ['name: no-slos', 'model: open', 'maxUsers: 10', 'stages:', '  - { duration: 3s, target: 10 }', 'requests:', '  - { name: list, path: /products }', ''].join('\n'),
    );
    const plan = await runCli(['plan', '-s', file], dir);
    expect(plan.stdout).toContain('error rate <= 1 % (default)');
    const exit = await runCli(['run', '-s', file, '--engine', 'autocannon', '--target', target.url], dir);
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stdout).toMatch(/FAIL\s+error rate <= 1 % \(default\)\s+3\d\.\d\d %/);
    const [result] = await results(dir);
    expect(result?.verdict).toBe('fail');
    expect(result?.totals.errorRate).toBeGreaterThan(0.3);

    // Overridable, and `slos: none` opts out explicitly.
    const relaxed = await runCli(['run', '-s', file, '--engine', 'autocannon', '--target', target.url, '--set', 'slos.errorRate=0.5'], dir);
    expect(relaxed.code, relaxed.stderr).toBe(0);
    const none = await runCli(['plan', '-s', file, '--set', 'slos=none'], dir);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain('(default)');
  });
});

describe('one definition of each number, on every installed engine (smoke, 20 req/s, 8 s, idle target answering in 10 ms, 50 ms sign-in)', () => {
  let byEngine: Map<string, RunResult>;
  let exit: Exit;

  beforeAll(async () => {
    // Mix answers after 10 ms: Artillery's percentiles are whole milliseconds, so at loopback's
    // ~1 ms two engines could not be compared within 30 %.
    const { target, dir } = await setUp({ loginDelayMs: 50, delayMs: 10 });
    exit = await runCli(['run', '-s', 'smoke', '--engine', 'all', '--target', target.url], dir, 150_000);
    byEngine = new Map((await results(dir)).map((result) => [result.engine.name, result]));
  }, 200_000);

  it('runs and passes on each installed engine', () => {
    expect(exit.code, exit.stderr + exit.stdout).toBe(0);
    expect([...byEngine.keys()].sort()).toEqual([...INSTALLED].sort());
  });

  it('is not called saturated by any engine', () => {
    for (const [engine, result] of byEngine) {
      expect(result.generator?.saturated, `${engine}: ${result.generator?.reasons.join('; ')}`).toBe(false);
      expect(result.generator?.achievedToPlannedRatio, engine).toBeGreaterThanOrEqual(0.95);
    }
    expect(exit.stdout).not.toContain('SATURATED');
  });

  it('keeps the sign-in out of the headline percentiles, reported apart', () => {
    const p95s = [...byEngine].map(([engine, result]) => [engine, result.totals.latencyMs?.p95 ?? Number.NaN] as const);
    console.log('smoke p95 per engine (ms):', JSON.stringify(Object.fromEntries(p95s)), 'setup p95:', JSON.stringify(Object.fromEntries([...byEngine].map(([engine, result]) => [engine, result.setup?.latencyMs?.p95]))));
    for (const [engine, result] of byEngine) {
      expect(result.setup?.requests, engine).toBe(20);
      expect(result.setup?.latencyMs?.p95, engine).toBeGreaterThanOrEqual(50);
      // 20 sign-ins of 50 ms among ~160 requests would put the p95 at 50 ms.
      expect(result.totals.latencyMs?.p95, engine).toBeLessThan(30);
      expect(result.endpoints.find((endpoint) => endpoint.name === 'login')?.requests ?? 0, engine).toBe(0);
      const inIntervals = result.intervals.reduce((sum, interval) => sum + interval.requests, 0);
      expect(inIntervals, engine).toBe(result.totals.requests);
    }
    const values = p95s.map(([, p95]) => p95);
    expect(Math.max(...values) / Math.min(...values)).toBeLessThanOrEqual(1.3);
  });

  it('reports users on every engine', () => {
    for (const [engine, result] of byEngine) expect(result.totals.maxActiveUsers, engine).toBeGreaterThan(0);
    expect(exit.stdout).not.toMatch(/users\s+up to 0\b/);
  });

  it('labels the headline percentiles as the whole run, marks the partial intervals, and keeps engine notes behind --verbose', () => {
    expect(exit.stdout).toContain('(whole run)');
    expect(exit.stdout).toContain('(--verbose shows them)');
    expect(exit.stdout).not.toContain('note: ');
    for (const [engine, result] of byEngine) {
      expect(result.intervals[0]?.partial, engine).toBe('start');
    }
    // autocannon ticks per second: its rate verdict has full intervals to go by.
    expect(byEngine.get('autocannon')?.intervals.some((interval) => interval.partial === undefined)).toBe(true);
  });
});
