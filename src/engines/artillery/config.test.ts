import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../scenarios/types.js';
import { CLOSED_REQUESTS_PER_VU, artilleryEnsure, artilleryPhases, artilleryScript } from './config.js';

const plan: Plan = {
  scenario: 's',
  model: 'open',
  baseUrl: 'http://127.0.0.1:8080/',
  startTarget: 0,
  stages: [
    { name: 'ramp', durationS: 10, target: 100 },
    { durationS: 30, target: 100 },
    { durationS: 5, target: 0 },
  ],
  thinkTimeS: 1,
  maxUsers: 100,
  requestTimeoutS: 10,
  intervalS: 1,
  requests: [
    { name: 'get-product', method: 'GET', path: '/products/{productId}', weight: 3, auth: false },
    { name: 'create-order', method: 'POST', path: '/orders', weight: 1, auth: true, body: { productId: '{productId}', quantity: 1 } },
    { name: 'off', method: 'GET', path: '/x', weight: 0, auth: false },
  ],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [
    { name: 'p95', metric: 'p95', threshold: 200 },
    { name: 'orders p99', metric: 'p99', threshold: 500, endpoint: 'create-order' },
    { name: 'errors', metric: 'errorRate', threshold: 0.001 },
    { name: 'rps', metric: 'minRps', threshold: 50 },
  ],
  totalDurationS: 45,
  peakTarget: 100,
};

describe('Artillery script generation', () => {
  it('maps stages to phases with arrivalRate and rampTo', () => {
    expect(artilleryPhases(plan)).toEqual([
      { name: 'ramp', duration: 10, arrivalRate: 0, rampTo: 100 },
      { duration: 30, arrivalRate: 100 },
      { duration: 5, arrivalRate: 100, rampTo: 0 },
    ]);
    expect(artilleryPhases({ ...plan, stages: [{ durationS: 5, target: 0 }] })).toEqual([{ pause: 5 }]);
  });

  it('turns SLOs into ensure checks (error rate in percent)', () => {
    expect(artilleryEnsure(plan)).toEqual({
      thresholds: [{ 'http.response_time.p95': 200 }, { 'plugins.metrics-by-endpoint.response_time.create-order.p99': 500 }],
      maxErrorRate: 0.1,
    });
  });

  it('writes weighted scenarios with named requests and the processor hooks', () => {
    const script = parse(artilleryScript(plan, './p.cjs')) as {
      config: Record<string, unknown>;
      scenarios: { name: string; weight: number; flow: Record<string, Record<string, unknown>>[] }[];
    };
    expect(script.config['target']).toBe('http://127.0.0.1:8080');
    expect(script.config['processor']).toBe('./p.cjs');
    expect(script.scenarios.map((scenario) => [scenario.name, scenario.weight])).toEqual([
      ['get-product', 3],
      ['create-order', 1],
    ]);
    expect(script.scenarios[1]?.flow[0]).toEqual({
      post: { url: '/orders', name: 'create-order', beforeRequest: 'capacityFillAuth', json: { productId: '{productId}', quantity: 1 } },
    });
  });

  it('approximates the closed model with looping users arriving at users / lifetime', () => {
    const closed: Plan = { ...plan, model: 'closed', thinkTimeS: 2, startTarget: 100, stages: [{ durationS: 60, target: 100 }] };
    expect(artilleryPhases(closed)).toEqual([{ duration: 60, arrivalRate: 100 / (2 * CLOSED_REQUESTS_PER_VU) }]);
    const script = parse(artilleryScript(closed, './p.cjs')) as { scenarios: { flow: { loop: unknown[]; count: number }[] }[] };
    expect(script.scenarios[0]?.flow[0]?.count).toBe(CLOSED_REQUESTS_PER_VU);
    expect(script.scenarios[0]?.flow[0]?.loop[1]).toEqual({ think: 2 });
  });
});
