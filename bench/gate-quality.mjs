#!/usr/bin/env node
// Gate quality on this machine: how often the regression gate flags A/A pairs (the same build
// run twice: false alarms) and A/B pairs where the app got slower by ~25 % (FAULT_LATENCY_MS on
// every app instance: misses). A benchmark, not a test: it prints figures and writes them to
// bench/gate-quality.results.json. Needs `npm run build` and the local stack's binaries.
//
//   node bench/gate-quality.mjs [--pairs 10] [--duration 30s] [--rps 100] [--engine k6]
//                               [--fault-ms auto|<ms>] [--scenario baseline]
//
// Each round: stack up (normal) → run A → run A' → stack down → stack up with the fault → run B
// → stack down. A/A pair = gate([A], A'); A/B pair = gate([A'], B), the closest normal run.
// "auto" fault = 25 % of the p95 measured in the first A run (median of per-interval p95s),
// added to every route (FAULT_ROUTE=*), so p95 grows by about 25 %.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30s' },
    rps: { type: 'string', default: '100' },
    engine: { type: 'string', default: 'k6' },
    'fault-ms': { type: 'string', default: 'auto' },
    scenario: { type: 'string', default: 'baseline' },
    out: { type: 'string', default: join(root, 'bench', 'gate-quality.results.json') },
  },
});
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs must be a positive integer, got ${values.pairs}`);

const dist = (path) => import(join(root, 'dist', path));
const [{ upStack, downStack }, { loadRunResult }, { evaluateGate }, { formatGateText }] = await Promise.all([
  dist('stack/index.js'),
  dist('reporters/load.js'),
  dist('gate/evaluate.js'),
  dist('gate/format.js'),
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
  stack = await upStack({ stateDir, apps: 3, path: process.env.PATH, appEnv, onProgress: () => undefined });
  log(`stack up${appEnv.FAULT_LATENCY_MS ? ` with FAULT_LATENCY_MS=${appEnv.FAULT_LATENCY_MS} on ${appEnv.FAULT_ROUTE}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function down() {
  if (!stack) return;
  const current = stack;
  stack = undefined;
  await downStack(current, { purge: false });
}

function runScenario(label) {
  const resultsDir = join(resultsRoot, label);
  const args = [join(root, 'bin', 'capacity'), 'run', '--scenario', values.scenario, '--engine', values.engine, '--duration', values.duration, '--rps', values.rps, '--state-dir', stateDir, '--results-dir', resultsDir, '--quiet'];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('exit', async (code) => {
      // 0 = SLOs held, 1 = an SLO failed: both are complete runs the gate can judge.
      if (code !== 0 && code !== 1) return fail(new Error(`run ${label} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const [folder] = await readdir(resultsDir);
      const { result } = await loadRunResult(join(resultsDir, folder), work);
      log(`run ${label}: ${result.totals.requests} requests, p95 ${result.totals.latencyMs?.p95.toFixed(1)} ms, ${result.intervals.length} intervals`);
      done(result);
    });
  });
}

