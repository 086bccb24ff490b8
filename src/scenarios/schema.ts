import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';

/**
 * The scenario file, in one place: validation (strict: unknown keys are errors), the TypeScript
 * types (input as written, output after defaults and duration parsing) and the JSON Schema
 * published for editors (docs/schema/scenario.json, generated from here by json-schema.ts).
 *
 * Semantic checks that span fields (weights that sum to 0, an SLO naming a request that is not
 * in the mix, failover timing) are refinements here too, so every error comes out in one list.
 */

/**
 * Upper bounds of one run, far above the project's goals (10,000 users and 10,000 req/s, already
 * beyond one machine with several generators) yet small enough for every engine to represent:
 * k6 panics on 1e12 VUs or iterations per minute after the stack is up, so they are refused here,
 * before anything starts. Overrides (--rps, --users, --duration, --set) meet the same bounds.
 */
export const SCENARIO_LIMITS = {
  /** Virtual users / connections (maxUsers, closed-model stage targets). */
  users: 1_000_000,
  /** Arrival rate in req/s (open-model stage targets). */
  ratePerSecond: 1_000_000,
  /** Any one duration and the whole run: 7 days. */
  durationS: 7 * 24 * 3600,
} as const;

const thousands = (value: number): string => value.toLocaleString('en-US');
const MAX_DURATION_MESSAGE = `must be at most 7 days (${thousands(SCENARIO_LIMITS.durationS)} s)`;
const MAX_USERS_MESSAGE = `must be at most ${thousands(SCENARIO_LIMITS.users)} users (the per-run limit; split bigger loads over several generators)`;
// One bound serves both models: req/s (open) and users (closed) share the same limit.
const MAX_TARGET_MESSAGE =
  `must be at most ${thousands(SCENARIO_LIMITS.ratePerSecond)} (req/s in the open model, users in the closed model: the per-run limit)`;

/** Placeholders engines fill per request, drawn from the scenario's data block. */
export const PLACEHOLDERS = ['userId', 'productId', 'page', 'query'] as const;

/** Seconds as a number, or a string such as "30s", "5m", "1h30m", "500ms". */
export const Duration = z
  .union([
    z.number().finite().nonnegative().max(SCENARIO_LIMITS.durationS, { message: MAX_DURATION_MESSAGE }),
    z.string().regex(new RegExp(DURATION_PATTERN), { message: 'must be seconds or a duration such as 30s, 5m, 1h30m or 500ms' }),
  ])
  .transform((value) => (typeof value === 'number' ? value : (parseDuration(value) ?? Number.NaN)))
  // A string such as "9999h" passes the pattern; its value is bounded here.
  .refine((seconds) => !(seconds > SCENARIO_LIMITS.durationS), { message: MAX_DURATION_MESSAGE })
  .meta({ description: 'Seconds (at most 7 days), or a duration string: "500ms", "30s", "5m", "1h30m".' });

const IdRange = z
  .tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])
  .refine(([low, high]) => low <= high, { message: 'first id must be <= last id' });

export const Stage = z.strictObject({
  name: z.string().min(1).optional(),
  duration: Duration.meta({ description: 'How long the stage lasts (the rate or users move linearly toward target).' }),
  target: z
    .number()
    .finite()
    .nonnegative()
    .max(SCENARIO_LIMITS.ratePerSecond, { message: MAX_TARGET_MESSAGE })
    .meta({ description: 'Open model: arrival rate in req/s reached at the end of the stage. Closed model: users. At most 1,000,000.' }),
});

const PLACEHOLDER_IN_TEXT = /\{([^{}]*)\}/g;

export const Request = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, ".", "_" or "-"' })
    .meta({ description: 'Unique name of this entry; per-endpoint SLOs and figures use it.' }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: z
    .string()
    .startsWith('/', { message: 'must start with "/"' })
    .meta({ description: 'Path and query; may hold {userId}, {productId}, {page}, {query}.' }),
  weight: z.number().finite().nonnegative().default(1).meta({ description: 'Relative share of requests.' }),
  auth: z.boolean().default(false).meta({ description: 'Sent by a signed-in virtual user (logs in once, reuses its token).' }),
  body: z.json().optional().meta({ description: 'JSON body; string values may hold placeholders.' }),
  expectStatus: z
    .array(z.number().int().min(100).max(599))
    .min(1)
    .optional()
    .meta({ description: 'Statuses that count as success (default: 2xx and 3xx).' }),
});

