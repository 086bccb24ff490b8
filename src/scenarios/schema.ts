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

/**
 * Variables: `{{name}}` (or `{{name.column}}` for a data-file row) anywhere in a path, a query
 * value, a header value or a body. Names are letters, digits and "_", starting with a letter.
 */
export const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** `{{ name }}` or `{{name.column}}` in text; group 1 is the variable, group 2 the column. */
export const TEMPLATE_REFERENCE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_][A-Za-z0-9_ -]*?))?\s*\}\}/g;
/** A single-brace `{name}` left from the old placeholder syntax. */
const OLD_PLACEHOLDER = /(?<!\{)\{([A-Za-z][A-Za-z0-9_]*)\}(?!\})/g;

const variableName = () =>
  z.string().regex(VARIABLE_NAME, { message: 'must be a letter, then letters, digits or "_"' });

/** The order rows of a data file are handed out in. */
export const DataOrder = z.enum(['sequential', 'random', 'unique']).meta({
  description:
    'sequential: rows in file order, shared by all users, wrapping at the end; random: any row each time; unique: each row once across all users (the run ends its users when the rows run out and says so).',
});

export const Variable = z.union([
  z.union([z.string(), z.number().finite(), z.boolean()]).meta({ description: 'A literal value.' }),
  z.strictObject({ list: z.array(z.union([z.string(), z.number().finite(), z.boolean()])).min(1).meta({ description: 'One value picked at random each iteration.' }) }),
  z
    .strictObject({
      range: z
        .tuple([z.number().int(), z.number().int()])
        .refine(([low, high]) => low <= high, { message: 'first value must be <= last value' })
        .meta({ description: 'Whole numbers, inclusive.' }),
      order: z.enum(['random', 'sequential']).default('random').meta({ description: 'random (default) or sequential: low, low+1, ... shared by all users, wrapping.' }),
    })
    .meta({ description: 'An integer from the range each iteration.' }),
  z.strictObject({ uuid: z.literal(true).meta({ description: 'A random UUID v4 each iteration.' }) }),
  z.strictObject({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name' })
      .meta({ description: 'A secret: read from this environment variable when the run starts; never written to disk or output.' }),
  }),
  z.strictObject({
    csv: z.string().min(1).meta({ description: 'CSV file with a header row, relative to the scenario file. Use {{name.column}}.' }),
    order: DataOrder.default('sequential'),
  }),
  z.strictObject({
    json: z.string().min(1).meta({ description: 'JSON file holding an array (of objects: {{name.field}}; of values: {{name}}), relative to the scenario file.' }),
    order: DataOrder.default('sequential'),
  }),
]);

const templateText = () => z.string();
const HeaderMap = z
  .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be an HTTP header name' }), templateText())
  .meta({ description: 'Header name → value; values may hold {{variables}}.' });

export const Body = z.union([
  z.strictObject({ json: z.json().meta({ description: 'JSON body; a string that is exactly "{{name}}" of a number variable becomes that number.' }) }),
  z.strictObject({ form: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).meta({ description: 'URL-encoded form fields.' }) }),
  z.strictObject({
    raw: z.string().meta({ description: 'Body text as is (with {{variables}}).' }),
    contentType: z.string().min(1).default('text/plain').meta({ description: 'Content-Type of a raw body.' }),
  }),
]);

export const Capture = z.union([
  z.strictObject({ json: z.string().min(1).meta({ description: 'JSON path into the response body: "token", "data.items[0].id" ("$." prefix optional).' }) }),
  z.strictObject({ header: z.string().min(1).meta({ description: 'Response header name (case-insensitive).' }) }),
  z.strictObject({ regex: z.string().min(1).meta({ description: 'Regular expression on the body; the first group (or the whole match) is captured.' }) }),
]);

