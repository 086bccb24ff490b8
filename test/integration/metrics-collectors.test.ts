/**
 * Each collector against the real thing on loopback: a real Prometheus scraping a small
 * exposition server whose counters follow the clock, the direct scraper on the same server,
 * Redis INFO on a real redis-server, and the /proc sampler on processes this test starts.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapacityError } from '../../src/core/errors.js';
import { ExpositionScraper } from '../../src/metrics/exposition/scraper.js';
import { PrometheusClient } from '../../src/metrics/prometheus/client.js';
import { PrometheusCollector } from '../../src/metrics/prometheus/collector.js';
import { counterIncreases, ownerLookup } from '../../src/metrics/prometheus/queries.js';
import { ProcSampler } from '../../src/metrics/proc/sampler.js';
import { RedisInfoCollector } from '../../src/metrics/redis/collector.js';
import { parseRedisUrl } from '../../src/metrics/redis/info.js';
import { freePort, startRedis, stopChild, type RunningService } from './support/services.js';

const REQUESTS_PER_S = 50;
const CPU_CORES = 0.2;

/** An app whose /metrics counters grow with the clock: 50 req/s (10 % 500s), 0.2 cores, 10–25 ms latency. */
function startFakeApp(withGarbage = false): Promise<{ server: Server; url: string }> {
  const born = Date.now();
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const elapsed = (Date.now() - born) / 1000;
    const requests = REQUESTS_PER_S * elapsed;
    const body = [
      '# TYPE http_requests_total counter',
      `http_requests_total{route="/p",method="GET",status_code="200"} ${(requests * 0.9).toFixed(3)}`,
      `http_requests_total{route="/p",method="GET",status_code="500"} ${(requests * 0.1).toFixed(3)}`,
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{route="/p",le="0.01"} 0',
      `http_request_duration_seconds_bucket{route="/p",le="0.025"} ${requests.toFixed(3)}`,
      `http_request_duration_seconds_bucket{route="/p",le="+Inf"} ${requests.toFixed(3)}`,
      `http_request_duration_seconds_count{route="/p"} ${requests.toFixed(3)}`,
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${(CPU_CORES * elapsed).toFixed(4)}`,
      'process_resident_memory_bytes 52428800',
      'nodejs_eventloop_lag_seconds 0.002',
      'pg_pool_total 10',
      `cache_hits_total ${(requests * 0.8).toFixed(3)}`,
      `cache_misses_total ${(requests * 0.2).toFixed(3)}`,
      // Prometheus refuses a whole page for one bad line; our scraper keeps the rest.
      ...(withGarbage ? ['this line is { not valid'] : []),
      '',
    ].join('\n');
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    resolve({ server, url: `http://127.0.0.1:${port}/metrics` });
  }));
}

function waitForExit(child: ChildProcess): Promise<void> {
  // A child killed by a signal has no exit code, only a signal code.
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Total from a rate series: each rate times the time since the reading before it (`readings` holds every reading time). */
function totalFromRates(rates: Array<[number, number]>, readings: number[]): number {
  return rates.reduce((sum, [t, rate]) => {
    const previous = Math.max(...readings.filter((time) => time < t));
    return Number.isFinite(previous) ? sum + rate * (t - previous) : sum;
  }, 0);
}

describe('Prometheus client and collector against a real Prometheus', () => {
  let app: { server: Server; url: string };
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;

  beforeAll(async () => {
    app = await startFakeApp();
    dir = mkdtempSync(join(tmpdir(), 'capacity-prom-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const target = new URL(app.url).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: app\n    static_configs: [{ targets: ['${target}'], labels: { component: app1 } }]\n`,
    );
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const client = new PrometheusClient({ baseUrl: prometheusUrl, timeoutMs: 1000 });
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        if ((await client.query('up{job="app"} == 1')).length === 1) break;
      } catch {
        // not up yet
      }
      await sleep(200);
    }
  });

  afterAll(async () => {
    if (prometheus?.pid) {
      process.kill(prometheus.pid, 'SIGTERM');
      await waitForExit(prometheus);
    }
    app?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects the app series over a run and maps them to the component', async () => {
    const collector = new PrometheusCollector({
      client: new PrometheusClient({ baseUrl: prometheusUrl }),
      owner: ownerLookup([{ name: 'app1', tier: 'app', metricsUrl: app.url }]),
    });
    const runStart = new Date();
    collector.start(runStart);
    await sleep(8000);
    const series = await collector.stop();
    const byMetric = new Map(series.filter((s) => s.instance === 'app1').map((s) => [s.metric, s]));
    expect(byMetric.get('requests_per_second')?.tier).toBe('app');
    const late = (metric: string) => byMetric.get(metric)!.points.filter(([t]) => t > 5).map(([, v]) => v);
    for (const rate of late('requests_per_second')) expect(rate).toBeCloseTo(REQUESTS_PER_S, 0);
    for (const rate of late('errors_per_second')) expect(rate).toBeCloseTo(REQUESTS_PER_S * 0.1, 0);
    for (const rate of late('responses_per_second_status_200')) expect(rate).toBeCloseTo(REQUESTS_PER_S * 0.9, 0);
    for (const cores of late('cpu_seconds_per_second')) expect(cores).toBeCloseTo(CPU_CORES, 2);
    for (const ratio of late('cache_hit_ratio')) expect(ratio).toBeCloseTo(0.8, 2);
    // Every observation lies in (0.01, 0.025]: the quantiles interpolate inside that bucket.
    for (const p95 of late('latency_p95_seconds')) expect(p95).toBeCloseTo(0.01 + 0.015 * 0.95, 4);
    expect(late('rss_bytes')[0]).toBe(52428800);
    expect(series.some((s) => s.instance === 'all' && s.metric === 'latency_p99_seconds')).toBe(true);
    expect(series.every((s) => s.source === 'prometheus' && s.points.every(([t]) => t >= 0))).toBe(true);
  });

  it('bounds the points of a range query by widening the step', async () => {
    const client = new PrometheusClient({ baseUrl: prometheusUrl, maxPoints: 5 });
    const end = new Date();
    const answer = await client.queryRange({ query: 'up', start: new Date(end.getTime() - 6000), end, stepS: 0.1 });
    expect(answer[0]!.values.length).toBeLessThanOrEqual(5);
    expect(answer[0]!.values.length).toBeGreaterThanOrEqual(2);
  });

  it('reads raw counter samples for an exact increase', async () => {
    const client = new PrometheusClient({ baseUrl: prometheusUrl });
    const [increase] = counterIncreases(await client.query('process_cpu_seconds_total[5s]'));
    expect(increase!.increase / (increase!.toS - increase!.fromS)).toBeCloseTo(CPU_CORES, 2);
  });

  it("turns Prometheus' own error answer into exit 2 with its message", async () => {
    const client = new PrometheusClient({ baseUrl: prometheusUrl });
    const error = await client.query('rate(up[') .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(2);
    expect((error as CapacityError).message).toMatch(/refused \/api\/v1\/query: bad_data/);
    expect((error as CapacityError).details).toEqual(['query: rate(up[']);
  });
});

