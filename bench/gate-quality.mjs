#!/usr/bin/env node
// Gate quality on this machine: how often the regression gate flags A/A pairs (the same build
// run twice: false alarms) and A/B pairs where every response got slower (FAULT_LATENCY_MS on
// every app instance: misses). A benchmark, not a test: it prints figures and writes them, with
// every run's per-interval samples, to bench/gate-quality.results.json. Needs `npm run build`.
//
//   node bench/gate-quality.mjs [--pairs 10] [--duration 90s] [--rps 100] [--engine k6]
//                               [--fault-ms auto|<ms>] [--scenario baseline] [--lengths 20,30,45,60,90]
//
// Schedule: N0, F1, N1, F2, N2, ... FN, NN — normal (N) and faulted (F) runs alternate, the stack
// restarted before each (the fault is an app environment variable). A/A pair i = gate([N(i-1)], Ni),
// A/B pair i = gate([N(i-1)], Fi): each run is judged against the previous normal run, as a CI
// job judges a build against a baseline recorded earlier. "auto" fault = 25 % of N0's p95
// (median of per-interval p95s) on every route (FAULT_ROUTE=*), so p95 grows by about 25 %.
// The run length needed is found offline: the same runs cut to their first L seconds.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '10' },
    duration: { type: 'string', default: '90s' },
    rps: { type: 'string', default: '100' },
    engine: { type: 'string', default: 'k6' },
    'fault-ms': { type: 'string', default: 'auto' },
    scenario: { type: 'string', default: 'baseline' },
    lengths: { type: 'string', default: '20,30,45,60,90' },
    out: { type: 'string', default: join(root, 'bench', 'gate-quality.results.json') },
  },
});
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs must be a positive integer, got ${values.pairs}`);
const lengths = values.lengths.split(',').map(Number);

const dist = (path) => import(join(root, 'dist', path));
const [{ upStack, downStack }, { loadRunResult }, { evaluateGate }, { formatGateText }, { samplesOf }] = await Promise.all([
  dist('stack/index.js'),
  dist('results/read.js'),
  dist('regression/evaluate.js'),
  dist('regression/format.js'),
  dist('regression/samples.js'),
]).catch((error) => {
  console.error(`cannot load the built CLI (${error.message}): run \`npm run build\` first`);
  process.exit(3);
});

