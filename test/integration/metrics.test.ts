import { fileURLToPath } from 'node:url';
/**
 * Server-side metrics against the real local stack (PostgreSQL, Redis, 2 app instances, nginx,
 * Prometheus on loopback): a fixed-rate run with the /proc sampler, the Prometheus collector,
 * the direct /metrics scraper and Redis INFO on; then the calibration and the utilization law.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type AutocannonClient } from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interval, ServerSeries } from '../../src/results/schema.js';
import { downStack, upStack } from '../../src/stack/index.js';
import type { StackState } from '../../src/stack/types.js';
import { createCollectors, startAll, stopAll } from '../../src/metrics/index.js';
import { calibrate, interleavedBlocks, utilizationLawCheck } from '../../src/metrics/calibration.js';
import { PrometheusClient } from '../../src/metrics/prometheus/client.js';
import { counterIncreases } from '../../src/metrics/prometheus/queries.js';
import { integrateRate } from '../../src/metrics/series.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const RATE = 400;
const DURATION_S = 60;
/** Seconds of the same load before the measured run: JIT, connection pools and the cache warm up. */
const WARM_UP_S = 8;
const APPS = 2;
const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const SEED_USERS = 2000; // products: SEED_USERS / 10
const SEARCH_TERMS = ['steel', 'oak', 'leather', 'ceramic', 'copper', 'modern', 'rustic', 'portable'];

let stateDir: string;
let stack: StackState | undefined;
let runStart: Date;
let runEnd: Date;
let intervals: Interval[] = [];
let server: ServerSeries[] = [];
let problems: string[] = [];

/** Drives a fixed request rate with autocannon and counts completed responses per second. */
async function fixedRateLoad(baseUrl: string, start: Date, durationS: number): Promise<Interval[]> {
  const perSecond = new Map<number, { requests: number; errors: number }>();
  const products = SEED_USERS / 10;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: 20,
        overallRate: RATE,
        duration: durationS,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => {
              // 50 % product by id (Redis, PostgreSQL on a miss), 25 % a product page and 25 % a
              // full-text search (PostgreSQL): every tier does work per request.
              const draw = Math.random();
              const path =
                draw < 0.5
                  ? `/products/${1 + Math.floor(Math.random() * products)}`
                  : draw < 0.75
                    ? `/products?page=${1 + Math.floor(Math.random() * 5)}&limit=20`
                    : `/products/search?q=${SEARCH_TERMS[Math.floor(Math.random() * SEARCH_TERMS.length)]}&limit=10`;
              return { ...request, path };
            },
          },
        ],
        setupClient: (client: AutocannonClient) => {
          client.on('response', (statusCode: number) => {
            const second = Math.floor((Date.now() - start.getTime()) / 1000);
            const slot = perSecond.get(second) ?? { requests: 0, errors: 0 };
            slot.requests += 1;
            if (statusCode >= 400) slot.errors += 1;
            perSecond.set(second, slot);
          });
        },
      },
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('error', reject);
  });
  const last = Math.max(...perSecond.keys());
  return Array.from({ length: last + 1 }, (_, t) => {
    const slot = perSecond.get(t) ?? { requests: 0, errors: 0 };
    return { t, durationS: 1, achievedRps: slot.requests, requests: slot.requests, errors: slot.errors, errorsByKind: {}, statusCounts: {} };
  });
}

function cpuOf(tier: string, source: ServerSeries['source']): ServerSeries[] {
  return server.filter((s) => s.tier === tier && s.source === source && s.metric === 'cpu_seconds_per_second');
}

