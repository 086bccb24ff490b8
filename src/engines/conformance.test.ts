import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { artilleryProblem, autocannonProblem, k6Inspect, k6InspectSkipReason, k6Problem } from '../../test/support/engine-validation.js';
import { CapacityError } from '../core/errors.js';
import { buildPlan, type ScenarioOverrides } from '../scenarios/plan.js';
import { Scenario, type ScenarioInput } from '../scenarios/schema.js';
import type { Plan } from '../scenarios/types.js';
import { impliedArtilleryLoad, translateArtillery } from './artillery/config.js';
import { TIMER_PRECISE_RATE } from './artillery/phases.js';
import { impliedAutocannonLoad, stepInstances, translateAutocannon } from './autocannon/steps.js';
import { impliedK6Load, k6ScriptText, translateK6 } from './k6/translate.js';
import { PROCESSOR_SOURCE } from './artillery/processor.js';
import { RUNTIME_SOURCE } from './runtime-source.js';
import { impliedLocustLoad, locustConfigProblem, translateLocust } from './locust/translate.js';
import { plannedLoad } from './mix.js';
import type { ImpliedLoad, Translation } from './translation.js';

/**
 * Engine conformance: any valid plan runs on every engine, and the same plan sends the same load.
 * For generated plans (1-6 stages of 0.2 s to 600 s, fractional and sub-second ones included; 0.1
 * to 50,000 req/s or up to 2,000 users; both models; every kind of mix entry; built through the
 * real override code: --rps, --users, --duration, --set), each engine's translation must
 *   (a) pass the engine's own validation (Artillery's and autocannon's functions from
 *       node_modules, in-process; k6's documented executor rules, and `k6 inspect` on a sample
 *       where k6 is on PATH), and
 *   (b) imply the plan's load: total and per-stage requests within 1 % (or one request, they are
 *       whole; an Artillery virtual user's loop in the closed model), stage durations within 1 ms,
 *       start and end rates within 1 % where the engine follows the stage's line (k6), and within
 *       the stage's range where it holds steps (a staircase: one request per step of slack).
 * Or refuse with exit 2 where the engine declares it cannot (docs/engines.md, "Translation limits").
 * Reproducible: fixed seed; fast-check prints the seed and the shrunk plan of any failure.
 */
const SEED = Number(process.env['CONFORMANCE_SEED'] ?? 20_261_122);
const RUNS = Number(process.env['CONFORMANCE_RUNS'] ?? 1_000);

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

const durationS: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.double({ min: 0.2, max: 600, noNaN: true }).map(round3), weight: 4 },
  { arbitrary: fc.double({ min: 0.2, max: 600, noNaN: true }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 600 }), weight: 3 },
  { arbitrary: fc.constantFrom(0.2, 0.5, 0.999, 1.001, 1.5, 4.286, 25.714), weight: 2 },
  { arbitrary: fc.constant(0), weight: 1 },
);
// Spread over five decades: as many plans at 1 req/s as at 10,000.
const rate: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.double({ min: Math.log(0.1), max: Math.log(50_000), noNaN: true }).map((log) => round3(Math.exp(log))), weight: 5 },
  { arbitrary: fc.integer({ min: 1, max: 50_000 }), weight: 3 },
  { arbitrary: fc.constant(0), weight: 1 },
);
const users = fc.integer({ min: 0, max: 2_000 });

