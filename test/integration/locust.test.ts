import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunResult } from '../../src/results/schema.js';
import type { Plan } from '../../src/scenarios/types.js';
import { getEngine } from '../../src/engines/index.js';
import type { EngineTick } from '../../src/engines/types.js';
import { startApiTarget, type ApiTarget } from './support/api-target.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Locust on one machine: `capacity`'s master and two local workers against a counting stand-in
 * on loopback. Every request the stand-in served is in the merged result (the sign-in as setup),
 * in both models, and the result fits the RunResult schema with one generator block per worker.
 */
function plan(baseUrl: string, model: 'open' | 'closed'): Plan {
  const open = model === 'open';
  return {
    scenario: 'locust-test',
    model,
    baseUrl,
    startTarget: open ? 20 : 4,
    stages: [{ name: 'ramp', durationS: 3, target: open ? 60 : 8 }, { name: 'steady', durationS: 3, target: open ? 60 : 8 }],
    thinkTimeS: open ? 0 : 0.1,
    maxUsers: open ? 20 : 8,
    requestTimeoutS: 5,
    intervalS: 1,
    variables: [
      { name: 'productId', kind: 'range', low: 1, high: 100, order: 'random' },
      { name: 'query', kind: 'list', values: ['lamp', 'desk chair'] },
      { name: 'loginUser', kind: 'range', low: 1, high: 100, order: 'sequential' },
    ],
    auth: {
      per: 'pool',
      poolSize: 5,
      login: { name: 'login', method: 'POST', path: '/auth/login', weight: 1, body: { json: { email: 'user{{loginUser}}@capacity.test', password: 'capacity' } }, captures: [{ variable: 'token', json: 'accessToken' }] },
    },
    requests: [
      { name: 'get-product', method: 'GET', path: '/products/{{productId}}', weight: 5 },
      { name: 'search-products', method: 'GET', path: '/products/search', query: { q: '{{query}}' }, weight: 1 },
      { name: 'me', method: 'GET', path: '/me', headers: { authorization: 'Bearer {{token}}' }, weight: 2 },
      { name: 'order', method: 'POST', path: '/orders', headers: { authorization: 'Bearer {{token}}' }, weight: 1, body: { json: { items: [{ productId: '{{productId}}', quantity: 1 }] } }, expectStatus: [201] },
    ],
    planVersion: 2,
    slos: [],
    totalDurationS: 6,
    peakTarget: open ? 60 : 8,
  };
}

describe('Locust engine: master and two local workers, merged exactly', () => {
  let target: ApiTarget;
  let outRoot: string;
  beforeAll(async () => {
    target = await startApiTarget();
    outRoot = await mkdtemp(path.join(tmpdir(), 'capacity-locust-'));
  });
  afterAll(async () => {
    await target?.close();
    if (outRoot) await rm(outRoot, { recursive: true, force: true });
  });

  for (const model of ['open', 'closed'] as const) {
    it(`${model} model: the merged count is what the target served, per endpoint too`, async () => {
      const engine = getEngine('locust');
      const found = await engine.detect({ env: process.env, projectRoot: PROJECT_ROOT });
      expect(found.available, found.hint).toBe(true);
      target.reset();
      const testPlan = plan(target.url, model);
      const outDir = await mkdtemp(path.join(outRoot, `${model}-`));
      const ticks: EngineTick[] = [];
      const output = await engine.run({
        plan: testPlan,
        outDir,
        signal: new AbortController().signal,
        onTick: (tick) => ticks.push(tick),
        env: process.env,
        projectRoot: PROJECT_ROOT,
        distributed: { workers: 2 },
      });
      console.log(model, JSON.stringify({ served: Object.fromEntries(target.counts), totals: output.totals, workers: output.generator.workers, notes: output.engine.notes }));
      expect(target.unauthorized).toBe(0);
      expect(output.totals.requests).toBe(target.mixCount());
      expect(output.setup?.requests ?? 0).toBe(target.logins());
      expect(output.totals.errors).toBe(0);
      expect(output.endpoints.find((endpoint) => endpoint.name === 'order')?.requests).toBe(target.counts.get('POST /orders') ?? 0);
      expect(output.endpoints.find((endpoint) => endpoint.name === 'me')?.requests).toBe(target.counts.get('GET /me') ?? 0);
      expect(output.intervals.reduce((sum, interval) => sum + interval.requests, 0)).toBe(output.totals.requests);
      if (model === 'open') {
        // The plan's own count: 3 s ramping 20 → 60 req/s, then 3 s at 60 = 300 requests.
        expect(output.totals.requests).toBeGreaterThan(0.9 * 300);
        expect(output.totals.requests).toBeLessThanOrEqual(300);
      }
      const workers = output.generator.workers ?? [];
      expect(workers).toHaveLength(2);
      expect(workers.reduce((sum, worker) => sum + worker.requests, 0)).toBe(output.totals.requests);
      for (const worker of workers) expect(worker.requests).toBeGreaterThan(0);
      expect(ticks.reduce((sum, tick) => sum + tick.requests, 0)).toBeGreaterThan(0);
      const parsed = RunResult.safeParse({
        schemaVersion: 1, id: 'test', createdAt: new Date().toISOString(), status: 'complete',
        scenario: { name: testPlan.scenario, source: 'test', definition: {} }, plan: testPlan, engine: output.engine,
        target: { kind: 'url', baseUrl: testPlan.baseUrl },
        machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'x', memoryBytes: 1, node: process.version },
        window: { startedAt: output.startedAt.toISOString(), endedAt: output.endedAt.toISOString(), durationS: 1 },
        totals: output.totals, intervals: output.intervals, endpoints: output.endpoints, generator: output.generator, verdict: 'pass', rawFiles: output.rawFiles,
      });
      expect(parsed.error?.issues ?? []).toEqual([]);
      for (const file of output.rawFiles) await expect(readFile(path.join(outDir, file))).resolves.toBeInstanceOf(Buffer);
    }, 180_000);
  }
});
