import type { DataRow } from '../../scenarios/data-files.js';
import type { Plan } from '../../scenarios/types.js';
import { RUNTIME_SOURCE } from '../runtime-source.js';
import { runtimeConfig, secretNames } from '../runtime.js';
import { K6_CHECK_METRIC } from './csv-stream.js';
import { requestsForArea, seconds, figure, stageLabel, sumRequests, wholeCounts, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

/**
 * Plan → the k6 scenario the generated script (k6ScriptText below) runs, as k6's own options
 * object. Pure. k6 follows ramps exactly (ramping-arrival-rate, ramping-vus); what it cannot take
 * as is: rates that are not whole iterations per time unit, durations below a millisecond (we
 * write milliseconds), and fractions of a virtual user.
 */

export interface K6Stage {
  /** Milliseconds, as k6 reads durations: "4286ms". */
  duration: string;
  /** Iterations per `timeUnit` (open) or virtual users (closed): k6 takes whole numbers. */
  target: number;
}

export interface K6ArrivalRateScenario {
  executor: 'ramping-arrival-rate';
  startRate: number;
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: K6Stage[];
}

export interface K6VusScenario {
  executor: 'ramping-vus';
  startVUs: number;
  stages: K6Stage[];
  gracefulRampDown: string;
}

export interface K6Config {
  /** `options.scenarios.main` of the script. */
  scenario: K6ArrivalRateScenario | K6VusScenario;
  /** The script sleeps this long after each request (closed model). */
  thinkTimeS: number;
  /** Requests one iteration sends (a flow's pass in the open model); absent = 1. */
  requestsPerIteration?: number;
}

/** Time units tried in turn, in seconds: the first that keeps every rate a whole number of
 * iterations wins (per minute keeps rates below 1 req/s exact, per 1000 s three decimals). */
const TIME_UNITS_S = [1, 60, 1000];
const EXACT = 1e-9;

const isWhole = (value: number): boolean => Math.abs(value - Math.round(value)) <= EXACT * Math.max(1, Math.abs(value));

function timeUnitFor(rates: readonly number[]): number {
  return TIME_UNITS_S.find((unit) => rates.every((rate) => isWhole(rate * unit))) ?? (TIME_UNITS_S[TIME_UNITS_S.length - 1] as number);
}

export function translateK6(plan: Plan): Translation<K6Config> {
  const adaptations: string[] = [];
  const durationsMs = wholeCounts(plan.stages.map((stage) => stage.durationS * 1000));
  durationsMs.forEach((ms, index) => {
    const planned = plan.stages[index]?.durationS ?? 0;
    if (Math.abs(ms / 1000 - planned) > EXACT) adaptations.push(`${stageLabel(plan, index)}: ${planned} s rounded to ${seconds(ms / 1000)} (k6 durations are written in whole milliseconds)`);
  });
  // Open model: k6 starts iterations; a flow's iteration is a whole pass of its requests.
  const perIteration = plan.model === 'open' ? requestsPerIteration(plan) : 1;
  const targets = [plan.startTarget, ...plan.stages.map((stage) => stage.target)].map((target) => target / perIteration);
  const unit = plan.model === 'open' ? timeUnitFor(targets) : 1;
  const scaled = targets.map((target) => Math.round(target * unit));
  scaled.forEach((value, index) => {
    const planned = targets[index] as number;
    if (isWhole(planned * unit)) return;
    const where = index === 0 ? 'start' : stageLabel(plan, index - 1);
    adaptations.push(
      plan.model === 'open'
        ? `${where}: ${figure(planned)} req/s rounded to ${figure(value / unit)} (k6 takes whole iterations per time unit, ${unit} s here)`
        : `${where}: ${figure(planned)} users rounded to ${value} (k6 runs whole virtual users)`,
    );
  });
  const stages = plan.stages.map((_stage, index) => ({ duration: `${durationsMs[index] as number}ms`, target: scaled[index + 1] as number }));
  if (perIteration > 1) adaptations.push(`flow: each k6 iteration is one pass of ${perIteration} requests; iterations start at the planned req/s / ${perIteration}`);
  const counted = (plan.variables ?? []).filter((variable) => (variable.kind === 'data' && variable.order !== 'random') || (variable.kind === 'range' && variable.order === 'sequential'));
  if (counted.length > 0) {
    adaptations.push(`${counted.map((variable) => variable.name).join(', ')}: k6's virtual users share no counter, so each takes every n-th row from its own offset (n = its virtual-user slots): unique across users, in file order within each user`);
  }
  if (plan.model === 'open') {
    const preAllocatedVUs = Math.max(2, Math.min(plan.maxUsers, Math.ceil(plan.peakTarget / 10)));
    return {
      config: {
        scenario: {
          executor: 'ramping-arrival-rate',
          startRate: scaled[0] as number,
          timeUnit: `${unit}s`,
          preAllocatedVUs,
          maxVUs: Math.max(preAllocatedVUs, plan.maxUsers),
          stages,
        },
        thinkTimeS: 0,
        ...(perIteration > 1 ? { requestsPerIteration: perIteration } : {}),
      },
      adaptations,
    };
  }
  return {
    config: { scenario: { executor: 'ramping-vus', startVUs: scaled[0] as number, stages, gracefulRampDown: '5s' }, thinkTimeS: plan.thinkTimeS },
    adaptations,
  };
}

/** Seconds of a duration as translateK6 writes them ("4286ms", "60s"). */
export function k6Seconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!match) throw new Error(`not a k6 duration written by capacity: ${text}`);
  return Number(match[1]) / (match[2] === 'ms' ? 1000 : 1);
}

