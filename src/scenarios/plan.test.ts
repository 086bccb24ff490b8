import { describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { parseScenarioText } from './load.js';
import { applyOverrides, buildPlan, planFromScenario } from './plan.js';

const OPEN = parseScenarioText(
  `name: shop
model: open
maxUsers: 100
stages:
  - { name: ramp, duration: 10s, target: 50 }
  - { name: hold, duration: 1m, target: 100 }
variables:
  page: { range: [1, 5] }
  productId: { range: [1, 100] }
requests:
  - { name: list, path: "/products?page={{page}}", weight: 3 }
  - { name: buy, method: POST, path: /orders, headers: { x-user: "7" }, body: { json: { productId: "{{productId}}" } } }
slos:
  p95Ms: 200
  errorRate: 0.001
  endpoints:
    buy: { p99Ms: 400, minRps: 5 }
failover: { at: 20s, restoreAt: 40s }
`,
  'shop.yaml',
);

const CLOSED = parseScenarioText(
  `name: steps
model: closed
maxUsers: 40
thinkTime: 500ms
stages:
  - { duration: 30s, target: 10 }
  - { duration: 30s, target: 40 }
requests:
  - { name: home, path: / }
`,
  'steps.yaml',
);

function rejection(run: () => unknown): CapacityError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapacityError) return error;
    throw error;
  }
  throw new Error('expected a CapacityError');
}

describe('planFromScenario', () => {
  it('resolves stages, requests, data, SLOs and failover into plain data', () => {
    const plan = planFromScenario(OPEN, 'http://127.0.0.1:8080/');
    expect(plan).toMatchObject({
      scenario: 'shop',
      model: 'open',
      baseUrl: 'http://127.0.0.1:8080',
      startTarget: 0,
      stages: [
        { name: 'ramp', durationS: 10, target: 50 },
        { name: 'hold', durationS: 60, target: 100 },
      ],
      maxUsers: 100,
      totalDurationS: 70,
      peakTarget: 100,
      intervalS: 1,
      requestTimeoutS: 10,
      planVersion: 2,
      variables: [
        { name: 'page', kind: 'range', low: 1, high: 5, order: 'random' },
        { name: 'productId', kind: 'range', low: 1, high: 100, order: 'random' },
      ],
      failover: { atS: 20, restoreAtS: 40, instance: 'app2' },
    });
    expect(plan.requests).toEqual([
      { name: 'list', method: 'GET', path: '/products?page={{page}}', weight: 3 },
      { name: 'buy', method: 'POST', path: '/orders', weight: 1, headers: { 'x-user': '7' }, body: { json: { productId: '{{productId}}' } } },
    ]);
    expect(plan.slos).toEqual([
      { name: 'p95 <= 200 ms', metric: 'p95', threshold: 200 },
      { name: 'error rate <= 0.1 %', metric: 'errorRate', threshold: 0.001 },
      { name: 'buy p99 <= 400 ms', metric: 'p99', threshold: 400, endpoint: 'buy' },
      { name: 'buy throughput >= 5 req/s', metric: 'minRps', threshold: 5, endpoint: 'buy' },
    ]);
  });

  it('keeps think time for the closed model', () => {
    const plan = planFromScenario(CLOSED, 'http://h');
    expect(plan.thinkTimeS).toBe(0.5);
    expect(plan.model).toBe('closed');
  });
});

