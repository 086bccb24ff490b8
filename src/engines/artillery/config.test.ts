import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artilleryArrivals, artilleryProblem } from '../../../test/support/engine-validation.js';
import { loadScenario } from '../../scenarios/load.js';
import { buildPlan } from '../../scenarios/plan.js';
import type { Plan } from '../../scenarios/types.js';
import { plannedLoad } from '../mix.js';
import { CLOSED_REQUESTS_PER_VU, artilleryEnsure, artilleryScriptText, impliedArtilleryLoad, translateArtillery } from './config.js';
import { phaseLoad, rampPeriods } from './phases.js';

const phasesOf = (plan: Plan) => translateArtillery(plan).config.script.config.phases;

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
    { name: 'get-product', method: 'GET', path: '/products/{{productId}}', weight: 3 },
    { name: 'create-order', method: 'POST', path: '/orders', weight: 1, headers: { authorization: 'Bearer {{token}}' }, body: { json: { productId: '{{productId}}', quantity: 1 } } },
    { name: 'off', method: 'GET', path: '/x', weight: 0 },
  ],
  variables: [{ name: 'productId', kind: 'range', low: 1, high: 10, order: 'random' }],
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
    expect(phasesOf(plan)).toEqual([
      { name: 'ramp', duration: 10, arrivalRate: 0, rampTo: 100 },
      { duration: 30, arrivalRate: 100 },
      { duration: 5, arrivalRate: 100, rampTo: 0 },
    ]);
    expect(translateArtillery(plan).adaptations).toEqual([]);
    expect(phasesOf({ ...plan, stages: [{ durationS: 5, target: 0 }] })).toEqual([{ pause: 5 }]);
  });

  it('turns SLOs into ensure checks (error rate in percent)', () => {
    expect(artilleryEnsure(plan)).toEqual({
      thresholds: [{ 'http.response_time.p95': 200 }, { 'plugins.metrics-by-endpoint.response_time.create-order.p99': 500 }],
      maxErrorRate: 0.1,
    });
  });

  it('writes weighted scenarios with named requests and the processor hooks', () => {
    const script = parse(artilleryScriptText(translateArtillery(plan).config)) as {
      config: Record<string, unknown>;
      scenarios: { name: string; weight: number; flow: Record<string, Record<string, unknown>>[] }[];
    };
    expect(script.config['target']).toBe('http://127.0.0.1:8080');
    expect(script.config['processor']).toBe('./artillery-processor.cjs');
    expect(script.scenarios.map((scenario) => [scenario.name, scenario.weight])).toEqual([
      ['get-product', 3],
      ['create-order', 1],
    ]);
    // The processor's runtime builds the request (variables, headers, body) and judges the response.
    expect(script.scenarios[1]?.flow[0]).toEqual({
      post: { url: '/orders', name: 'create-order', beforeRequest: 'capacityBefore', afterResponse: 'capacityAfter' },
    });
  });

  it('runs a flow as one pass per virtual user (open), its per-user sign-in first and again once after a 401', () => {
    const login = { name: 'login', method: 'POST' as const, path: '/login', weight: 1, captures: [{ variable: 'token', json: 'token' }] };
    const flow: Plan = {
      ...plan,
      flow: true,
      requests: [
        { name: 'create', method: 'POST', path: '/orders', weight: 1, captures: [{ variable: 'id', json: 'id' }] },
        { name: 'read', method: 'GET', path: '/orders/{{id}}', weight: 1 },
      ],
      auth: { per: 'user', poolSize: 1, login },
    };
    const translated = translateArtillery(flow);
    expect(translated.config.requestsPerArrival).toBe(3);
    const script = parse(artilleryScriptText(translated.config)) as { scenarios: { flow: Record<string, Record<string, unknown>>[] }[] };
    expect(script.scenarios).toHaveLength(1);
    expect(script.scenarios[0]?.flow.map((step) => Object.values(step)[0]?.['name'])).toEqual(['login', 'login', 'create', 'login', 'read']);
    expect(script.scenarios[0]?.flow[1]?.['post']?.['ifTrue']).toBe('capacitySignInAgain');
    // Arrivals carry the planned req/s: three requests each.
    expect(impliedArtilleryLoad(translated.config).requests).toBeCloseTo(plannedLoad(flow).requests as number, 0);
    // A mix whose users would each sign in before every request is refused, naming the feature.
    expect(() => translateArtillery({ ...flow, flow: false })).toThrow(/artillery cannot run this plan: sign-in per virtual user/);
  });

  it('approximates the closed model with looping users arriving at users / lifetime', () => {
    const closed: Plan = { ...plan, model: 'closed', thinkTimeS: 2, startTarget: 100, stages: [{ durationS: 60, target: 100 }] };
    expect(phasesOf(closed)).toEqual([{ duration: 60, arrivalRate: 100 / (2 * CLOSED_REQUESTS_PER_VU) }]);
    const script = parse(artilleryScriptText(translateArtillery(closed).config)) as { scenarios: { flow: { loop: unknown[]; count: number }[] }[] };
    expect(script.scenarios[0]?.flow[0]?.count).toBe(CLOSED_REQUESTS_PER_VU);
    expect(script.scenarios[0]?.flow[0]?.loop[1]).toEqual({ think: 2 });
    expect(impliedArtilleryLoad(translateArtillery(closed).config)).toMatchObject({ requests: 3000, stages: [{ startRate: 100, endRate: 100 }] });
  });

  it('refuses the closed model without think time before anything starts (exit 2)', () => {
    const noThink: Plan = { ...plan, model: 'closed', thinkTimeS: 0, startTarget: 10, stages: [{ durationS: 10, target: 10 }] };
    expect(() => translateArtillery(noThink)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('without think time') }));
  });

  it('follows Artillery\'s own arithmetic: ramps per one-second period, rates on a microsecond timer', () => {
    expect(rampPeriods(4, 0, 300)).toEqual([0, 100, 200, 300]);
    expect(phaseLoad({ duration: 60, arrivalRate: 300 }).arrivals).toBe(18_001);
    expect(phaseLoad({ duration: '286ms', arrivalCount: 83 }).arrivals).toBe(83);
  });
});