const TEMPLATE_PATHS = ['/products?page={{page}}&limit=20', '/products/{{productId}}', '/products/search?q={{query}}', '/me', '/orders', '/users/{{userId}}'];
const VARIABLES: NonNullable<ScenarioInput['variables']> = {
  userId: { range: [1, 1000] },
  productId: { range: [1, 100] },
  page: { range: [1, 5] },
  query: { list: ['lamp', 'oak'] },
  loginUser: { range: [1, 1000], order: 'sequential' },
};
const mixEntry = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
  path: fc.constantFrom(...TEMPLATE_PATHS),
  weight: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0.1, max: 5, noNaN: true }).map(round3)),
  headers: fc.option(fc.constant<Record<string, string>>({ authorization: 'Bearer {{token}}' }), { nil: undefined }),
  body: fc.option(
    fc.constantFrom<NonNullable<NonNullable<ScenarioInput['requests']>[number]['body']>>({ json: { items: [{ productId: '{{productId}}', quantity: 1 }] } }, { json: { q: '{{query}}' } }, { json: 'text {{userId}}' }),
    { nil: undefined },
  ),
  expectStatus: fc.option(fc.constantFrom([200], [200, 404], [201, 409]).map((statuses) => [...statuses]), { nil: undefined }),
});
const mix = fc
  .array(mixEntry, { minLength: 1, maxLength: 6 })
  .map((entries) => entries.map((entry, index) => ({ name: `r${index}`, ...(index === 0 && entry.weight === 0 ? { ...entry, weight: 1 } : entry) })));

const scenarioInput = fc
  .record({
    model: fc.constantFrom('open' as const, 'closed' as const),
    stageDurations: fc.array(durationS, { minLength: 1, maxLength: 6 }),
    rates: fc.array(rate, { minLength: 7, maxLength: 7 }),
    users: fc.array(users, { minLength: 7, maxLength: 7 }),
    thinkTime: fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 10, noNaN: true }).map(round3)),
    requestTimeout: fc.constantFrom(10, 0.5, 2.5),
    requests: mix,
    names: fc.boolean(),
  })
  .map(({ model, stageDurations, rates, users: userCounts, thinkTime, requestTimeout, requests, names }): ScenarioInput => {
    const targets = model === 'open' ? rates : userCounts;
    // At least one positive target (the schema refuses a plan that sends nothing), and a stage that lasts.
    if (targets.slice(0, stageDurations.length + 1).every((target) => target === 0)) targets[1] = 10;
    if (!stageDurations.some((seconds) => seconds > 0)) stageDurations[0] = 1;
    const stages = stageDurations.map((duration, index) => ({ ...(names ? { name: `s${index}` } : {}), duration, target: targets[index + 1] as number }));
    const peak = Math.max(targets[0] as number, ...stages.map((stage) => stage.target));
    return {
      name: 'generated',
      model,
      maxUsers: Math.max(1, model === 'closed' ? peak : Math.ceil(peak / 5)),
      startTarget: targets[0] as number,
      thinkTime,
      requestTimeout,
      stages,
      requests,
      variables: VARIABLES,
      // Signed-in entries use the token of a pool sign-in (the built-ins' shape).
      auth: { per: 'pool', login: { path: '/auth/login', body: { json: { email: 'user{{loginUser}}@capacity.test' } }, capture: { token: { json: 'accessToken' } } } },
      target: { url: 'http://127.0.0.1:9' },
    };
  });

/**
 * Flow plans: the same generated stages and models, with a user flow of 2-4 steps (the first
 * captures an id the later ones use, think times per step or none) and a sign-in per user or as a
 * pool. Every engine runs them with the plan's load (a flow's pass is one unit: k6's iteration,
 * an Artillery virtual user), or refuses with exit 2 naming the feature.
 */
const flowPlans: fc.Arbitrary<Plan> = fc
  .tuple(scenarioInput, fc.integer({ min: 2, max: 4 }), fc.constantFrom('user' as const, 'pool' as const), fc.option(fc.constantFrom(0.5, 1, 2), { nil: undefined }))
  .map(([input, steps, per, think]) => {
    const { requests: _mix, ...rest } = input;
    const flow = Array.from({ length: steps }, (_unused, index) => ({
      name: `step${index}`,
      method: index === 0 ? ('POST' as const) : ('GET' as const),
      path: index === 0 ? '/orders' : '/orders/{{orderId}}',
      headers: { authorization: 'Bearer {{token}}' },
      ...(index === 0 ? { capture: { orderId: { json: 'id' } } } : { checks: [{ jsonPath: 'id', equals: '{{orderId}}' }] }),
      ...(think === undefined || index % 2 === 1 ? {} : { think }),
    }));
    const scenario = Scenario.parse({ ...rest, flow, auth: { per, login: { path: '/auth/login', body: { json: { email: 'user{{loginUser}}@capacity.test' } }, capture: { token: { json: 'accessToken' } } } } });
    return buildPlan(scenario, { baseUrl: 'http://127.0.0.1:9' }).plan;
  });