export const Check = z.union([
  z.strictObject({ status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).meta({ description: 'Status (or statuses) the response must have.' }) }),
  z.strictObject({
    jsonPath: z.string().min(1).meta({ description: 'JSON path into the body, as for captures.' }),
    exists: z.boolean().optional().meta({ description: 'true: the path must exist (the default when equals is absent); false: it must not.' }),
    equals: z.json().optional().meta({ description: 'The value at the path must equal this (JSON equality; may hold {{variables}} in strings).' }),
  }),
  z.strictObject({ bodyContains: z.string().min(1).meta({ description: 'The body must contain this text (may hold {{variables}}).' }) }),
]);

const requestName = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, ".", "_" or "-"' })
    .meta({ description: 'Unique name of this entry; per-endpoint SLOs and figures use it.' });

const RequestFields = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
  path: z
    .string()
    .startsWith('/', { message: 'must start with "/"' })
    .meta({ description: 'Path (and query string) appended to the target URL; may hold {{variables}}.' }),
  query: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .meta({ description: 'Query parameters added to the path (values URL-encoded, may hold {{variables}}).' }),
  headers: HeaderMap.optional(),
  body: Body.optional(),
  expectStatus: z
    .array(z.number().int().min(100).max(599))
    .min(1)
    .optional()
    .meta({ description: 'Statuses that count as success (default: 2xx and 3xx).' }),
  checks: z.array(Check).optional().meta({ description: 'Each failed check counts the response as an error of kind "check".' }),
  capture: z
    .record(variableName(), Capture)
    .optional()
    .meta({ description: "Per-user variables set from this response, used by later steps ({{name}}). A capture that finds nothing is a check error." }),
};

export const Request = z.strictObject({
  name: requestName(),
  ...RequestFields,
  weight: z.number().finite().nonnegative().default(1).meta({ description: 'Relative share of requests (the mix).' }),
});

export const FlowStep = z.strictObject({
  name: requestName(),
  ...RequestFields,
  think: Duration.optional().meta({ description: "Pause after this step (default: the scenario's thinkTime)." }),
});

export const Login = z.strictObject({
  name: requestName().default('login'),
  ...RequestFields,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('POST'),
});

export const Auth = z
  .strictObject({
    login: Login.meta({ description: 'The sign-in request; its captures (e.g. token) are available to every request.' }),
    per: z
      .enum(['user', 'pool'])
      .default('user')
      .meta({ description: 'user: each virtual user signs in before its first request (a counted request) and again once after a 401; pool: poolSize sign-ins before the load (setup traffic), rotated over the users.' }),
    poolSize: z.number().int().positive().max(10_000).default(50).meta({ description: 'per: pool: how many sign-ins (at most maxUsers).' }),
  })
  .meta({ description: 'Sign-in whose captured values later requests use.' });

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
    url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional().meta({ description: 'Base URL of the API; request paths are appended to it.' }),
    headers: HeaderMap.optional().meta({ description: 'Headers sent with every request (a request\'s own headers win); values may hold {{variables}}, e.g. a secret.' }),
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
  variables: z
    .record(variableName(), Variable)
    .default({})
    .meta({ description: 'Values for {{name}}: literals, lists, ranges, uuid, data files (csv/json with an order) and environment variables (secrets).' }),
  auth: Auth.optional(),
  requests: z
    .array(Request)
    .min(1, { message: 'needs at least one request in the mix' })
    .optional()
    .meta({ description: 'The weighted mix: each request picked by weight, independently. Give requests or flow.' }),
  flow: z
    .array(FlowStep)
    .min(1, { message: 'needs at least one step' })
    .optional()
    .meta({ description: 'User flow: each virtual user sends these steps in order, again and again, with think time between them. Give requests or flow.' }),
  slos: z
    .union([z.literal('none'), Slos])
    .default({ endpoints: {} })
    .meta({ description: `Objectives; without a global errorRate, a default of ${DEFAULT_MAX_ERROR_RATE * 100} % applies. "none" opts out of every objective.` }),
  interval: Duration.default(1).meta({ description: 'Reporting interval of the per-interval series.' }),
  requestTimeout: Duration.default(10),
  failover: Failover.optional(),
});