/** The load k6 sends for this configuration: its stages ramp linearly, like the plan's. */
export function impliedK6Load(config: K6Config): ImpliedLoad {
  const { scenario } = config;
  const open = scenario.executor === 'ramping-arrival-rate';
  const unit = open ? k6Seconds(scenario.timeUnit) : 1;
  const perIteration = config.requestsPerIteration ?? 1;
  let from = ((open ? scenario.startRate : scenario.startVUs) / unit) * (open ? perIteration : 1);
  const closed = { model: 'closed' as const, thinkTimeS: config.thinkTimeS };
  const stages: ImpliedStage[] = scenario.stages.map((stage) => {
    const durationS = k6Seconds(stage.duration);
    const to = (stage.target / unit) * (open ? perIteration : 1);
    const requests = requestsForArea(open ? { model: 'open', thinkTimeS: 0 } : closed, (durationS * (from + to)) / 2);
    const implied = { durationS, startRate: from, endRate: to, ...(requests === undefined ? {} : { requests }) };
    from = to;
    return implied;
  });
  const requests = sumRequests(stages);
  return { model: open ? 'open' : 'closed', ...(requests === undefined ? {} : { requests }), stages, requestUnit: 1 };
}

/** Requests one k6 iteration sends: one of the mix, or a whole pass through the flow. */
export function requestsPerIteration(plan: Pick<Plan, 'flow' | 'requests'>): number {
  return plan.flow ? Math.max(1, plan.requests.length) : 1;
}

/** What the generated script reads from CAPACITY_PLAN_FILE: the plan, k6's scenario, the runtime's data. Secrets are named only. */
export function k6PlanFile(plan: Plan, k6: K6Config, rows: Record<string, DataRow[]>): Record<string, unknown> {
  const { env: _none, ...runtime } = runtimeConfig(plan, rows, {});
  const scenario = k6.scenario;
  const vuSlots = scenario.executor === 'ramping-arrival-rate' ? scenario.maxVUs : Math.max(1, scenario.startVUs, ...scenario.stages.map((stage) => stage.target));
  return { plan, k6, runtime, secretNames: secretNames(plan), vuSlots };
}

/**
 * The k6 script: the scenario runtime every engine shares (runtime-source.ts) and a driver in
 * plain JavaScript for k6's runtime. Iterations: one request of the mix, or one pass through the
 * flow (a virtual user signs in first when auth.per is user, and again once after a 401); the pool
 * signs in in setup(). Failed checks and captures add to the capacity_check_failures counter
 * (name-tagged), which the adapter counts as errors of kind check. Sequential and unique sources
 * count per virtual user, striped by its number (index n of VU v is n x slots + v): unique across
 * users without shared state.
 */