const overrides = fc.record(
  {
    rps: rate.filter((value) => value > 0),
    users: fc.integer({ min: 1, max: 2_000 }),
    durationS: fc.oneof(fc.double({ min: 0.5, max: 3_600, noNaN: true }).map(round3), fc.constantFrom(13, 30, 45)),
    set: fc.array(
      fc.oneof(
        // Stages count from 1 on the command line, as `capacity plan` numbers them.
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.oneof(fc.constantFrom('500ms', '2.5s', '1m', '0.2s'), fc.integer({ min: 1, max: 120 }).map(String))).map(([stage, value]) => `stages.${stage}.duration=${value}`),
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2_000 })).map(([stage, value]) => `stages.${stage}.target=${value}`),
        fc.double({ min: 0.1, max: 5, noNaN: true }).map((value) => `thinkTime=${round3(value)}s`),
        fc.constantFrom('requestTimeout=0.5s', 'startTarget=0', 'requests.0.weight=0.5'),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

/** How the generated plans were built: through overrides, or without them when the overrides refused the combination. */
const built = { withOverrides: 0, overridesRefused: 0 };

/** A valid plan, through the real override code; a combination the overrides refuse (exit 2) is built without them. */
const plans: fc.Arbitrary<Plan> = fc.tuple(scenarioInput, overrides).map(([input, flags]) => {
  const scenario = Scenario.parse(input);
  const applied: ScenarioOverrides = { ...flags, ...(scenario.model === 'closed' ? { rps: undefined } : {}) };
  try {
    const { plan } = buildPlan(scenario, { baseUrl: 'http://127.0.0.1:9', overrides: applied });
    if (Object.values(applied).some((value) => value !== undefined && !(Array.isArray(value) && value.length === 0))) built.withOverrides += 1;
    return plan;
  } catch (error) {
    if (!(error instanceof CapacityError && error.exitCode === 2)) throw error;
    built.overridesRefused += 1;
    return buildPlan(scenario, { baseUrl: 'http://127.0.0.1:9' }).plan;
  }
});

/** Requests a plan's figures may differ by: 1 %, or one scheduling unit (requests are whole). */
const requestSlack = (planned: number, unit: number): number => Math.max(0.01 * planned, unit) + 1e-9;