describe('Prometheus client failures', () => {
  let silent: TcpServer;
  let broken: Server;
  let silentUrl: string;
  let brokenUrl: string;

  beforeAll(async () => {
    // Accepts connections and never answers: a hung server.
    silent = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentAddress = silent.address();
    silentUrl = `http://127.0.0.1:${typeof silentAddress === 'object' && silentAddress ? silentAddress.port : 0}`;
    // An overloaded proxy in front of Prometheus: 503 and an HTML page.
    broken = createServer((_, response) => response.writeHead(503, { 'content-type': 'text/html' }).end('<html>busy</html>'));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const brokenAddress = broken.address();
    brokenUrl = `http://127.0.0.1:${typeof brokenAddress === 'object' && brokenAddress ? brokenAddress.port : 0}`;
  });

  afterAll(() => {
    silent?.close();
    broken?.close();
  });

  it('times out on a hung server with exit 4', async () => {
    const error = await new PrometheusClient({ baseUrl: silentUrl, timeoutMs: 300 }).query('up').catch((e: unknown) => e);
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).message).toMatch(/no answer within 300 ms/);
  });

  it('reports an HTTP error without JSON with its status, exit 4', async () => {
    const error = await new PrometheusClient({ baseUrl: brokenUrl }).query('up').catch((e: unknown) => e);
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).message).toMatch(/HTTP 503/);
  });

  it('reports a closed port as unreachable, exit 4', async () => {
    const port = await freePort();
    const error = await new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}` }).query('up').catch((e: unknown) => e);
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).message).toMatch(/ECONNREFUSED/);
  });
});

describe('exposition scraper', () => {
  it('derives the same figures from /metrics directly, and reports unreadable lines', async () => {
    const app = await startFakeApp(true);
    const problems: string[] = [];
    const deadUrl = `http://127.0.0.1:${await freePort()}/metrics`;
    const scraper = new ExpositionScraper({
      targets: [{ url: app.url, tier: 'app', instance: 'app1' }, { url: deadUrl, tier: 'app', instance: 'dead' }],
      intervalMs: 500,
      onProblem: (problem) => problems.push(problem.message),
    });
    await scraper.start(new Date());
    await sleep(3000);
    const series = await scraper.stop();
    app.server.close();
    const rate = series.find((s) => s.metric === 'requests_per_second')!;
    expect(rate.instance).toBe('app1');
    expect(rate.source).toBe('scrape');
    expect(rate.points.length).toBeGreaterThanOrEqual(4);
    for (const [, value] of rate.points) expect(value).toBeCloseTo(REQUESTS_PER_S, -1);
    for (const [, value] of series.find((s) => s.metric === 'cpu_seconds_per_second')!.points) expect(value).toBeCloseTo(CPU_CORES, 1);
    expect(series.some((s) => s.instance === 'dead')).toBe(false);
    expect(problems.some((p) => /1 unreadable line\(s\), first at line 16/.test(p))).toBe(true);
    expect(problems.some((p) => p.includes('fetch failed') || p.includes('ECONNREFUSED'))).toBe(true);
  });
});

