#!/usr/bin/env node
// Benchmark (not a test): does the calibration predict CPU at a higher load? Calibrate from a run of
// the baseline scenario at a low rate R, predict each tier's busy cores at k·R by the utilization
// law U = X·D (D = the tier's CPU-seconds per request at R, from /proc), run at k·R, and compare
// with the cores each tier kept busy in that run's steady window. Prints one table per round and,
// with several rounds, the medians and the spread of the errors.
//
//   npm run build && node bench/prediction-check.mjs [--rps 400] [--factor 3] [--duration 75s]
//       [--rounds 1] [--engine autocannon] [--state-dir <dir>] [--idle 15] [--keep-results]
//
// --idle s: before each round, each tier's CPU with no load is measured for s seconds (0: skip);
// the table then also shows U = U0 + X·D' with D' = (U_R − U0) / X_R, the law with an idle floor.
//
// With --state-dir the runs use that stack (started first if it is not up, and left as found);
// without it a stack is brought up in a temporary folder and purged at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin/capacity');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const lowRps = Number(option('rps', '400'));
const factor = Number(option('factor', '3'));
const duration = option('duration', '75s');
const rounds = Number(option('rounds', '1'));
const engine = option('engine', 'autocannon');
const givenStateDir = option('state-dir', undefined);
const keepResults = args.includes('--keep-results');
if (!(lowRps > 0) || !(factor > 1) || !(rounds >= 1)) {
  console.error('usage: --rps <n> > 0, --factor <k> > 1, --rounds <n> >= 1');
  process.exit(2);
}

const { utilizationLawCheck } = await import(path.join(root, 'dist/metrics/calibration.js'));