/** The checks of (b): the load the engine's configuration implies against the plan's own. */
function expectSameLoad(plan: Plan, implied: ImpliedLoad): void {
  const planned = plannedLoad(plan);
  expect(implied.stages.length).toBe(planned.stages.length);
  if (planned.requests !== undefined) {
    expect(implied.requests).toBeDefined();
    expect(Math.abs((implied.requests ?? 0) - planned.requests)).toBeLessThanOrEqual(requestSlack(planned.requests, implied.requestUnit));
  }
  // Users are whole: half a user of slack in the closed model.
  const absolute = plan.model === 'open' ? 1e-3 : 0.5;
  planned.stages.forEach((stage, index) => {
    const engine = implied.stages[index];
    if (!engine) throw new Error(`no stage ${index + 1} in the engine's load`);
    const where = `stage ${index + 1}`;
    expect(Math.abs(engine.durationS - stage.durationS), `${where} duration`).toBeLessThanOrEqual(0.001 + 1e-9);
    if (stage.requests !== undefined) {
      expect(Math.abs((engine.requests ?? Number.NaN) - stage.requests), `${where} requests`).toBeLessThanOrEqual(requestSlack(stage.requests, implied.requestUnit));
    }
    if (stage.durationS < 0.001) return;
    const top = Math.max(stage.startRate, stage.endRate);
    if (engine.stepS === undefined) {
      expect(Math.abs(engine.startRate - stage.startRate), `${where} start rate`).toBeLessThanOrEqual(0.01 * top + absolute);
      expect(Math.abs(engine.endRate - stage.endRate), `${where} end rate`).toBeLessThanOrEqual(0.01 * top + absolute);
      return;
    }
    // A staircase stays within the stage's range, give or take one scheduling unit per step.
    const perStep = (implied.requestUnit / engine.stepS) * (plan.model === 'open' ? 1 : plan.thinkTimeS);
    const low = Math.min(stage.startRate, stage.endRate) * 0.99 - perStep - absolute;
    const high = top * 1.01 + perStep + absolute;
    for (const [name, value] of [['start', engine.startRate], ['end', engine.endRate]] as const) {
      expect(value, `${where} ${name} rate`).toBeGreaterThanOrEqual(low);
      expect(value, `${where} ${name} rate`).toBeLessThanOrEqual(high);
    }
  });
}

interface Tally {
  plans: number;
  adapted: number;
  refused: number;
  reasons: Record<string, number>;
}

/** (a) and (b) for one engine over RUNS generated plans; refusals must be exit 2 and allowed by `mayRefuse`. */
function conforms<C>(
  engine: string,
  translate: (plan: Plan) => Translation<C>,
  implied: (config: C) => ImpliedLoad,
  problem: (config: C) => string | undefined,
  mayRefuse: (plan: Plan) => boolean,
  source: fc.Arbitrary<Plan> = plans,
  runs = RUNS,
): Tally {
  const tally: Tally = { plans: 0, adapted: 0, refused: 0, reasons: {} };
  fc.assert(
    fc.property(source, (plan) => {
      tally.plans += 1;
      let translation: Translation<C>;
      try {
        translation = translate(plan);
      } catch (error) {
        expect(error).toBeInstanceOf(CapacityError);
        expect((error as CapacityError).exitCode).toBe(2);
        expect(mayRefuse(plan), `${engine} refused a plan it should run: ${(error as Error).message}`).toBe(true);
        tally.refused += 1;
        const message = (error as Error).message;
        const reason = message.includes('without think time') ? 'closed model without think time' : message.includes('sign-in per virtual user') ? 'sign-in per user in a mix' : message.includes('does not run') ? 'features' : 'timer';
        tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
        return;
      }
      if (translation.adaptations.length > 0) tally.adapted += 1;
      expect(problem(translation.config), `${engine}'s own validation`).toBeUndefined();
      expectSameLoad(plan, implied(translation.config));
    }),
    { numRuns: runs, seed: SEED },
  );
  const reasons = Object.entries(tally.reasons).map(([reason, count]) => `${count} ${reason}`).join(', ');
  console.log(`${engine}: ${tally.plans} plans (seed ${SEED}): ${tally.adapted} adapted, ${tally.refused} refused${reasons ? ` (${reasons})` : ''}`);
  return tally;
}