describe('default error-rate objective', () => {
  const scenario = (slos: string) =>
    parseScenarioText(['name: t', 'model: open', 'maxUsers: 5', 'stages: [{ duration: 2s, target: 5 }]', 'requests: [{ name: a, path: /a }]', slos].join('\n'), 't.yaml');

  it('applies 1 % when a scenario states no objectives, or none on the error rate', () => {
    expect(planFromScenario(scenario(''), 'http://x').slos).toEqual([{ name: 'error rate <= 1 % (default)', metric: 'errorRate', threshold: 0.01, default: true }]);
    expect(planFromScenario(scenario('slos: { p95Ms: 100 }'), 'http://x').slos.map((slo) => slo.name)).toEqual(['p95 <= 100 ms', 'error rate <= 1 % (default)']);
  });

  it('gives way to a stated error rate (in the file or with --set) and to `slos: none`', () => {
    expect(planFromScenario(scenario('slos: { errorRate: 0.05 }'), 'http://x').slos).toEqual([{ name: 'error rate <= 5 %', metric: 'errorRate', threshold: 0.05 }]);
    expect(buildPlan(scenario(''), { baseUrl: 'http://x', overrides: { set: ['slos.errorRate=0.2'] } }).plan.slos.map((slo) => slo.name)).toEqual(['error rate <= 20 %']);
    expect(planFromScenario(scenario('slos: none'), 'http://x').slos).toEqual([]);
    expect(buildPlan(scenario(''), { baseUrl: 'http://x', overrides: { set: ['slos=none'] } }).plan.slos).toEqual([]);
  });

  it('names the bad field of a mapping, and what slos may be otherwise', () => {
    const wrong = (set: string) => rejection(() => buildPlan(scenario(''), { baseUrl: 'http://x', overrides: { set: [set] } })).details;
    expect(wrong('slos.p95Ms=abc')).toEqual([expect.stringMatching(/^--set slos\.p95Ms=abc → slos\.p95Ms: /) as string]);
    expect(wrong('slos.errorRte=0.1')).toEqual([expect.stringContaining('slos.errorRte: unknown key') as string]);
    expect(wrong('slos=all')).toEqual(['--set slos=all → slos: must be "none" or a mapping of objectives (p95Ms, errorRate, ...)']);
  });
});