const medianOf = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const stopAll = async () => {
  await down().catch(() => undefined);
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

const began = Date.now();
const rows = [];
const failures = [];
let faultMs = values['fault-ms'] === 'auto' ? undefined : Number(values['fault-ms']);
try {
  for (let round = 1; round <= pairs; round += 1) {
    try {
      await up({});
      const a = await runScenario(`r${round}-A`);
      const a2 = await runScenario(`r${round}-A2`);
      await down();
      if (faultMs === undefined) {
        const p95 = medianOf(a.intervals.filter((interval) => interval.latencyMs).map((interval) => interval.latencyMs.p95));
        faultMs = Math.max(1, Math.round(p95 * 0.25));
        log(`fault: median per-interval p95 of the first run is ${p95.toFixed(1)} ms → FAULT_LATENCY_MS=${faultMs} on every route`);
      }
      await up({ FAULT_LATENCY_MS: String(faultMs), FAULT_ROUTE: '*' });
      const b = await runScenario(`r${round}-B`);
      await down();
      const aa = evaluateGate([a], a2);
      const ab = evaluateGate([a2], b);
      const p95Of = (report) => report.metrics.find((metric) => metric.metric === 'p95');
      rows.push({
        round,
        aa: { flagged: aa.regressed, p95: p95Of(aa).effect, flaggedMetrics: aa.metrics.filter((m) => m.outcome === 'regressed').map((m) => m.metric) },
        ab: { flagged: ab.regressed, p95: p95Of(ab).effect, flaggedMetrics: ab.metrics.filter((m) => m.outcome === 'regressed').map((m) => m.metric) },
        runs: { a: a.id, a2: a2.id, b: b.id },
        p95Ms: { a: a.totals.latencyMs?.p95, a2: a2.totals.latencyMs?.p95, b: b.totals.latencyMs?.p95 },
      });
      const last = rows.at(-1);
      log(`round ${round}: A/A p95 ×${last.aa.p95.estimate.toFixed(3)} [${last.aa.p95.low.toFixed(3)}, ${last.aa.p95.high.toFixed(3)}] ${last.aa.flagged ? `FLAGGED (${last.aa.flaggedMetrics})` : 'ok'} · A/B p95 ×${last.ab.p95.estimate.toFixed(3)} [${last.ab.p95.low.toFixed(3)}, ${last.ab.p95.high.toFixed(3)}] ${last.ab.flagged ? `flagged (${last.ab.flaggedMetrics})` : 'MISSED'}`);
      if (round === 1) process.stdout.write(formatGateText(ab));
    } catch (error) {
      // A failed round (stack or run) is reported and skipped; the pairs that completed still count.
      log(`round ${round} failed: ${error.message}`);
      failures.push({ round, error: error.message });
      await down().catch(() => undefined);
    }
  }
} finally {
  await stopAll();
}

if (rows.length === 0) {
  console.error(`no round completed: ${failures.map((failure) => failure.error).join('; ')}`);
  process.exit(1);
}
const aaFlagged = rows.filter((row) => row.aa.flagged).length;
const abFlagged = rows.filter((row) => row.ab.flagged).length;
const summary = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: (await import('node:os')).cpus().length, note: 'shared by other jobs while measured' },
  settings: { scenario: values.scenario, engine: values.engine, duration: values.duration, rps: Number(values.rps), faultLatencyMs: faultMs, faultRoute: '*', gate: 'defaults: tolerance 10 %, 95 % bootstrap interval, 2000 resamples, seed 1, metrics p95,p99,errorRate,throughput' },
  aa: { pairs: rows.length, flagged: aaFlagged, falseAlarmRate: aaFlagged / rows.length },
  ab: { pairs: rows.length, flagged: abFlagged, detectionRate: abFlagged / rows.length, meanP95Ratio: rows.reduce((sum, row) => sum + row.ab.p95.estimate, 0) / rows.length },
  wallClockMinutes: (Date.now() - began) / 60000,
  failedRounds: failures,
  rows,
};
await writeFile(values.out, JSON.stringify(summary, null, 2) + '\n');
console.log('');
console.log(`gate quality (${values.scenario}, ${values.engine}, ${values.duration} at ${values.rps} req/s per run, fault ${faultMs} ms on every route):`);
console.log(`  A/A: ${aaFlagged} of ${rows.length} pairs flagged (false-alarm rate ${(100 * summary.aa.falseAlarmRate).toFixed(0)} %; target ≤ 1)`);
console.log(`  A/B: ${abFlagged} of ${rows.length} pairs flagged (detection rate ${(100 * summary.ab.detectionRate).toFixed(0)} %; target ≥ 9), mean p95 ratio ×${summary.ab.meanP95Ratio.toFixed(3)}`);
console.log(`  wall clock ${summary.wallClockMinutes.toFixed(1)} min; figures in ${values.out}`);
await rm(work, { recursive: true, force: true });