describe('fractional stages (baseline, --rps 300 and --duration 30s, 13s, 45s)', async () => {
  const baseline = (await loadScenario('baseline', '/')).scenario;
  for (const durationS of [30, 13, 45]) {
    it(`--duration ${durationS}s: accepted by Artillery's validation, planned count kept within 1 %`, () => {
      const built = buildPlan(baseline, { baseUrl: 'http://127.0.0.1:8080', overrides: { rps: 300, durationS } });
      const translation = translateArtillery(built.plan);
      expect(artilleryProblem(translation.config.script)).toBeUndefined();
      const implied = impliedArtilleryLoad(translation.config);
      const planned = plannedLoad(built.plan);
      expect(Math.abs((implied.requests ?? 0) - (planned.requests ?? 0))).toBeLessThanOrEqual(0.01 * (planned.requests ?? 0));
      implied.stages.forEach((stage, index) => {
        const plannedStage = planned.stages[index];
        expect(Math.abs(stage.durationS - (plannedStage?.durationS ?? 0))).toBeLessThan(0.001);
        expect(Math.abs((stage.requests ?? 0) - (plannedStage?.requests ?? 0))).toBeLessThanOrEqual(Math.max(1, 0.01 * (plannedStage?.requests ?? 0)));
      });
      expect(translation.adaptations[0]).toMatch(/^stage 1 \(ramp\): [\d.]+ s is not a whole number of seconds/);
    });
  }

  it("Artillery's own validation refuses what capacity wrote before: a 4.286 s phase, a rate of 4.5", () => {
    const script = translateArtillery(plan).config.script;
    const withPhases = (phases: unknown[]) => ({ ...script, config: { ...script.config, phases } }) as typeof script;
    expect(artilleryProblem(withPhases([{ duration: 4.286, arrivalRate: 0, rampTo: 300 }]))).toContain('Invalid duration for phase: 4.286');
    expect(artilleryProblem(withPhases([{ duration: 10, arrivalRate: 4.5 }]))).toContain('4.5 === 5');
  });

  it("the arrivals counted from the phases are the ones Artillery's own machinery emits (run for real, ~4 s)", async () => {
    const phases = [
      { duration: '300ms', arrivalCount: 7 },
      // Artillery's float arithmetic drops the last of these: 1.001 * 1000 * 1000 < 1001000.
      { duration: '1001ms', arrivalCount: 5 },
      { duration: 1, arrivalRate: 13 },
      { duration: 2, arrivalRate: 0, rampTo: 9 },
    ] as const;
    expect(phases.map((phase) => phaseLoad(phase).arrivals)).toEqual([7, 4, 13, 9]);
    expect(await artilleryArrivals(phases)).toBe(33);
  }, 15_000);

  it('--duration 30s: the 4.286 s ramp is 4 s of ramp and a 286 ms even count; the 25.714 s hold stays a rate', () => {
    const built = buildPlan(baseline, { baseUrl: 'http://127.0.0.1:8080', overrides: { rps: 300, durationS: 30 } });
    expect(built.plan.stages.map((stage) => stage.durationS)).toEqual([4.286, 25.714]);
    expect(phasesOf(built.plan)).toEqual([
      { name: 'ramp', duration: 4, arrivalRate: 0, rampTo: 279.981335 },
      { name: 'ramp', duration: '286ms', arrivalCount: 83 },
      { name: 'steady', duration: '25714ms', arrivalRate: 300 },
    ]);
  });
});