describe('overrides', () => {
  it('--rps scales every open-model stage to the new peak', () => {
    const { plan } = buildPlan(OPEN, { baseUrl: 'http://h', overrides: { rps: 1000 } });
    expect(plan.stages.map((stage) => stage.target)).toEqual([500, 1000]);
    expect(plan.peakTarget).toBe(1000);
  });

  it('--rps on a closed scenario is bad input', () => {
    expect(rejection(() => applyOverrides(CLOSED, { rps: 10 })).exitCode).toBe(2);
  });

  it('--users scales a closed scenario and caps an open one', () => {
    expect(buildPlan(CLOSED, { baseUrl: 'http://h', overrides: { users: 80 } }).plan).toMatchObject({
      stages: [{ target: 20 }, { target: 80 }],
      maxUsers: 80,
    });
    const open = buildPlan(OPEN, { baseUrl: 'http://h', overrides: { users: 7 } }).plan;
    expect(open.maxUsers).toBe(7);
    expect(open.peakTarget).toBe(100);
  });

  it('--duration stretches the stages and the failover times together', () => {
    const { plan } = buildPlan(OPEN, { baseUrl: 'http://h', overrides: { durationS: 35 } });
    expect(plan.stages.map((stage) => stage.durationS)).toEqual([5, 30]);
    expect(plan.totalDurationS).toBe(35);
    expect(plan.failover).toMatchObject({ atS: 10, restoreAtS: 20 });
  });

  it('--set assigns dotted paths with YAML values, then validates again', () => {
    const { scenario, plan } = buildPlan(OPEN, {
      baseUrl: 'http://h',
      overrides: { set: ['stages.2.target=250', 'slos.p95Ms=150', 'stages.1.duration=1m', 'slos.endpoints.list.p99Ms=900'] },
    });
    expect(plan.stages).toEqual([
      { name: 'ramp', durationS: 60, target: 50 },
      { name: 'hold', durationS: 60, target: 250 },
    ]);
    expect(scenario.slos).toMatchObject({ p95Ms: 150 });
    expect(plan.slos).toContainEqual({ name: 'list p99 <= 900 ms', metric: 'p99', threshold: 900, endpoint: 'list' });
  });

  it('an invalid --set names the assignment and the field', () => {
    const error = rejection(() => applyOverrides(OPEN, { set: ['stages.2.target=-3', 'colour=blue'] }));
    expect(error.exitCode).toBe(2);
    expect(error.details).toEqual([
      '--set stages.2.target=-3 → stage 2 target: must be >= 0',
      '--set colour=blue → colour: unknown key "colour"',
    ]);
  });

  it('--set counts stages from 1, as plan prints them; 0 and a gap are bad input', () => {
    expect(applyOverrides(OPEN, { set: ['stages.1.target=7'] }).stages[0]?.target).toBe(7);
    // One past the last stage adds a stage.
    expect(applyOverrides(OPEN, { set: ['stages.3={duration: 5s, target: 10}'] }).stages).toHaveLength(3);
    expect(rejection(() => applyOverrides(OPEN, { set: ['stages.0.target=7'] }))).toMatchObject({
      exitCode: 2,
      message: '--set stages.0.target=7: stages count from 1 (stages.1 is the first stage, as `capacity plan` numbers them)',
    });
    expect(rejection(() => applyOverrides(OPEN, { set: ['stages.5.target=7'] })).message).toBe(
      '--set stages.5.target=7: the scenario has 2 stage(s): use a stage number from 1 to 3 (3 adds one)',
    );
    // Other lists keep their 0-based indexes.
    expect(applyOverrides(OPEN, { set: ['requests.0.weight=9'] }).requests?.[0]?.weight).toBe(9);
  });

  it('a --set without "=" or through a value is bad input', () => {
    expect(rejection(() => applyOverrides(OPEN, { set: ['model'] })).message).toContain('key=value');
    expect(rejection(() => applyOverrides(OPEN, { set: ['model.x=1'] })).message).toContain('is a value');
  });

  it('non-positive flags are bad input', () => {
    expect(rejection(() => applyOverrides(OPEN, { rps: 0 })).message).toContain('--rps');
    expect(rejection(() => applyOverrides(OPEN, { durationS: Number.NaN })).message).toContain('--duration');
  });

  it('flags beyond the bounds are bad input naming the flag', () => {
    expect(rejection(() => applyOverrides(OPEN, { rps: 1e12 }))).toMatchObject({ exitCode: 2, message: '--rps must be at most 1,000,000 req/s (got 1000000000000)' });
    expect(rejection(() => applyOverrides(CLOSED, { users: 1e12 }))).toMatchObject({ exitCode: 2, message: '--users must be at most 1,000,000 users (got 1000000000000)' });
    expect(rejection(() => applyOverrides(OPEN, { users: 1e12 })).message).toContain('--users');
    expect(rejection(() => applyOverrides(OPEN, { durationS: 8 * 86_400 }))).toMatchObject({ exitCode: 2, message: '--duration must be at most 604,800 s (7 days) (got 691200)' });
    // At the bounds: accepted.
    expect(buildPlan(OPEN, { baseUrl: 'http://h', overrides: { rps: 1_000_000, users: 1_000_000, durationS: 604_800 } }).plan).toMatchObject({
      peakTarget: 1_000_000,
      maxUsers: 1_000_000,
      totalDurationS: 604_800,
    });
  });

  it('--set meets the same bounds and names the assignment', () => {
    expect(rejection(() => applyOverrides(OPEN, { set: ['maxUsers=1e12'] })).details).toEqual([
      '--set maxUsers=1e12 → maxUsers: must be at most 1,000,000 users (the per-run limit; split bigger loads over several generators)',
    ]);
    expect(rejection(() => applyOverrides(OPEN, { set: ['stages.2.target=1000000000000'] })).details).toEqual([
      '--set stages.2.target=1000000000000 → stage 2 target: must be at most 1,000,000 (req/s in the open model, users in the closed model: the per-run limit)',
    ]);
    expect(rejection(() => applyOverrides(OPEN, { set: ['stages.2.duration=200h'] })).details).toContain(
      '--set stages.2.duration=200h → stage 2 duration: must be at most 7 days (604,800 s)',
    );
  });

  it('a --set value with a self-referring YAML alias is bad input, not a circular value', () => {
    expect(rejection(() => applyOverrides(OPEN, { set: ['requests.1.body=&a [*a]'] }))).toMatchObject({
      exitCode: 2,
      message: '--set requests.1.body=&a [*a]: alias *a refers to itself: it is inside the value anchored &a (at 1:4), a cycle that would never end',
    });
    expect(applyOverrides(OPEN, { set: ['requests.1.body={json: {a: &x [1], b: *x}}'] }).requests?.[1]?.body).toEqual({ json: { a: [1], b: [1] } });
  });

  it('leaves the input scenario untouched', () => {
    const before = structuredClone(OPEN);
    buildPlan(OPEN, { baseUrl: 'http://h', overrides: { rps: 5, durationS: 7, set: ['maxUsers=3'] } });
    expect(OPEN).toEqual(before);
  });
});