describe(`engine conformance (${RUNS} generated plans per engine, seed ${SEED})`, () => {
  it('k6: valid ramping-arrival-rate / ramping-vus options that imply the plan\'s load', () => {
    conforms('k6', translateK6, impliedK6Load, k6Problem, () => false);
  }, 60_000);

  it('autocannon: every instance\'s options pass autocannon\'s validation, the steps send the plan\'s load', () => {
    conforms(
      'autocannon',
      translateAutocannon,
      impliedAutocannonLoad,
      (config) => {
        const seen = new Set<string>();
        for (const step of config.steps) {
          for (const { options } of stepInstances(config, step)) {
            const key = JSON.stringify(options);
            if (seen.has(key)) continue;
            seen.add(key);
            const problem = autocannonProblem(options);
            if (problem) return `step at ${step.startS} s: ${problem}`;
          }
        }
        return undefined;
      },
      () => false,
    );
  }, 60_000);

  it("Artillery: the script passes Artillery's own validation (schema, worker split, phases), the phases send the plan's load", () => {
    // Declared limits: the closed model without think time (Artillery has no fixed users), and a
    // stage shorter than a second at a mean rate its microsecond timer cannot pace within 1 %.
    const tooFastForTimer = (plan: Plan): boolean =>
      plannedLoad(plan).stages.some((stage) => stage.durationS < 1 && stage.requests !== undefined && stage.requests / stage.durationS >= TIMER_PRECISE_RATE);
    const tally = conforms('artillery', translateArtillery, impliedArtilleryLoad, (config) => artilleryProblem(config.script), (plan) => (plan.model === 'closed' && plan.thinkTimeS <= 0) || tooFastForTimer(plan));
    expect(tally.refused).toBeLessThan(tally.plans);
  }, 60_000);

  it("Locust: the locustfile's configuration is runnable (mix, whole users, a pool for the open model) and implies the plan's load", () => {
    // The open model's schedule inverts the plan's own area (arrival n at area n + 0.5), so it
    // follows the stages' lines; the closed model runs whole users, like k6.
    conforms('locust', translateLocust, impliedLocustLoad, locustConfigProblem, () => false);
  }, 60_000);

  it('builds most plans through the override paths (--rps, --users, --duration, --set)', () => {
    Object.assign(built, { withOverrides: 0, overridesRefused: 0 });
    fc.sample(plans, { numRuns: RUNS, seed: SEED });
    console.log(`of ${RUNS} plans: ${built.withOverrides} built through overrides, ${built.overridesRefused} without (the overrides refused the combination)`);
    expect(built.withOverrides).toBeGreaterThan(0.6 * RUNS);
  });

  it('flows: every engine runs them with the plan\'s load, or refuses naming the feature (Artillery: as for any plan)', () => {
    const flowRuns = Math.max(50, Math.round(RUNS / 5));
    conforms('k6 (flows)', translateK6, impliedK6Load, k6Problem, () => false, flowPlans, flowRuns);
    conforms('autocannon (flows)', translateAutocannon, impliedAutocannonLoad, () => undefined, () => false, flowPlans, flowRuns);
    const tooFastForTimer = (plan: Plan): boolean =>
      plannedLoad(plan).stages.some((stage) => stage.durationS < 1 && stage.requests !== undefined && stage.requests / stage.durationS >= TIMER_PRECISE_RATE);
    conforms('artillery (flows)', translateArtillery, impliedArtilleryLoad, (config) => artilleryProblem(config.script), (plan) => (plan.model === 'closed' && plan.thinkTimeS <= 0) || tooFastForTimer(plan), flowPlans, flowRuns);
    conforms('locust (flows)', translateLocust, impliedLocustLoad, locustConfigProblem, () => false, flowPlans, flowRuns);
  }, 120_000);

  it('the engines run one implementation of the scenario language: Artillery\'s processor and k6\'s script embed the runtime autocannon runs', () => {
    expect(PROCESSOR_SOURCE).toContain(RUNTIME_SOURCE);
    expect(k6ScriptText()).toContain(RUNTIME_SOURCE);
  });

  const k6Skip = k6InspectSkipReason();
  if (k6Skip) console.log(`k6 inspect on sampled plans: skipped, ${k6Skip}`);
  it.skipIf(k6Skip !== undefined)('k6 inspect accepts the options of 30 sampled plans as they are', () => {
    for (const plan of fc.sample(plans, { numRuns: 30, seed: SEED })) {
      const { config } = translateK6(plan);
      expect(k6Inspect(process.cwd(), plan, config).scenarios?.['main']).toMatchObject({ executor: config.scenario.executor });
    }
  }, 120_000);
});