type ScenarioShapeOutput = z.output<typeof ScenarioShape>;

type FieldPath = Array<string | number>;

/** Every text of a request that may hold {{variables}}, with where it is. */
export function templateTexts(request: Partial<z.output<typeof FlowStep>>, at: FieldPath): Array<{ at: FieldPath; text: string }> {
  const texts: Array<{ at: FieldPath; text: string }> = [];
  const walk = (value: unknown, where: FieldPath): void => {
    if (typeof value === 'string') texts.push({ at: where, text: value });
    else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...where, index]));
    else if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) walk(inner, [...where, key]);
  };
  if (typeof request.path === 'string') texts.push({ at: [...at, 'path'], text: request.path });
  walk(request.query, [...at, 'query']);
  walk(request.headers, [...at, 'headers']);
  walk(request.body, [...at, 'body']);
  (Array.isArray(request.checks) ? request.checks : []).forEach((check, index) => {
    if (check && typeof check === 'object' && 'equals' in check) walk(check.equals, [...at, 'checks', index, 'equals']);
    if (check && typeof check === 'object' && 'bodyContains' in check) walk(check.bodyContains, [...at, 'checks', index, 'bodyContains']);
  });
  return texts;
}

/** The names a text refers to: `{{name}}` and `{{name.column}}`. */
export function referencesIn(text: string): Array<{ name: string; column?: string }> {
  return [...text.matchAll(TEMPLATE_REFERENCE)].map((match) => ({ name: match[1] as string, ...(match[2] === undefined ? {} : { column: match[2] }) }));
}

/**
 * Every {{name}} must be a variable, a value captured by the sign-in, or (in a flow) a value
 * captured by an earlier step. A single-brace {name} is the old syntax: named as such.
 */
function checkReferences(scenario: ScenarioShapeOutput, entries: Array<{ at: FieldPath; request: Partial<z.output<typeof FlowStep>> }>, ctx: z.RefinementCtx): void {
  const variables = scenario.variables && typeof scenario.variables === 'object' ? scenario.variables : {};
  const dataFiles = new Set(Object.entries(variables).filter(([, value]) => value !== null && typeof value === 'object' && ('csv' in value || 'json' in value)).map(([name]) => name));
  const capturesOf = (request: Partial<z.output<typeof FlowStep>> | undefined): string[] =>
    request && request.capture && typeof request.capture === 'object' ? Object.keys(request.capture) : [];
  const login = entries.find((entry) => entry.at[0] === 'auth');
  const loginCaptures = capturesOf(login?.request);
  const laterCaptures = new Map<string, string>();
  for (const entry of entries) if (entry.at[0] === 'flow') for (const name of capturesOf(entry.request)) if (!laterCaptures.has(name)) laterCaptures.set(name, String(entry.request.name));
  const known = new Set([...Object.keys(variables), ...loginCaptures]);
  const headerTexts = Object.entries(scenario.target && typeof scenario.target === 'object' && scenario.target.headers ? scenario.target.headers : {}).map(([key, text]) => ({ at: ['target', 'headers', key] as FieldPath, text }));
  const check = (at: FieldPath, text: string, available: Set<string>, where: string): void => {
    for (const { name, column } of referencesIn(text)) {
      if (!available.has(name)) {
        const later = laterCaptures.get(name);
        const message = later
          ? `{{${name}}} is captured by step "${later}", which comes later in the flow: use it in steps after that one`
          : loginCaptures.length > 0 && where === 'login'
            ? `unknown variable {{${name}}} (the sign-in can use variables only; known: ${[...Object.keys(variables)].join(', ') || 'none'})`
            : `unknown variable {{${name}}} (known: ${[...available].map((known) => `{{${known}}}`).join(', ') || 'none'}; define it under variables)`;
        ctx.addIssue({ code: 'custom', path: at, message });
      } else if (column !== undefined && !dataFiles.has(name)) {
        ctx.addIssue({ code: 'custom', path: at, message: `{{${name}.${column}}}: ${name} is not a data file (csv or json), so it has no columns` });
      }
    }
    for (const match of text.replace(TEMPLATE_REFERENCE, '').matchAll(OLD_PLACEHOLDER)) {
      const name = match[1] as string;
      ctx.addIssue({ code: 'custom', path: at, message: `{${name}} is the old placeholder syntax: write {{${name}}} and define ${name} under variables` });
    }
  };
  const plain = new Set(Object.keys(variables));
  for (const { at, text } of headerTexts) check(at, text, known, 'target');
  const flowKnown = new Set(known);
  for (const entry of entries) {
    const isLogin = entry.at[0] === 'auth';
    const available = isLogin ? plain : entry.at[0] === 'flow' ? flowKnown : known;
    for (const { at, text } of templateTexts(entry.request, entry.at)) check(at, text, available, isLogin ? 'login' : 'request');
    if (entry.at[0] === 'flow') for (const name of capturesOf(entry.request)) flowKnown.add(name);
    if (entry.at[0] === 'requests' && capturesOf(entry.request).length > 0) {
      ctx.addIssue({ code: 'custom', path: [...entry.at, 'capture'], message: 'captures belong to flow steps or auth.login: in the weighted mix no later request would use them' });
    }
    for (const name of capturesOf(entry.request)) {
      if (name in variables) ctx.addIssue({ code: 'custom', path: [...entry.at, 'capture', name], message: `${name} is already a variable: give the capture its own name` });
    }
  }
  if (scenario.auth && typeof scenario.auth === 'object' && loginCaptures.length === 0 && login) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'login'], message: 'the sign-in captures nothing: add capture (e.g. token: { json: accessToken }) and use {{token}} in a header' });
  }
}