const resultsDir = mkdtempSync(path.join(tmpdir(), 'capacity-prediction-'));
const stateDir = givenStateDir ?? mkdtempSync(path.join(tmpdir(), 'capacity-prediction-stack-'));
const stackWasUp = spawnSync('node', [cli, 'status', '--state-dir', stateDir], { stdio: 'ignore' }).status === 0;
if (!stackWasUp) {
  console.error(`bringing the stack up in ${stateDir}`);
  execFileSync('node', [cli, 'up', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const idleSeconds = Number(option('idle', '15'));
const TICKS_PER_SECOND = 100;

/** CPU ticks (user + system) of every process under each component's pid, by tier. */
function ticksByTier(components) {
  const parent = new Map();
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while /proc was read
    }
  }
  const tierOf = new Map(components.map((c) => [c.pid, c.tier]));
  const out = new Map();
  for (const [pid, used] of ticks) {
    for (let at = pid, hops = 0; at > 1 && hops < 64; at = parent.get(at) ?? 0, hops += 1) {
      const tier = tierOf.get(at);
      if (tier) {
        out.set(tier, (out.get(tier) ?? 0) + used);
        break;
      }
    }
  }
  return out;
}

/**
 * Cores each tier keeps busy with no load (timers, Prometheus scrapes, background work): the
 * floor under U = U0 + X·D that the plain utilization law (U0 = 0) leaves out.
 */
async function idleCores() {
  if (!(idleSeconds > 0)) return new Map();
  const { components } = JSON.parse(readFileSync(path.join(stateDir, 'stack.json'), 'utf8'));
  const before = ticksByTier(components);
  await sleep(idleSeconds * 1000);
  const after = ticksByTier(components);
  return new Map([...after].map(([tier, used]) => [tier, Math.max(0, used - (before.get(tier) ?? 0)) / TICKS_PER_SECOND / idleSeconds]));
}

const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

/** One `capacity run` of the baseline scenario at `rps`; its result (an SLO failure, exit 1, still counts). */
function run(rps) {
  const before = load();
  const child = spawnSync(
    'node',
    [cli, 'run', '--scenario', 'baseline', '--engine', engine, '--rps', String(rps), '--duration', duration, '--state-dir', stateDir, '--results-dir', resultsDir, '--quiet'],
    { encoding: 'utf8' },
  );
  const line = /result\s+(\S+result\.json)/.exec(child.stdout ?? '');
  if (!line || (child.status !== 0 && child.status !== 1)) {
    throw new Error(`capacity run --rps ${rps} exited ${child.status}: ${(child.stderr || child.stdout || '').slice(-2000)}`);
  }
  return { result: JSON.parse(readFileSync(line[1], 'utf8')), loadBefore: before, loadAfter: load() };
}

const pct = (v) => `${(v * 100).toFixed(1)} %`;
const signed = (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`;
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padStart(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const errorsByTier = new Map();
try {
  for (let round = 1; round <= rounds; round += 1) {
    const idle = await idleCores();
    const low = run(lowRps);
    const high = run(lowRps * factor);
    const calibration = low.result.calibration;
    const window = high.result.calibration?.window;
    if (!calibration || !window) throw new Error('a run has no calibration block (no server-side metrics?)');
    const checks = utilizationLawCheck(calibration, high.result.intervals, high.result.server, window);
    const achievedHigh = checks[0]?.throughputRps ?? 0;
    const predictedWithFloor = [];
    const rows = checks.map((c) => {
      // Signed: predicted above measured is positive.
      const error = c.measuredCores > 0 ? (c.predictedCores - c.measuredCores) / c.measuredCores : 0;
      const list = errorsByTier.get(c.tier) ?? [];
      list.push(error);
      errorsByTier.set(c.tier, list);
      // With the idle floor: D' = (U_R − U0) / X_R, predicted U0 + X·D'.
      const floor = idle.get(c.tier);
      const tierAtR = calibration.tiers.find((t) => t.tier === c.tier);
      const withFloor = floor === undefined || !tierAtR ? undefined : floor + (c.throughputRps * Math.max(0, tierAtR.coresBusy - floor)) / calibration.throughputRps;
      const floorError = withFloor === undefined || !(c.measuredCores > 0) ? undefined : (withFloor - c.measuredCores) / c.measuredCores;
      const key = `${c.tier} (idle floor)`;
      if (floorError !== undefined) errorsByTier.set(key, [...(errorsByTier.get(key) ?? []), floorError]);
      predictedWithFloor.push(withFloor ?? c.predictedCores);
      return [
        c.tier,
        (c.demandS * 1000).toFixed(3),
        (lowRps * factor * c.demandS).toFixed(3),
        c.predictedCores.toFixed(3),
        c.measuredCores.toFixed(3),
        signed(error),
        floor === undefined ? '–' : floor.toFixed(3),
        withFloor === undefined ? '–' : withFloor.toFixed(3),
        floorError === undefined ? '–' : signed(floorError),
      ];
    });
    const sum = (key) => checks.reduce((s, c) => s + c[key], 0);
    const totalError = (sum('predictedCores') - sum('measuredCores')) / sum('measuredCores');
    const totals = errorsByTier.get('all tiers') ?? [];
    totals.push(totalError);
    errorsByTier.set('all tiers', totals);
    const floorTotal = predictedWithFloor.reduce((a, b) => a + b, 0);
    const floorTotalError = (floorTotal - sum('measuredCores')) / sum('measuredCores');
    if (idle.size > 0) errorsByTier.set('all tiers (idle floor)', [...(errorsByTier.get('all tiers (idle floor)') ?? []), floorTotalError]);
    const idleTotal = [...idle.values()].reduce((a, b) => a + b, 0);
    rows.push([
      'all tiers',
      (sum('demandS') * 1000).toFixed(3),
      (lowRps * factor * sum('demandS')).toFixed(3),
      sum('predictedCores').toFixed(3),
      sum('measuredCores').toFixed(3),
      signed(totalError),
      idle.size > 0 ? idleTotal.toFixed(3) : '–',
      idle.size > 0 ? floorTotal.toFixed(3) : '–',
      idle.size > 0 ? signed(floorTotalError) : '–',
    ]);
    console.log(`\nround ${round}/${rounds}: ${engine}, baseline scenario, --duration ${duration}`);
    console.log(`  at R:  planned ${lowRps} req/s, achieved ${calibration.throughputRps.toFixed(0)} req/s in ${calibration.window.fromS}-${calibration.window.toS} s (run ${low.result.id}; load average ${low.loadBefore} → ${low.loadAfter})`);
    console.log(`  at ${factor}R: planned ${lowRps * factor} req/s, achieved ${achievedHigh.toFixed(0)} req/s in ${window.fromS}-${window.toS} s (run ${high.result.id}; load average ${high.loadBefore} → ${high.loadAfter}); p95 ${high.result.totals.latencyMs?.p95?.toFixed?.(1) ?? '?'} ms`);
    console.log(
      table(
        ['tier', 'D at R (ms CPU/req)', `cores at ${factor}R planned`, `predicted cores (X=${achievedHigh.toFixed(0)})`, 'measured cores', 'error', 'idle cores U0', 'predicted U0+X·D\'', 'error'],
        rows,
      ),
    );
  }
  if (rounds > 1) {
    console.log(`\nover ${rounds} rounds: signed error of the prediction (predicted vs measured cores at ${factor}R)`);
    console.log(
      table(
        ['tier', 'median', 'min', 'max', '|error| < 15 % in'],
        [...errorsByTier].map(([tier, errors]) => [tier, signed(median(errors)), signed(Math.min(...errors)), signed(Math.max(...errors)), `${errors.filter((e) => Math.abs(e) < 0.15).length}/${errors.length}`]),
      ),
    );
  }
  console.log(`\nerror = (predicted − measured) / measured; target |error| < ${pct(0.15)}. Load average now: ${load()} (2 cores).`);
} finally {
  if (!stackWasUp) spawnSync('node', [cli, 'down', '--state-dir', stateDir, '--purge'], { stdio: 'ignore' });
  if (!givenStateDir && !stackWasUp) rmSync(stateDir, { recursive: true, force: true });
  if (keepResults) console.error(`results kept in ${resultsDir}`);
  else rmSync(resultsDir, { recursive: true, force: true });
}
