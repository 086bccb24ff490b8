/**
 * `capacity gate` end to end, in-process: A/A passes (exit 0), a 25 % slower run fails (exit 1)
 * with the effect and its interval printed, baselines are recorded atomically and read back,
 * and bad input (other scenario, other schema version, truncated or corrupt file) exits 2
 * without overwriting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCapacity, workDirWithFixtures, type CliRun } from './support/cli.js';

let workDir: string;

function cli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCapacity(argv, { cwd: workDir, env });
}

beforeAll(async () => {
  workDir = await workDirWithFixtures('capacity-gate-', ['baseline-a1', 'baseline-a2', 'baseline-slow', 'smoke-k6']);
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('capacity gate', () => {
  it('passes an A/A pair (exit 0) and prints each effect with its interval', async () => {
    const { code, stdout } = await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a2']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/p95 latency \(median of per-interval p95\)\s+\d+\.\d ms → \d+\.\d ms\s+×\d\.\d{3} \([+-]\d+\.\d %\) \[\d\.\d{3}, \d\.\d{3}\]\s+ok/);
    expect(stdout).toContain('gate: passed');
  });

  it('fails a 25 % slower run (exit 1), naming the regressed metric and the evidence', async () => {
    const summary = join(workDir, 'summary.md');
    const { code, stdout } = await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-slow'], { GITHUB_STEP_SUMMARY: summary });
    expect(code).toBe(1);
    expect(stdout).toMatch(/p95 latency .*REGRESSED/);
    expect(stdout).toMatch(/p95 is between \d+ % and \d+ % higher than the baseline \(95 % confidence\); a regression needs it to be at least 10 % higher for sure: shown \(Mann-Whitney p = [<\d.]+ < 0\.05\)/);
    expect(stdout).toContain('gate: FAILED');
    expect(await readFile(summary, 'utf8')).toContain('### Regression gate: ❌ regression');
  });

  it('refuses a run gated against itself (exit 2): the same folder, or a byte-identical copy', async () => {
    const same = await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a1']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('error: the baseline is the current run itself (fixture-baseline-a1): a run gated against itself always passes');
    await mkdir(join(workDir, 'copy'), { recursive: true });
    await copyFile(join(workDir, 'results', 'baseline-a1', 'result.json'), join(workDir, 'copy', 'result.json'));
    expect((await cli(['gate', '--baseline', 'copy', '--current', 'results/baseline-a1'])).code).toBe(2);
  });

  it('says the data are too few, not ok, where the interval is wider than the tolerance', async () => {
    // p99 and throughput of the 40-interval fixtures vary by more than ±10 % at 95 % confidence.
    const { code, stdout } = await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a2']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/throughput .*TOO FEW DATA/);
    expect(stdout).toMatch(/too few data to tell: the interval is ±\d+ % wide, not narrower than the 10 % tolerance; about \d+ intervals per run would be needed/);
    expect(stdout).toMatch(/^gate: passed, but the data are too few to judge .*throughput: no regression shown there, none ruled out/m);
    // A looser tolerance is one these data can judge.
    const loose = await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a2', '--tolerance', '30%']);
    expect(loose.stdout).not.toContain('TOO FEW DATA');
    expect(loose.stdout).toContain('gate: passed: no regression beyond the tolerance');
    const json = JSON.parse((await cli(['gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a2', '--json'])).stdout) as { metrics: Array<{ metric: string; outcome: string; neededIntervals?: number }> };
    const throughput = json.metrics.find((metric) => metric.metric === 'throughput');
    expect(throughput?.outcome).toBe('too-few-data');
    expect(throughput?.neededIntervals).toBeGreaterThan(40);
  });

  it('pools a folder of baseline runs', async () => {
    await mkdir(join(workDir, 'pool'), { recursive: true });
    for (const name of ['baseline-a1', 'baseline-a2']) await copyFile(join(workDir, 'results', name, 'result.json'), join(workDir, 'pool', `${name}.json`));
    const pass = await cli(['gate', '--baseline', 'pool', '--current', 'results/baseline-a2', '--format', 'json']);
    expect(pass.code).toBe(0);
    // The current run is in the pool: it is left out, and the report says so.
    const report = JSON.parse(pass.stdout) as { baselineRuns: string[]; warnings: string[] };
    expect(report.baselineRuns).toEqual(['fixture-baseline-a1']);
    expect(report.warnings).toContain('baseline run fixture-baseline-a2 is the current run itself (same id or the same intervals): left out of the baseline');
    expect((await cli(['gate', '--baseline', 'pool', '--current', 'results/baseline-slow'])).code).toBe(1);
  });

  it('records a trimmed baseline atomically, gates against it, and keeps it on a regression', async () => {
    const record = await cli(['gate', '--current', 'results/baseline-a1', '--update-baseline', 'baselines/baseline.json']);
    expect(record.code).toBe(0);
    const file = join(workDir, 'baselines', 'baseline.json');
    const written = JSON.parse(await readFile(file, 'utf8')) as { kind: string; scenario: string; schemaVersion: number; runs: { intervals: unknown[] }[] };
    expect(written.kind).toBe('capacity-baseline');
    expect(written.scenario).toBe('baseline');
    expect(written.schemaVersion).toBe(1);
    expect(written.runs[0]?.intervals).toHaveLength(40);
    expect((await stat(file)).size).toBeLessThan((await stat(join(workDir, 'results', 'baseline-a1', 'result.json'))).size);
    expect((await readdir(join(workDir, 'baselines'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    expect((await cli(['gate', '--baseline', 'baselines/baseline.json', '--current', 'results/baseline-a2'])).code).toBe(0);
    const before = await readFile(file, 'utf8');
    const regressed = await cli(['gate', '--baseline', 'baselines/baseline.json', '--current', 'results/baseline-slow', '--update-baseline', 'baselines/baseline.json']);
    expect(regressed.code).toBe(1);
    expect(regressed.stderr).toContain('not updating baselines/baseline.json: the current run regressed');
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('exits 2 on a baseline from another scenario, another schema version, or a corrupt file, overwriting nothing', async () => {
    await mkdir(join(workDir, 'keep'), { recursive: true });
    const keep = join(workDir, 'keep', 'baseline.json');
    expect((await cli(['gate', '--current', 'results/baseline-a1', '--update-baseline', 'keep/baseline.json'])).code).toBe(0);
    const kept = await readFile(keep, 'utf8');

    const otherScenario = await cli(['gate', '--baseline', 'keep/baseline.json', '--current', 'results/smoke-k6', '--update-baseline', 'keep/baseline.json']);
    expect(otherScenario.code).toBe(2);
    expect(otherScenario.stderr).toMatch(/baseline of scenario "baseline", the current run is "smoke": not overwriting it/);

    const mismatch = await cli(['gate', '--baseline', 'keep/baseline.json', '--current', 'results/smoke-k6']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/is from scenario "baseline" but the current run fixture-smoke-k6 is from "smoke"/);

    await writeFile(join(workDir, 'keep', 'v7.json'), kept.replace('"schemaVersion": 1', '"schemaVersion": 7'));
    const version = await cli(['gate', '--baseline', 'keep/v7.json', '--current', 'results/baseline-a2']);
    expect(version.code).toBe(2);
    expect(version.stderr).toMatch(/v7\.json is a baseline of result schema version 7; this capacity reads version 1/);

    await writeFile(join(workDir, 'keep', 'cut.json'), kept.slice(0, Math.floor(kept.length / 2)));
    const truncated = await cli(['gate', '--baseline', 'keep/cut.json', '--current', 'results/baseline-a2', '--update-baseline', 'keep/baseline.json']);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/cut\.json is not valid JSON \(it ends early: truncated\?\)/);

    const current = (await readFile(join(workDir, 'results', 'baseline-a2', 'result.json'), 'utf8')).replace('"intervals": [', '"intervals": {');
    await mkdir(join(workDir, 'results', 'corrupt'), { recursive: true });
    await writeFile(join(workDir, 'results', 'corrupt', 'result.json'), current);
    const corrupt = await cli(['gate', '--baseline', 'keep/baseline.json', '--current', 'results/corrupt', '--update-baseline', 'keep/baseline.json']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/corrupt\/result\.json is not valid JSON/);

    expect(await readFile(keep, 'utf8')).toBe(kept);
    expect((await cli(['gate', '--current', 'results/baseline-a1'])).code).toBe(2);
    expect((await cli(['gate', '--baseline', 'keep/baseline.json', '--current', 'results/baseline-a2', '--metrics', 'p42'])).code).toBe(2);
  });
});