const work = await mkdtemp(join(tmpdir(), 'capacity-gate-quality-'));
// PostgreSQL runs as the postgres user: it must be able to reach the state folder inside.
await chmod(work, 0o755);
const stateDir = join(work, 'state');
const resultsRoot = join(work, 'results');
const log = (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
let stack;

async function up(appEnv) {
  const started = Date.now();
  stack = await upStack({ projectRoot: root, stateDir, apps: 3, path: process.env.PATH, appEnv, onProgress: () => undefined });
  log(`stack up${appEnv.FAULT_LATENCY_MS ? ` with FAULT_LATENCY_MS=${appEnv.FAULT_LATENCY_MS} on ${appEnv.FAULT_ROUTE}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function down() {
  if (!stack) return;
  const current = stack;
  stack = undefined;
  await downStack(current, { purge: false });
}

let child;
function runScenario(label) {
  const resultsDir = join(resultsRoot, label);
  const args = [join(root, 'bin', 'capacity'), 'run', '--scenario', values.scenario, '--engine', values.engine, '--duration', values.duration, '--rps', values.rps, '--state-dir', stateDir, '--results-dir', resultsDir, '--quiet'];
  return new Promise((done, fail) => {
    child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('exit', async (code) => {
      child = undefined;
      // 0 = SLOs held, 1 = an SLO failed: both are complete runs the gate can judge.
      if (code !== 0 && code !== 1) return fail(new Error(`run ${label} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        const [folder] = await readdir(resultsDir);
        const { result } = await loadRunResult(join(resultsDir, folder), work);
        log(`run ${label}: ${result.totals.requests} requests, p95 ${result.totals.latencyMs?.p95.toFixed(1)} ms, ${result.intervals.length} intervals`);
        done(samplesOf(result));
      } catch (error) {
        fail(error);
      }
    });
  });
}

const medianOf = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const cut = (run, seconds) => ({ ...run, intervals: run.intervals.filter((interval) => interval.t + interval.durationS <= seconds + 1e-9) });

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  child?.kill('SIGINT');
  void down()
    .catch(() => undefined)
    .then(() => process.exit(130));
});

const began = Date.now();
const normals = [];
const faulted = [];
const failures = [];
let faultMs = values['fault-ms'] === 'auto' ? undefined : Number(values['fault-ms']);

async function attempt(label, appEnv) {
  // One retry: a stack that fails to come up on a loaded machine should not end the benchmark.
  for (let tries = 1; tries <= 2; tries += 1) {
    try {
      await up(appEnv);
      const run = await runScenario(label);
      await down();
      return run;
    } catch (error) {
      log(`${label} failed (try ${tries}): ${error.message}`);
      failures.push({ label, error: error.message });
      await down().catch(() => undefined);
    }
  }
  return undefined;
}

try {
  normals.push(await attempt('N0', {}));
  if (!normals[0]) throw new Error('the first normal run failed twice');
  if (faultMs === undefined) {
    const p95 = medianOf(normals[0].intervals.filter((interval) => interval.p95 !== undefined).map((interval) => interval.p95));
    faultMs = Math.max(1, Math.round(p95 * 0.25));
    log(`fault: median per-interval p95 of N0 is ${p95.toFixed(1)} ms → FAULT_LATENCY_MS=${faultMs} on every route`);
  }
  for (let index = 1; index <= pairs; index += 1) {
    faulted.push(await attempt(`F${index}`, { FAULT_LATENCY_MS: String(faultMs), FAULT_ROUTE: '*' }));
    normals.push(await attempt(`N${index}`, {}));
  }
} finally {
  await down().catch(() => undefined);
}

function judge(seconds) {
  const aa = [];
  const ab = [];
  for (let index = 1; index <= pairs; index += 1) {
    const baseline = normals[index - 1];
    if (!baseline) continue;
    const entry = (current) => {
      if (!current) return undefined;
      const report = evaluateGate([cut(baseline, seconds)], cut(current, seconds));
      const p95 = report.metrics.find((metric) => metric.metric === 'p95');
      return { pair: index, flagged: report.regressed, flaggedMetrics: report.metrics.filter((m) => m.outcome === 'regressed').map((m) => m.metric), p95: p95.effect, report };
    };
    const aaEntry = entry(normals[index]);
    const abEntry = entry(faulted[index - 1]);
    if (aaEntry) aa.push(aaEntry);
    if (abEntry) ab.push(abEntry);
  }
  return { aa, ab };
}

const fullLength = Math.max(...lengths);
const byLength = lengths.map((seconds) => {
  const { aa, ab } = judge(seconds);
  return {
    seconds,
    aa: { pairs: aa.length, flagged: aa.filter((entry) => entry.flagged).length },
    ab: { pairs: ab.length, flagged: ab.filter((entry) => entry.flagged).length, meanP95Ratio: ab.reduce((sum, entry) => sum + entry.p95.estimate, 0) / Math.max(1, ab.length) },
    detail: {
      aa: aa.map(({ pair, flagged, flaggedMetrics, p95 }) => ({ pair, flagged, flaggedMetrics, p95 })),
      ab: ab.map(({ pair, flagged, flaggedMetrics, p95 }) => ({ pair, flagged, flaggedMetrics, p95 })),
    },
  };
});
const full = judge(fullLength);
for (const entry of full.aa) log(`A/A pair ${entry.pair}: p95 ×${entry.p95.estimate.toFixed(3)} [${entry.p95.low.toFixed(3)}, ${entry.p95.high.toFixed(3)}] ${entry.flagged ? `FLAGGED (${entry.flaggedMetrics})` : 'ok'}`);
for (const entry of full.ab) log(`A/B pair ${entry.pair}: p95 ×${entry.p95.estimate.toFixed(3)} [${entry.p95.low.toFixed(3)}, ${entry.p95.high.toFixed(3)}] ${entry.flagged ? `flagged (${entry.flaggedMetrics})` : 'MISSED'}`);
if (full.ab[0]) process.stdout.write(formatGateText(full.ab[0].report));

const summary = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, note: 'shared with other jobs while measured' },
  settings: {
    scenario: values.scenario,
    engine: values.engine,
    duration: values.duration,
    rps: Number(values.rps),
    faultLatencyMs: faultMs,
    faultRoute: '*',
    schedule: 'N0 F1 N1 ... FN NN, stack restarted before every run; A/A = (N(i-1), Ni), A/B = (N(i-1), Fi)',
    gate: 'defaults: tolerance 10 %, 95 % bootstrap interval, 2000 resamples, seed 1, metrics p95,p99,errorRate,throughput',
  },
  byLength,
  wallClockMinutes: (Date.now() - began) / 60000,
  failures,
  runs: { normal: normals, faulted },
};
await writeFile(values.out, JSON.stringify(summary, null, 2) + '\n');
console.log('');
console.log(`gate quality (${values.scenario}, ${values.engine}, ${values.rps} req/s, fault ${faultMs} ms on every route; runs cut to their first L seconds):`);
console.log('  L (s)   A/A flagged (target ≤ 1 in 10)   A/B flagged (target ≥ 9 in 10)   mean A/B p95 ratio');
for (const row of byLength) {
  console.log(`  ${String(row.seconds).padStart(5)}   ${`${row.aa.flagged} of ${row.aa.pairs}`.padEnd(31)}  ${`${row.ab.flagged} of ${row.ab.pairs}`.padEnd(31)}  ×${row.ab.meanP95Ratio.toFixed(3)}`);
}
console.log(`  wall clock ${summary.wallClockMinutes.toFixed(1)} min, ${failures.length} failed attempt(s); figures in ${values.out}`);
await rm(work, { recursive: true, force: true });
