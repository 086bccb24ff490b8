// Shared by bench/prediction-check.mjs and bench/bottleneck-check.mjs: a stack to run against,
// stepped scenarios of the baseline's request mix (open: one hold stage per rate; closed: one per
// user count, no think time) and `capacity run` returning its result.json. Benchmarks only: they
// print figures, never assert.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(root, 'bin/capacity');

export const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

/** The stack at `givenStateDir` (started if down, left as found) or a new one in a temporary folder. */
export function openStack(givenStateDir) {
  const stateDir = givenStateDir ?? mkdtempSync(path.join(tmpdir(), 'capacity-bench-stack-'));
  const wasUp = spawnSync('node', [cli, 'status', '--state-dir', stateDir], { stdio: 'ignore' }).status === 0;
  if (!wasUp) {
    console.error(`bringing the stack up in ${stateDir}`);
    execFileSync('node', [cli, 'up', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return {
    stateDir,
    close() {
      if (!wasUp) spawnSync('node', [cli, 'down', '--state-dir', stateDir, '--purge'], { stdio: 'ignore' });
      if (!givenStateDir && !wasUp) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * A stepped open-model scenario: the baseline scenario (its requests, variables and sign-in as they
 * are; the `peak` scenario sends the same mix) with, for each rate, a short ramp and a hold of
 * `holdS` seconds (the calibration measures each hold alone and fits each tier's CPU model over
 * them). With `warmUpS` > 0 a ramp from 0 to the top rate comes first and is not measured (only
 * holds are steps): the JIT, the connection pools and the cache warm up before the first step, so
 * the lowest step is not inflated by a cold start. Returns its path.
 */
export function writeSteppedScenario(dir, rates, holdS, rampS = 3, warmUpS = 0) {
  const scenario = YAML.parse(readFileSync(path.join(root, 'src/scenarios/builtin/baseline.yaml'), 'utf8'));
  scenario.name = 'calibration-steps';
  scenario.description = `The baseline mix at ${rates.map((r) => Math.round(r)).join(', ')} req/s, held ${holdS} s each${warmUpS > 0 ? ` after a ${warmUpS} s warm-up ramp` : ''}; the steps feed the CPU models.`;
  scenario.model = 'open';
  scenario.maxUsers = Math.max(scenario.maxUsers ?? 0, 200, Math.ceil(Math.max(...rates)));
  scenario.stages = [
    ...(warmUpS > 0 ? [{ name: 'warm-up', duration: `${warmUpS}s`, target: Math.round(Math.max(...rates)) }] : []),
    ...rates.flatMap((rate, i) => [
      { name: `ramp-${i + 1}`, duration: `${rampS}s`, target: Math.round(rate) },
      { name: `step-${i + 1}`, duration: `${holdS}s`, target: Math.round(rate) },
    ]),
  ];
  scenario.interval = '1s';
  const file = path.join(dir, 'calibration-steps.yaml');
  writeFileSync(file, `# Written by bench/lib/stepped-runs.mjs from src/scenarios/builtin/baseline.yaml.\n${YAML.stringify(scenario)}`);
  return file;
}

/**
 * A stepped closed-model scenario: the baseline's requests, variables and sign-in, with no think
 * time, and for each user count a short ramp and a hold of `holdS` seconds. Each hold is one point
 * of the calibration's USL fit (N = active users, X = achieved req/s) and of its CPU models; with
 * users doubling up to past the knee, the fit's peak is measured rather than extrapolated. With
 * `warmUpS` > 0 a ramp from 0 to the most users comes first and is not measured. Returns its path.
 */
export function writeClosedSteppedScenario(dir, users, holdS, rampS = 3, warmUpS = 0) {
  const scenario = YAML.parse(readFileSync(path.join(root, 'src/scenarios/builtin/baseline.yaml'), 'utf8'));
  const most = Math.max(...users);
  scenario.name = 'calibration-users';
  scenario.description = `The baseline mix, closed, no think time, at ${users.join(', ')} users, held ${holdS} s each${warmUpS > 0 ? ` after a ${warmUpS} s warm-up ramp` : ''}; the steps feed the USL fit and the CPU models.`;
  scenario.model = 'closed';
  scenario.thinkTime = 0;
  scenario.maxUsers = most;
  scenario.stages = [
    ...(warmUpS > 0 ? [{ name: 'warm-up', duration: `${warmUpS}s`, target: most }] : []),
    ...users.flatMap((n) => [
      { name: `n${n}-ramp`, duration: `${rampS}s`, target: n },
      { name: `n${n}`, duration: `${holdS}s`, target: n },
    ]),
  ];
  scenario.interval = '1s';
  const file = path.join(dir, 'calibration-users.yaml');
  writeFileSync(file, `# Written by bench/lib/stepped-runs.mjs from src/scenarios/builtin/baseline.yaml.\n${YAML.stringify(scenario)}`);
  return file;
}

/** One `capacity run`; its result (an SLO failure, exit 1, still counts). */
export function runCapacity(args, { stateDir, resultsDir, engine }) {
  const before = load();
  const seen = new Set(readdirSync(resultsDir));
  const child = spawnSync('node', [cli, 'run', ...args, '--engine', engine, '--state-dir', stateDir, '--results-dir', resultsDir, '--quiet'], { encoding: 'utf8' });
  // The run's folder is the one result.json in resultsDir that was not there before.
  const fresh = readdirSync(resultsDir).filter((id) => !seen.has(id) && existsSync(path.join(resultsDir, id, 'result.json')));
  if (fresh.length !== 1 || (child.status !== 0 && child.status !== 1)) {
    throw new Error(`capacity run ${args.join(' ')} exited ${child.status}: ${(child.stderr || child.stdout || '').slice(-2000)}`);
  }
  return { result: JSON.parse(readFileSync(path.join(resultsDir, fresh[0], 'result.json'), 'utf8')), loadBefore: before, loadAfter: load() };
}

export const signed = (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padStart(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** A temporary folder, and whether to keep it. */
export function scratch(prefix, keep) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, close: () => (keep ? console.error(`results kept in ${dir}`) : rmSync(dir, { recursive: true, force: true })) };
}
