#!/usr/bin/env node
// Benchmark: do k6, autocannon and Artillery agree? One constant-rate open plan against a fresh
// local stack (nginx + 3 app servers + Redis + PostgreSQL), each engine in turn (order rotated per
// run), several runs; per engine the median p95 and, for each run, the server-side p95 from the
// apps' http_request_duration_seconds histogram (delta over the run, bucket bounds).
//
//   npm run build && node bench/engines-agreement.mjs [--rate 2000] [--duration 60] [--runs 3] [--warmup 15] [--engines k6,autocannon,artillery]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const rate = Number(option('rate', '2000'));
const duration = Number(option('duration', '60'));
const runs = Number(option('runs', '3'));
const engines = option('engines', 'k6,autocannon,artillery').split(',');
const warmup = Number(option('warmup', '15'));

const { getEngine } = await import(path.join(root, 'dist/engines/index.js'));
const { upStack, downStack } = await import(path.join(root, 'dist/stack/index.js'));

const IGNORED_ROUTES = /route="\/(metrics|healthz|readyz)"/;

/** Per `le` bound: the sum over apps and routes of http_request_duration_seconds_bucket; and the request count. */
async function scrape(urls) {
  const buckets = new Map();
  let requests = 0;
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      const bucket = /^http_request_duration_seconds_bucket\{([^}]*)\}\s+(\S+)/.exec(line);
      if (bucket && !IGNORED_ROUTES.test(bucket[1])) {
        const le = /le="([^"]+)"/.exec(bucket[1])[1];
        buckets.set(le, (buckets.get(le) ?? 0) + Number(bucket[2]));
      }
      const counter = /^http_requests_total\{([^}]*)\}\s+(\S+)/.exec(line);
      if (counter && !IGNORED_ROUTES.test(counter[1])) requests += Number(counter[2]);
    }
  }
  return { buckets, requests };
}

/** p95 from cumulative bucket deltas: the bucket it falls in, and a linear estimate inside it (ms). */
function serverP95(before, after) {
  const bounds = [...after.buckets.keys()].map((le) => (le === '+Inf' ? Infinity : Number(le))).sort((a, b) => a - b);
  const at = (bound) => {
    const key = bound === Infinity ? '+Inf' : [...after.buckets.keys()].find((le) => Number(le) === bound);
    return (after.buckets.get(key) ?? 0) - (before.buckets.get(key) ?? 0);
  };
  const total = at(Infinity);
  const rank = 0.95 * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = at(bound);
    if (count >= rank) {
      const upper = bound;
      const estimate = upper === Infinity ? lower : lower + ((upper - lower) * (rank - below)) / Math.max(1, count - below);
      return { lowerMs: lower * 1000, upperMs: upper * 1000, estimateMs: estimate * 1000, count: total };
    }
    lower = bound;
    below = count;
  }
  return undefined;
}

const plan = (baseUrl) => ({
  scenario: 'engines-agreement',
  model: 'open',
  baseUrl,
  startTarget: rate,
  stages: [{ name: 'steady', durationS: duration, target: rate }],
  thinkTimeS: 0,
  maxUsers: Math.max(200, Math.ceil(rate / 5)),
  requestTimeoutS: 10,
  intervalS: 1,
  requests: [
    { name: 'get-product', method: 'GET', path: '/products/{productId}', weight: 5, auth: false },
    { name: 'list-products', method: 'GET', path: '/products?page={page}&limit=20', weight: 2, auth: false },
    { name: 'search-products', method: 'GET', path: '/products/search?q={query}', weight: 1, auth: false },
    { name: 'me', method: 'GET', path: '/me', weight: 2, auth: true },
  ],
  data: { userIdRange: [1, 1000], productIdRange: [1, 100], pageRange: [1, 5], password: 'capacity', searchTerms: ['lamp', 'desk chair', 'mug'] },
  slos: [{ name: 'p95', metric: 'p95', threshold: 200 }],
  totalDurationS: duration,
  peakTarget: rate,
});

const median = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const stateDir = mkdtempSync(path.join(tmpdir(), 'capacity-agreement-'));
const work = mkdtempSync(path.join(tmpdir(), 'capacity-agreement-out-'));
console.log(`engines agreement: ${rate} req/s for ${duration} s, ${runs} run(s), engines ${engines.join(', ')}`);
const state = await upStack({ projectRoot: root, stateDir, apps: 3, seedUsers: 1000, path: process.env.PATH, onProgress: (line) => console.log(`  stack: ${line}`) });
const metricsUrls = state.components.filter((component) => component.tier === 'app').map((app) => app.metricsUrl ?? `${app.url}/metrics`);
const rows = [];
try {
  // Warm the apps' JIT, pools and caches first, so the first engine does not meet a cold stack.
  if (warmup > 0) {
    const warmDir = path.join(work, 'warmup');
    mkdirSync(warmDir);
    const warm = { ...plan(state.baseUrl), stages: [{ durationS: warmup, target: rate }], totalDurationS: warmup };
    const output = await getEngine('autocannon').run({ plan: warm, outDir: warmDir, signal: new AbortController().signal, projectRoot: root, env: process.env });
    console.log(`warm-up: ${warmup} s with autocannon, ${output.totals.requests} requests, p95 ${fmt(output.totals.latencyMs?.p95)} ms`);
  }
  for (let run = 0; run < runs; run += 1) {
    const order = engines.map((_, index) => engines[(index + run) % engines.length]);
    for (const name of order) {
      const outDir = path.join(work, `${name}-${run}`);
      mkdirSync(outDir);
      const before = await scrape(metricsUrls);
      const output = await getEngine(name).run({ plan: plan(state.baseUrl), outDir, signal: new AbortController().signal, projectRoot: root, env: process.env });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const after = await scrape(metricsUrls);
      const server = serverP95(before, after);
      const row = {
        run: run + 1,
        engine: name,
        requests: output.totals.requests,
        served: after.requests - before.requests,
        achievedRps: output.totals.achievedRps,
        p50: output.totals.latencyMs?.p50,
        p95: output.totals.latencyMs?.p95,
        p99: output.totals.latencyMs?.p99,
        errors: output.totals.errors,
        generatorCpuMean: output.generator.cpuPercentMean,
        saturated: output.generator.saturated,
        reasons: output.generator.reasons,
        server,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await downStack(state, { purge: true });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

console.log(`\n| engine | runs | achieved req/s (median) | p50 ms | p95 ms (median) | p99 ms | server p95 bucket (ms) | server p95 est. ms | generator saturated |`);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const name of engines) {
  const mine = rows.filter((row) => row.engine === name);
  const buckets = mine.map((row) => (row.server ? `${fmt(row.server.lowerMs, 1)}-${fmt(row.server.upperMs, 1)}` : 'n/a'));
  console.log(
    `| ${name} | ${mine.length} | ${fmt(median(mine.map((row) => row.achievedRps)), 0)} | ${fmt(median(mine.map((row) => row.p50)))} | ${fmt(median(mine.map((row) => row.p95)))} | ${fmt(median(mine.map((row) => row.p99)))} | ${[...new Set(buckets)].join(', ')} | ${fmt(median(mine.map((row) => row.server?.estimateMs)))} | ${mine.filter((row) => row.saturated).length}/${mine.length} |`,
  );
}
const p95s = engines.map((name) => median(rows.filter((row) => row.engine === name).map((row) => row.p95)));
const spread = Math.max(...p95s) / Math.min(...p95s) - 1;
console.log(`\nlargest p95 / smallest p95 - 1 = ${fmt(spread * 100)} % (target: within 25 %)`);