describe('Redis INFO collector', () => {
  let redis: RunningService;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('reads ops per second, memory and keyspace hits from a real redis-server', async () => {
    const collector = new RedisInfoCollector({ address: parseRedisUrl(redis.url), intervalMs: 500 });
    await collector.start(new Date());
    // 200 commands: 100 SET, 50 GET hits, 50 GET misses.
    const commands = Array.from({ length: 100 }, (_, i) => `SET k${i} v`).concat(Array.from({ length: 50 }, (_, i) => `GET k${i}`), Array.from({ length: 50 }, (_, i) => `GET missing${i}`));
    execFileSync('redis-cli', ['-p', String(redis.port)], { input: commands.join('\n') });
    await sleep(1200);
    const series = await collector.stop();
    const readings = series.find((s) => s.metric === 'redis_used_memory_bytes')!.points.map(([t]) => t);
    const total = (metric: string) => totalFromRates(series.find((s) => s.metric === metric)!.points, readings);
    expect(total('redis_ops_per_second')).toBeCloseTo(200, -1);
    expect(total('redis_keyspace_hits_per_second')).toBeCloseTo(50, 0);
    expect(total('redis_keyspace_misses_per_second')).toBeCloseTo(50, 0);
    expect(series.find((s) => s.metric === 'redis_used_memory_bytes')!.points.every(([, v]) => v > 100_000)).toBe(true);
  });
});

describe('/proc sampler', () => {
  it('follows a process tree and measures its CPU as the process itself does', async () => {
    // A parent with two idle children, and a child that spins for 2.5 s then prints its own CPU time.
    const tree = spawn('sh', ['-c', 'sleep 20 & sleep 20 & wait'], { stdio: 'ignore' });
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 2500; while (Date.now() < end); const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6);'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    busy.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const sampler = new ProcSampler({
      targets: [
        { name: 'tree', tier: 'app', pid: tree.pid! },
        { name: 'busy', tier: 'app', pid: busy.pid! },
      ],
      intervalMs: 250,
    });
    const start = new Date();
    await sampler.start(start);
    await sleep(500);
    const children = await sampler.processTree(tree.pid!);
    expect(children).toHaveLength(3);
    await new Promise<void>((resolve) => busy.stdout!.once('end', () => resolve()));
    const series = await sampler.stop();
    // The sleeps first (they are ours, found by PID), then their shell.
    for (const pid of children.filter((pid) => pid !== tree.pid)) process.kill(pid, 'SIGTERM');
    process.kill(tree.pid!, 'SIGTERM');
    await waitForExit(tree);
    await waitForExit(busy);
    const processes = series.find((s) => s.instance === 'tree' && s.metric === 'processes')!;
    expect(processes.points[0]![1]).toBe(3);
    // The busy child's own figure covers its whole life; the sampler saw it from its first sample.
    const selfReported = Number(output.trim());
    const cpu = series.find((s) => s.instance === 'busy' && s.metric === 'cpu_seconds_per_second')!;
    const readings = series.find((s) => s.instance === 'busy' && s.metric === 'rss_bytes')!.points.map(([t]) => t);
    const measured = totalFromRates(cpu.points, readings);
    expect(selfReported).toBeGreaterThan(0.5);
    expect(measured).toBeLessThanOrEqual(selfReported + 0.05);
    expect(measured).toBeGreaterThan(selfReported * 0.7);
    const rss = series.find((s) => s.instance === 'busy' && s.metric === 'rss_bytes')!;
    // The first sample may catch the child before Node has mapped its heap.
    expect(Math.max(...rss.points.map(([, bytes]) => bytes))).toBeGreaterThan(10_000_000);
  });

  it('counts wake-ups: a timer every 10 ms wakes its process about 100 times a second, sleeping processes hardly ever', async () => {
    const ticking = spawn(process.execPath, ['-e', 'let n = 0; const timer = setInterval(() => { if (++n >= 1000) clearInterval(timer); }, 10);'], { stdio: 'ignore' });
    const sleeping = spawn('sleep', ['20'], { stdio: 'ignore' });
    const sampler = new ProcSampler({
      targets: [
        { name: 'ticking', tier: 'app', pid: ticking.pid! },
        { name: 'sleeping', tier: 'redis', pid: sleeping.pid! },
      ],
      intervalMs: 250,
    });
    await sampler.start(new Date());
    await sleep(1500);
    const series = await sampler.stop();
    await stopChild(ticking, 'SIGTERM');
    await stopChild(sleeping, 'SIGTERM');
    const mean = (instance: string) => {
      const points = series.find((s) => s.instance === instance && s.metric === 'wakeups_per_second')!.points;
      return points.reduce((sum, [, v]) => sum + v, 0) / points.length;
    };
    expect(mean('ticking')).toBeGreaterThan(60);
    expect(mean('ticking')).toBeLessThan(2000);
    expect(mean('sleeping')).toBeLessThan(5);
  });
});