/** Cross-field checks. They run even when other fields failed, so guard every read. */
function checkSemantics(scenario: ScenarioShapeOutput, ctx: z.RefinementCtx): void {
  if (!scenario || typeof scenario !== 'object' || Array.isArray(scenario)) return;
  const hasMix = Array.isArray(scenario.requests);
  const hasFlow = Array.isArray(scenario.flow);
  if (hasMix === hasFlow) {
    ctx.addIssue({ code: 'custom', path: hasMix ? ['flow'] : [], message: hasMix ? 'give requests (a weighted mix) or flow (ordered steps), not both' : 'needs requests (a weighted mix) or flow (ordered steps per user)' });
  }
  const validRequests = (scenario.requests ?? []).filter((request) => request && typeof request === 'object');
  const weights = validRequests.map((request) => request.weight).filter((weight) => typeof weight === 'number');
  if (weights.length === validRequests.length && validRequests.length > 0 && weights.reduce((a, b) => a + b, 0) <= 0) {
    ctx.addIssue({ code: 'custom', path: ['requests'], message: 'weights sum to 0: at least one request needs a weight > 0' });
  }
  const entries: Array<{ at: Array<string | number>; request: Partial<z.output<typeof FlowStep>> }> = [];
  const login = scenario.auth && typeof scenario.auth === 'object' ? scenario.auth.login : undefined;
  if (login && typeof login === 'object') entries.push({ at: ['auth', 'login'], request: login });
  (scenario.requests ?? []).forEach((request, index) => entries.push({ at: ['requests', index], request }));
  (scenario.flow ?? []).forEach((step, index) => entries.push({ at: ['flow', index], request: step }));
  const seen = new Map<string, number>();
  for (const { at, request } of entries) {
    if (!request || typeof request.name !== 'string') continue;
    if (seen.has(request.name)) ctx.addIssue({ code: 'custom', path: [...at, 'name'], message: `duplicate request name "${request.name}"` });
    seen.set(request.name, 0);
  }
  checkReferences(scenario, entries, ctx);

  const endpoints = scenario.slos && typeof scenario.slos === 'object' ? scenario.slos.endpoints : undefined;
  if (endpoints && typeof endpoints === 'object' && entries.length > 0) {
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
