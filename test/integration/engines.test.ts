import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunResult } from '../../src/results/schema.js';
import type { Plan } from '../../src/scenarios/types.js';
import { getEngine } from '../../src/engines/index.js';
import type { EngineRunOutput, EngineTick } from '../../src/engines/types.js';
import { startTestStack, stopTestStack, type TestStack } from './support/stack.js';
import { k6SkipReason, k6Title } from './support/k6.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Each engine runs for real against the local stack through its load balancer; the request count
 * the engine reports must match the app servers' own counters (http_requests_total, summed over
 * the apps' /metrics before and after) within 1 %.
 */

interface Target {
  baseUrl: string;
  metricsUrls: string[];
}

/** Sum of http_requests_total over every app's /metrics, without the routes no engine calls
 * (Prometheus scraping /metrics, health checks). */
async function requestCounter(urls: readonly string[]): Promise<number> {
  let sum = 0;
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      const match = /^http_requests_total(\{[^}]*\})?\s+([0-9.e+]+)/.exec(line);
      const labels = match?.[1] ?? '';
      if (match && !/route="\/(metrics|healthz|readyz)"/.test(labels)) sum += Number(match[2]);
    }
  }
  return sum;
}

function constantPlan(baseUrl: string, rate: number, durationS: number): Plan {
  return {
    scenario: 'engines-test',
    model: 'open',
    baseUrl,
    startTarget: rate,
    stages: [{ name: 'steady', durationS, target: rate }],
    thinkTimeS: 0,
    maxUsers: 100,
    requestTimeoutS: 10,
    intervalS: 1,
    requests: [
      { name: 'get-product', method: 'GET', path: '/products/{{productId}}', weight: 5 },
      { name: 'list-products', method: 'GET', path: '/products?page={{page}}&limit=20', weight: 2 },
      { name: 'search-products', method: 'GET', path: '/products/search?q={{query}}', weight: 1 },
      { name: 'me', method: 'GET', path: '/me', weight: 2, headers: { authorization: 'Bearer {{token}}' } },
    ],
    variables: [
      { name: 'productId', kind: 'range', low: 1, high: 100, order: 'random' },
      { name: 'page', kind: 'range', low: 1, high: 5, order: 'random' },
      { name: 'query', kind: 'list', values: ['lamp', 'desk chair'] },
      { name: 'loginUser', kind: 'range', low: 1, high: 1000, order: 'sequential' },
    ],
    auth: {
      per: 'pool',
      poolSize: 50,
      login: { name: 'login', method: 'POST', path: '/auth/login', weight: 1, body: { json: { email: 'user{{loginUser}}@capacity.test', password: 'capacity' } }, captures: [{ variable: 'token', json: 'accessToken' }] },
    },
    slos: [{ name: 'p95', metric: 'p95', threshold: 500 }],
    totalDurationS: durationS,
    peakTarget: rate,
  };
}

function checkWellFormed(output: EngineRunOutput, plan: Plan): void {
  const now = new Date().toISOString();
  // The adapter's output must fit the RunResult schema once `capacity run` wraps it.
  const parsed = RunResult.safeParse({
    schemaVersion: 1,
    id: 'test',
    createdAt: now,
    status: 'complete',
    scenario: { name: plan.scenario, source: 'test', definition: {} },
    plan,
    engine: output.engine,
    target: { kind: 'url', baseUrl: plan.baseUrl },
    machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'x', memoryBytes: 1, node: process.version },
    window: { startedAt: output.startedAt.toISOString(), endedAt: output.endedAt.toISOString(), durationS: 1 },
    totals: output.totals,
    intervals: output.intervals,
    endpoints: output.endpoints,
    generator: output.generator,
    verdict: 'pass',
    rawFiles: output.rawFiles,
  });
  expect(parsed.error?.issues ?? []).toEqual([]);
  expect(output.interrupted).toBe(false);
  expect(output.totals.errors).toBe(0);
  expect(output.totals.latencyMs?.p95).toBeGreaterThan(0);
  // The series covers the run: every request of the run proper is in exactly one interval.
  const inIntervals = output.intervals.reduce((sum, interval) => sum + interval.requests, 0);
  expect(inIntervals).toBe(output.totals.requests);
  expect(output.intervals.length).toBeGreaterThanOrEqual(output.engine.name === 'artillery' ? 1 : plan.totalDurationS - 1);
  for (const interval of output.intervals) expect(interval.durationS).toBeGreaterThan(0);
  const names = output.endpoints.filter((endpoint) => endpoint.requests > 0).map((endpoint) => endpoint.name).sort();
  // The sign-in is the result's setup, not an endpoint of the measured load.
  expect(names).toEqual(['get-product', 'list-products', 'me', 'search-products']);
  expect(output.generator.cpuPercentMax).toBeGreaterThan(0);
  expect(output.generator.rssBytesMax).toBeGreaterThan(0);
}