/** Defaults match the reference app's seeder (1,000 users, 100 products; product words). */
export const Data = z.strictObject({
  users: IdRange.default([1, 1000]).meta({ description: 'Seeded user ids, inclusive (email user<id>@capacity.test).' }),
  products: IdRange.default([1, 100]).meta({ description: 'Seeded product ids, inclusive.' }),
  pages: IdRange.default([1, 5]).meta({ description: 'Page numbers for {page}, inclusive.' }),
  password: z.string().min(1).default('capacity'),
  searchTerms: z.array(z.string().min(1)).min(1).default(['lamp', 'chair', 'oak', 'leather', 'portable', 'steel', 'kettle', 'wireless']),
});

const latencyMs = () => z.number().finite().positive();
export const SloSet = z.strictObject({
  p50Ms: latencyMs().optional(),
  p90Ms: latencyMs().optional(),
  p95Ms: latencyMs().optional(),
  p99Ms: latencyMs().optional(),
  errorRate: z.number().finite().min(0).max(1).optional().meta({ description: 'Largest failed share, 0.001 = 0.1 %.' }),
  minRps: z.number().finite().nonnegative().optional().meta({ description: 'Smallest achieved throughput over the run.' }),
});

/** The error-rate objective a scenario gets when it states none: a run with errors reads "pass" only under a stated bound. */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

export const Slos = SloSet.extend({
  endpoints: z
    .record(z.string(), SloSet)
    .default({})
    .meta({ description: 'Per-endpoint objectives, keyed by request name.' }),
});

export const Target = z
  .strictObject({
    stack: z.enum(['local', 'compose']).optional().meta({ description: 'Run against the reference stack.' }),
    url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
  })
  .refine((target) => (target.stack === undefined) !== (target.url === undefined), {
    message: 'give exactly one of stack or url',
  });

export const Failover = z.strictObject({
  at: Duration.meta({ description: 'When to stop the app instance, from the start of the run.' }),
  restoreAt: Duration.meta({ description: 'When to start it again.' }),
  instance: z.string().min(1).default('app2').meta({ description: 'Stack component name of the app server to stop.' }),
});

const ScenarioShape = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, ".", "_" or "-"' }),
  description: z.string().default(''),
  target: Target.default({ stack: 'local' }),
  model: z.enum(['open', 'closed']).meta({ description: 'open: arrival-rate stages (req/s); closed: users with think time.' }),
  maxUsers: z
    .number()
    .int()
    .positive()
    .max(SCENARIO_LIMITS.users, { message: MAX_USERS_MESSAGE })
    .meta({ description: 'Most virtual users / connections the engine may use (at most 1,000,000).' }),
  startTarget: z
    .number()
    .finite()
    .nonnegative()
    .max(SCENARIO_LIMITS.ratePerSecond, { message: MAX_TARGET_MESSAGE })
    .default(0)
    .meta({ description: 'Rate (open) or users (closed) at time 0.' }),
  thinkTime: Duration.default(0).meta({ description: "Closed model: pause between a user's requests." }),
  stages: z.array(Stage).min(1, { message: 'needs at least one stage' }),
  requests: z.array(Request).min(1, { message: 'needs at least one request in the mix' }),
  data: Data.default({
    users: [1, 1000],
    products: [1, 100],
    pages: [1, 5],
    password: 'capacity',
    searchTerms: ['lamp', 'chair', 'oak', 'leather', 'portable', 'steel', 'kettle', 'wireless'],
  }),
  slos: z
    .union([z.literal('none'), Slos])
    .default({ endpoints: {} })
    .meta({ description: `Objectives; without a global errorRate, a default of ${DEFAULT_MAX_ERROR_RATE * 100} % applies. "none" opts out of every objective.` }),
  interval: Duration.default(1).meta({ description: 'Reporting interval of the per-interval series.' }),
  requestTimeout: Duration.default(10),
  failover: Failover.optional(),
});

type ScenarioShapeOutput = z.output<typeof ScenarioShape>;