describe('server metrics on the local stack', () => {
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'capacity-metrics-'));
    stack = await upStack({ projectRoot: PROJECT_ROOT, stateDir, apps: APPS, seedUsers: SEED_USERS, path: process.env.PATH });
    const collectors = createCollectors({ stack, scrapeStackApps: true, onProblem: (message) => problems.push(message) });
    expect(collectors.map((c) => c.name).sort()).toEqual(['proc', 'prometheus', 'redis-info', 'scrape']);
    // Steady state before measuring: the fresh seed's vacuum and statistics done now rather than
    // by autovacuum in the middle of the run, then the same load to warm JIT, pools and cache.
    execFileSync(join(POSTGRES_BIN, 'psql'), ['-X', '-q', '-c', 'VACUUM ANALYZE', stack.databaseUrl!], { timeout: 60_000 });
    await fixedRateLoad(stack.baseUrl, new Date(), WARM_UP_S);
    runStart = new Date();
    const started = await startAll(collectors, runStart, (message) => problems.push(message));
    expect(started).toHaveLength(4);
    intervals = await fixedRateLoad(stack.baseUrl, runStart, DURATION_S);
    runEnd = new Date();
    const stopped = await stopAll(started);
    server = stopped.series;
    if (process.env.METRICS_DUMP) writeFileSync(process.env.METRICS_DUMP, JSON.stringify({ intervals, server }));
    problems = [...problems, ...stopped.problems];
  });

  afterAll(async () => {
    if (stack) await downStack(stack, { purge: true });
    if (process.env.KEEP_STATE !== "1") rmSync(stateDir, { recursive: true, force: true });
  });

  it('served the load without errors', () => {
    const total = intervals.reduce((s, i) => s + i.requests, 0);
    // The planned rate slips when the machine is busy (autocannon shares it); half is enough here.
    expect(total).toBeGreaterThan(RATE * DURATION_S * 0.5);
    expect(intervals.reduce((s, i) => s + i.errors, 0)).toBe(0);
    expect(problems).toEqual([]);
  });

  it('has CPU and memory series from /proc for every tier, and app series from Prometheus and the scraper', () => {
    for (const tier of ['lb', 'app', 'redis', 'postgres', 'prometheus']) {
      const cpu = cpuOf(tier, 'proc');
      expect(cpu.length, `proc cpu of ${tier}`).toBeGreaterThan(0);
      // One point a second; a busy machine may delay a few.
      expect(cpu[0]!.points.length).toBeGreaterThan(DURATION_S * 0.7);
      const rss = server.find((s) => s.tier === tier && s.source === 'proc' && s.metric === 'rss_bytes');
      expect(rss?.points.every(([, v]) => v > 1_000_000), `rss of ${tier}`).toBe(true);
    }
    expect(cpuOf('app', 'proc')).toHaveLength(APPS);
    // nginx master + workers, postmaster + backends and helpers: a tree, not one PID.
    const processes = (tier: string) => server.find((s) => s.tier === tier && s.metric === 'processes')?.points.at(-1)?.[1] ?? 0;
    expect(processes('lb')).toBeGreaterThan(1);
    expect(processes('postgres')).toBeGreaterThan(3);

    const steadyFrom = 8;
    const steadyTo = DURATION_S - 4;
    const clientRate = intervals.filter((i) => i.t >= steadyFrom && i.t < steadyTo).reduce((sum, i) => sum + i.requests, 0) / (steadyTo - steadyFrom);
    for (const source of ['prometheus', 'scrape'] as const) {
      const rate = server.filter((s) => s.tier === 'app' && s.source === source && s.metric === 'requests_per_second' && s.instance !== 'all');
      expect(rate.map((s) => s.instance).sort(), `${source} instances`).toEqual(['app1', 'app2']);
      // The apps' own counters, summed over instances, against what the client saw complete.
      const serverRate = rate
        .map((s) => s.points.filter(([t]) => t > steadyFrom && t <= steadyTo).map(([, v]) => v))
        .reduce((sum, values) => sum + values.reduce((a, b) => a + b, 0) / values.length, 0);
      expect(Math.abs(serverRate - clientRate) / clientRate, `${source}: server ${serverRate.toFixed(1)} vs client ${clientRate.toFixed(1)} req/s`).toBeLessThan(0.15);
      for (const metric of ['latency_p95_seconds', 'cache_hits_per_second', 'pg_pool_total', 'event_loop_lag_seconds', 'rss_bytes']) {
        expect(server.some((s) => s.source === source && s.metric === metric), `${source} ${metric}`).toBe(true);
      }
    }
    const redisOps = server.find((s) => s.tier === 'redis' && s.metric === 'redis_ops_per_second');
    const opsInSteady = redisOps?.points.filter(([t]) => t > steadyFrom && t < steadyTo).map(([, v]) => v) ?? [];
    // Half the requests read a product from Redis (and write it back on a miss).
    expect(opsInSteady.reduce((a, b) => a + b, 0) / opsInSteady.length).toBeGreaterThan(clientRate * 0.4);
  });

  it("calibrates every tier over the plan's hold window", () => {
    // As `capacity run` does: the constant-rate plan's hold stage is the steady window. (Finding a
    // steady stretch without a plan is unit-tested; on a shared machine the achieved rate can swing
    // by more than its ±10 % for reasons that have nothing to do with the stack.)
    const plan = { model: 'open' as const, startTarget: RATE, stages: [{ durationS: DURATION_S, target: RATE }] };
    const calibration = calibrate({ intervals, server, plan });
    expect(calibration?.window.toS).toBeGreaterThan((calibration?.window.fromS ?? 0) + 10);
    expect(calibration?.throughputRps).toBeGreaterThan(RATE * 0.5);
    expect(calibration?.throughputRps).toBeLessThan(RATE * 1.1);
    for (const tier of ['lb', 'app', 'redis', 'postgres']) {
      const figures = calibration?.tiers.find((t) => t.tier === tier);
      expect(figures?.cpuSecondsPerRequest.value, tier).toBeGreaterThan(0);
      expect(figures?.cpuSecondsPerRequest.min).toBeLessThanOrEqual(figures!.cpuSecondsPerRequest.value);
      expect(figures?.cpuSecondsPerRequest.max).toBeGreaterThanOrEqual(figures!.cpuSecondsPerRequest.value);
      expect(figures?.memoryBytesPerInstance).toBeGreaterThan(1_000_000);
    }
    expect(calibration?.tiers.find((t) => t.tier === 'app')?.instances).toBe(APPS);
  });

  it("reproduces each tier's measured CPU by U = X·D on blocks the demands were not measured on", () => {
    // Demands from alternate 5-second blocks, checked on the blocks in between: other work on a
    // shared machine changes the CPU cost of a request over tens of seconds, and interleaving
    // keeps that drift out of a comparison of the law itself.
    // The first ten seconds are left out like any transient (new connections, code still
    // warming: a request cost ~1.5x its later CPU there, measured), and an odd number of blocks
    // (12-57 s: 5 even, 4 odd) puts both sets' mean time at the same second, so a slow drift
    // cancels instead of biasing the demands.
    const [train, held] = interleavedBlocks({ fromS: 12, toS: DURATION_S - 3 }, 5);
    const calibration = calibrate({ intervals, server, window: train });
    expect(calibration).toBeDefined();
    const checks = utilizationLawCheck(calibration!, intervals, server, held);
    expect(checks.map((c) => c.tier).sort()).toEqual(['app', 'lb', 'postgres', 'prometheus', 'redis']);
    const report = checks.map((c) => `${c.tier}: D=${(c.demandS * 1e6).toFixed(1)} µs, X=${c.throughputRps.toFixed(0)}/s, predicted ${c.predictedCores.toFixed(4)} vs measured ${c.measuredCores.toFixed(4)} cores (${(c.relativeError * 100).toFixed(1)} %)`);
    console.log(report.join('\n'));
    // Prometheus' own CPU follows its scrape schedule, not the request rate: shown, not held to the law.
    // The figure (printed above; docs/metrics.md quotes measured runs) moves with whatever else
    // the 2 cores do, by 5-20 % between runs here. The test holds the law's behaviour: every tier
    // within 25 %, or within 3 ms of CPU a second for a nearly idle one (PostgreSQL: ~1 % of a
    // core). A wrong unit, a tier's CPU counted twice or attributed to another is far outside it.
    for (const tier of ['lb', 'app', 'redis', 'postgres']) {
      const check = checks.find((c) => c.tier === tier)!;
      const withinLaw = check.relativeError < 0.25 || Math.abs(check.predictedCores - check.measuredCores) < 0.003;
      expect(withinLaw, report.join('\n')).toBe(true);
    }
  });

  it('agrees with Prometheus on app CPU over the same window within 10 %', async () => {
    const client = new PrometheusClient({ baseUrl: stack!.prometheusUrl! });
    const windowS = Math.floor((runEnd.getTime() - runStart.getTime()) / 1000) - 4;
    const answer = await client.query(`process_cpu_seconds_total{job="app"}[${windowS}s]`, new Date(runEnd.getTime() - 2000));
    const increases = counterIncreases(answer);
    expect(increases).toHaveLength(APPS);
    for (const increase of increases) {
      const name = increase.labels.component!;
      const proc = cpuOf('app', 'proc').find((s) => s.instance === name)!;
      const fromS = increase.fromS - runStart.getTime() / 1000;
      const toS = increase.toS - runStart.getTime() / 1000;
      const procSeconds = integrateRate(proc.points, fromS, toS)!;
      const message = `${name}: Prometheus ${increase.increase.toFixed(3)} CPU-s vs /proc ${procSeconds.toFixed(3)} CPU-s over ${fromS.toFixed(1)}–${toS.toFixed(1)} s`;
      console.log(message);
      expect(increase.increase).toBeGreaterThan(0.5);
      expect(Math.abs(increase.increase - procSeconds) / procSeconds, message).toBeLessThan(0.1);
    }
  });
});