describe('engines against the local stack (nginx, 3 app servers, Redis, PostgreSQL)', () => {
  let stack: TestStack | undefined;
  let target: Target;
  let outRoot: string;
  beforeAll(async () => {
    stack = await startTestStack();
    const apps = stack.state.components.filter((component) => component.tier === 'app');
    target = { baseUrl: stack.state.baseUrl, metricsUrls: apps.map((app) => app.metricsUrl ?? `${app.url ?? ''}/metrics`) };
    outRoot = await mkdtemp(path.join(tmpdir(), 'capacity-engines-'));
  });
  afterAll(async () => {
    await stopTestStack(stack);
    // KEEP_ENGINE_OUTPUT=1 keeps the raw files for a look (they are small).
    if (outRoot && !process.env['KEEP_ENGINE_OUTPUT']) await rm(outRoot, { recursive: true, force: true });
  });

  for (const name of ['autocannon', 'k6', 'artillery'] as const) {
    const title = `${name}: counts every request the server saw, with well-formed figures`;
    it.skipIf(name === 'k6' && k6SkipReason !== undefined)(name === 'k6' ? k6Title(title) : title, async () => {
      const engine = getEngine(name);
      const availability = await engine.detect({ env: process.env, projectRoot: PROJECT_ROOT });
      expect(availability.available, availability.hint).toBe(true);
      const plan = constantPlan(target.baseUrl, 250, 8);
      const outDir = path.join(outRoot, name);
      await mkdir(outDir, { recursive: true });
      const ticks: EngineTick[] = [];
      const before = await requestCounter(target.metricsUrls);
      // k6 also writes its series into the stack's Prometheus (remote write, native histograms).
      const remoteWrite = name === 'k6' && stack?.state.prometheusUrl ? { prometheusRemoteWriteUrl: `${stack.state.prometheusUrl}/api/v1/write` } : {};
      const output = await engine.run({ plan, outDir, signal: new AbortController().signal, onTick: (tick) => ticks.push(tick), env: process.env, projectRoot: PROJECT_ROOT, ...remoteWrite });
      const after = await requestCounter(target.metricsUrls);
      const served = after - before;
      console.log(name, JSON.stringify({ served, totals: output.totals, generator: output.generator, notes: output.engine.notes }));
      // The servers also answered the sign-in, which is reported apart from the measured load.
      expect(Math.abs(output.totals.requests + (output.setup?.requests ?? 0) - served) / served).toBeLessThanOrEqual(0.01);
      checkWellFormed(output, plan);
      expect(ticks.length).toBeGreaterThan(0);
      expect(ticks.reduce((sum, tick) => sum + tick.requests, 0)).toBeGreaterThan(0);
      for (const file of output.rawFiles) await expect(readFile(path.join(outDir, file))).resolves.toBeInstanceOf(Buffer);
      if (name === 'k6' && stack?.state.prometheusUrl) {
        const query = `${stack.state.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(k6_http_reqs_total)')}`;
        const answer = (await (await fetch(query)).json()) as { data: { result: { value: [number, string] }[] } };
        expect(Number(answer.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
      }
    });
  }

  it.skipIf(k6SkipReason !== undefined)(k6Title('k6, closed model: users with think time, counts match the servers'), async () => {
    const plan: Plan = {
      ...constantPlan(target.baseUrl, 10, 6),
      model: 'closed',
      startTarget: 10,
      stages: [{ durationS: 6, target: 10 }],
      thinkTimeS: 0.1,
      maxUsers: 10,
    };
    const outDir = path.join(outRoot, 'k6-closed');
    await mkdir(outDir, { recursive: true });
    const before = await requestCounter(target.metricsUrls);
    const output = await getEngine('k6').run({ plan, outDir, signal: new AbortController().signal, env: process.env, projectRoot: PROJECT_ROOT });
    const served = (await requestCounter(target.metricsUrls)) - before;
    expect(Math.abs(output.totals.requests + (output.setup?.requests ?? 0) - served) / served).toBeLessThanOrEqual(0.01);
    expect(output.totals.maxActiveUsers).toBe(10);
    // Ten users each pausing 0.1 s between requests: at most 100 req/s.
    expect(output.totals.achievedRps).toBeLessThanOrEqual(100);
    expect(output.endpoints.find((endpoint) => endpoint.name === 'login')?.requests ?? 0).toBe(0);
    expect(output.setup?.requests).toBe(10);
  });

  it('autocannon stops when the run is aborted and says the result is interrupted', async () => {
    const plan = constantPlan(target.baseUrl, 100, 30);
    const outDir = path.join(outRoot, 'autocannon-abort');
    await mkdir(outDir, { recursive: true });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 3000);
    const output = await getEngine('autocannon').run({ plan, outDir, signal: controller.signal, projectRoot: PROJECT_ROOT });
    expect(output.interrupted).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(output.totals.requests).toBeGreaterThan(0);
    expect(output.intervals.reduce((sum, interval) => sum + interval.requests, 0)).toBeLessThan(100 * 30);
  });
});