/** Cross-field checks. They run even when other fields failed, so guard every read. */
function checkSemantics(scenario: ScenarioShapeOutput, ctx: z.RefinementCtx): void {
  if (!scenario || typeof scenario !== 'object') return;
  const requests = Array.isArray(scenario.requests) ? scenario.requests : [];
  const validRequests = requests.filter((request) => request && typeof request === 'object');
  const weights = validRequests.map((request) => request.weight).filter((weight) => typeof weight === 'number');
  if (weights.length === validRequests.length && validRequests.length > 0 && weights.reduce((a, b) => a + b, 0) <= 0) {
    ctx.addIssue({ code: 'custom', path: ['requests'], message: 'weights sum to 0: at least one request needs a weight > 0' });
  }
  const seen = new Map<string, number>();
  requests.forEach((request, index) => {
    if (!request || typeof request.name !== 'string') return;
    if (seen.has(request.name)) {
      ctx.addIssue({ code: 'custom', path: ['requests', index, 'name'], message: `duplicate request name "${request.name}"` });
    }
    seen.set(request.name, index);
    if (typeof request.path === 'string') {
      for (const match of request.path.matchAll(PLACEHOLDER_IN_TEXT)) {
        const placeholder = match[1] ?? '';
        if (!(PLACEHOLDERS as readonly string[]).includes(placeholder)) {
          ctx.addIssue({
            code: 'custom',
            path: ['requests', index, 'path'],
            message: `unknown placeholder {${placeholder}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
          });
        }
      }
    }
  });

  const endpoints = scenario.slos && typeof scenario.slos === 'object' ? scenario.slos.endpoints : undefined;
  if (endpoints && typeof endpoints === 'object' && requests.length > 0) {
    for (const key of Object.keys(endpoints)) {
      if (!seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['slos', 'endpoints', key],
          message: `SLO endpoint "${key}" is not in the request mix (${[...seen.keys()].join(', ') || 'none'})`,
        });
      }
    }
  }

  const stages = Array.isArray(scenario.stages) ? scenario.stages : [];
  const durations = stages.map((stage) => stage?.duration);
  const allNumbers = durations.every((d) => typeof d === 'number' && Number.isFinite(d));
  const total = allNumbers ? (durations as number[]).reduce((a, b) => a + b, 0) : undefined;
  if (total === 0 && stages.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['stages'], message: 'stages last 0 s in total: give at least one stage a duration' });
  }
  if (total !== undefined && total > SCENARIO_LIMITS.durationS) {
    ctx.addIssue({ code: 'custom', path: ['stages'], message: `stages last ${thousands(total)} s in total: a run lasts at most 7 days (${thousands(SCENARIO_LIMITS.durationS)} s)` });
  }
  const peak = Math.max(scenario.startTarget ?? 0, ...stages.map((stage) => (typeof stage?.target === 'number' ? stage.target : 0)));
  const targetsValid = stages.every((stage) => typeof stage?.target === 'number' && stage.target >= 0);
  if (stages.length > 0 && targetsValid && peak <= 0) {
    ctx.addIssue({ code: 'custom', path: ['stages'], message: 'every stage target is 0: nothing would be sent' });
  }
  if (scenario.model === 'closed' && typeof scenario.maxUsers === 'number' && peak > scenario.maxUsers) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxUsers'],
      message: `closed model reaches ${peak} users but maxUsers is ${scenario.maxUsers}`,
    });
  }

  const failover = scenario.failover;
  if (failover && typeof failover.at === 'number' && typeof failover.restoreAt === 'number') {
    if (failover.restoreAt <= failover.at) {
      ctx.addIssue({ code: 'custom', path: ['failover', 'restoreAt'], message: 'must be later than failover.at' });
    }
    if (total !== undefined && failover.restoreAt >= total) {
      ctx.addIssue({
        code: 'custom',
        path: ['failover', 'restoreAt'],
        message: `must be before the end of the run (${total} s) to see the recovery`,
      });
    }
    if (scenario.target && typeof scenario.target === 'object' && scenario.target.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['failover'], message: 'failover needs the stack as target (it stops an app server)' });
    }
  }
}

export const Scenario = ScenarioShape.superRefine(checkSemantics, { when: () => true });

/** A scenario as written in YAML (durations may be strings, defaults may be missing). */
export type ScenarioInput = z.input<typeof Scenario>;
/** A validated scenario: defaults filled, durations in seconds. */
export type Scenario = z.output<typeof Scenario>;
export type ScenarioRequest = z.output<typeof Request>;
export type ScenarioSloSet = z.output<typeof SloSet>;