export function k6ScriptText(): string {
  return `// Generated by capacity (src/engines/k6/translate.ts): runs a capacity plan given as data
// (CAPACITY_PLAN_FILE). Plain JavaScript for k6's runtime (not Node).
import http from 'k6/http';
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
${RUNTIME_SOURCE}
const input = JSON.parse(open(__ENV.CAPACITY_PLAN_FILE));
const plan = input.plan;
const summaryFile = __ENV.CAPACITY_SUMMARY_FILE;
const baseUrl = plan.baseUrl.replace(/\\/$/, '');
const timeout = plan.requestTimeoutS + 's';
const checkFailures = new Counter(${JSON.stringify(K6_CHECK_METRIC)});
const rowsOut = new Counter('capacity_rows_exhausted');
// Secrets come from k6's environment (capacity passes them to the process), never from a file.
const env = {};
for (const name of input.secretNames) if (__ENV[name] !== undefined) env[name] = __ENV[name];
const slots = Math.max(1, input.vuSlots);
const counters = {};
function striped(name) {
  const n = counters[name] || 0;
  counters[name] = n + 1;
  const vu = exec.vu.idInTest > 0 ? exec.vu.idInTest - 1 : 0;
  return n * slots + (vu % slots);
}
const runtime = capacityRuntime(Object.assign({}, input.runtime, { env: env }), { random: Math.random, next: striped });
const auth = input.runtime.auth;
const readsBodies = input.runtime.requests.concat(auth ? [auth.login] : []).some((r) => (r.checks && r.checks.length > 0) || (r.captures && r.captures.length > 0));

const LATENCY = { p50: 'med', p90: 'p(90)', p95: 'p(95)', p99: 'p(99)' };
function thresholds() {
  const out = {};
  const add = (metric, expression) => {
    out[metric] = (out[metric] || []).concat([expression]);
  };
  for (const slo of plan.slos) {
    const tag = slo.endpoint ? '{name:' + slo.endpoint + '}' : '';
    if (LATENCY[slo.metric]) add('http_req_duration' + tag, LATENCY[slo.metric] + '<' + slo.threshold);
    else if (slo.metric === 'errorRate') add('http_req_failed' + tag, 'rate<=' + slo.threshold);
    else if (slo.metric === 'minRps') add('http_reqs' + tag, 'rate>=' + slo.threshold);
  }
  return out;
}

export const options = {
  scenarios: { main: input.k6.scenario },
  thresholds: thresholds(),
  discardResponseBodies: !readsBodies,
  systemTags: ['status', 'method', 'name', 'expected_response', 'error_code', 'scenario'],
  summaryTrendStats: ['min', 'avg', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
};

const callbacks = {};
for (const request of input.runtime.requests.concat(auth ? [auth.login] : [])) {
  if (request.expectStatus && request.expectStatus.length > 0) callbacks[request.name] = http.expectedStatuses.apply(null, request.expectStatus);
}

function header(response, name) {
  const lower = name.toLowerCase();
  for (const key of Object.keys(response.headers)) if (key.toLowerCase() === lower) return response.headers[key];
  return undefined;
}

function send(user, request) {
  const built = runtime.build(user, request);
  const params = { headers: built.headers, tags: { name: built.name }, timeout: timeout };
  if (readsBodies) params.responseType = 'text';
  if (callbacks[request.name]) params.responseCallback = callbacks[request.name];
  const response = http.request(built.method, baseUrl + built.path, built.body === undefined ? null : built.body, params);
  const outcome = runtime.receive(user, request, response.status, (name) => header(response, name), typeof response.body === 'string' ? response.body : '');
  if (!outcome.ok && outcome.kind === 'check') checkFailures.add(1, { name: built.name });
  return outcome;
}

// The pool (auth.per: pool) signs in once, in setup(), before the load; a failed sign-in stops the
// test before the load: the adapter finds this line in k6's log and exits 4 (encoded fields: no
// spaces or quotes for k6's log escaping to change).
export function setup() {
  if (!auth || auth.per !== 'pool') return { pooled: [] };
  const size = Math.max(1, Math.min(plan.maxUsers, auth.poolSize));
  const pooled = [];
  for (let i = 0; i < size; i += 1) {
    const user = runtime.newUser();
    const built = runtime.build(user, auth.login);
    const response = http.request(built.method, baseUrl + built.path, built.body === undefined ? null : built.body, { headers: built.headers, tags: { name: built.name }, timeout: timeout, responseType: 'text' });
    const outcome = runtime.receive(user, auth.login, response.status, (name) => header(response, name), typeof response.body === 'string' ? response.body : '');
    if (!outcome.ok) {
      const line = String(response.body || response.error || outcome.problem || '').split(/\\r?\\n/).find((text) => text.trim().length > 0) || '';
      throw new Error('CAPACITY_SIGNIN_FAILED status=' + response.status + ' url=' + encodeURIComponent(baseUrl + built.path) + ' sample=' + encodeURIComponent(line.slice(0, 200)));
    }
    pooled.push(Object.assign({}, user.captured));
  }
  return { pooled: pooled };
}

let user;
export default function (data) {
  if (!user) {
    user = runtime.newUser();
    const pooled = data && data.pooled ? data.pooled : [];
    if (pooled.length > 0) Object.assign(user.captured, pooled[(exec.vu.idInTest - 1) % pooled.length]);
  }
  const closed = input.k6.thinkTimeS > 0 || plan.model === 'closed';
  try {
    // One request of the mix, or a whole pass through the flow; a sign-in before either as
    // needed. Bounded: a sign-in that keeps failing does not hold the iteration forever.
    const steps = input.runtime.flow ? input.runtime.requests.length : 1;
    const start = user.step;
    for (let sent = 0; sent < steps + 2; sent += 1) {
      const request = runtime.next(user);
      send(user, request);
      const pause = runtime.thinkAfter(request);
      if (closed && pause > 0) sleep(pause);
      const isLogin = auth && request === auth.login;
      if (!isLogin && (!input.runtime.flow || user.step - start >= steps)) break;
    }
  } catch (error) {
    if (!error || !error.capacityExhausted) throw error;
    rowsOut.add(1, { source: error.capacityExhausted });
    if (closed) sleep(1);
  }
}

// k6 hands handleSummary what setup() returned (setup_data: the pool's tokens): kept out of the file.
export function handleSummary(data) {
  const kept = Object.assign({}, data);
  delete kept.setup_data;
  const out = {};
  out[summaryFile] = JSON.stringify(kept);
  return out;
}
`;
}

/** Iterations the generated script found no unique row for (its capacity_rows_exhausted counter in k6's summary). */
export function k6RowsExhausted(summaryText: string | undefined): number {
  if (summaryText === undefined) return 0;
  try {
    const summary = JSON.parse(summaryText) as { metrics?: Record<string, { values?: { count?: unknown } }> };
    const count = summary.metrics?.['capacity_rows_exhausted']?.values?.count;
    return typeof count === 'number' ? count : 0;
  } catch {
    return 0;
  }
}
