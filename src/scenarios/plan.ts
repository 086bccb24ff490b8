import { LineCounter, parseDocument } from 'yaml';
import { badInput } from '../core/errors.js';
import { describeAliasCycle, findAliasCycles, formatFieldPath, MAX_ALIAS_COUNT, problemsFromIssues, scenarioErrorMap } from './load.js';
import { DEFAULT_MAX_ERROR_RATE, Scenario, SCENARIO_LIMITS, type ScenarioSloSet } from './schema.js';
import type { Plan, PlanBody, PlanCapture, PlanCheck, PlanRequest, PlanSlo, PlanVariable } from './types.js';

/**
 * Scenario + overrides + target → Plan. Pure: no files, clocks or processes, so `capacity plan`
 * prints exactly what `capacity run` executes, and tests use plain values.
 */

export interface ScenarioOverrides {
  /** Open model: scale every stage so the peak arrival rate is this (req/s). */
  rps?: number;
  /** Closed model: scale every stage so the peak is this many users. Both models: the cap on users. */
  users?: number;
  /** Stretch or shrink every stage (and the failover times) so the run lasts this long. */
  durationS?: number;
  /**
   * `key.path=value` assignments on the scenario, e.g. `stages.1.target=500`, `slos.p95Ms=150`.
   * Stages count from 1, as `capacity plan` numbers them (stages.1 is the first); other lists from 0.
   */
  set?: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Assignment {
  raw: string;
  path: Array<string | number>;
  value: Json;
}

function parseAssignment(raw: string): Assignment {
  const equals = raw.indexOf('=');
  if (equals <= 0) throw badInput(`--set ${raw}: expected key=value, e.g. --set stages.1.target=500`);
  const key = raw.slice(0, equals).trim();
  const text = raw.slice(equals + 1);
  const segments = key.split('.');
  if (segments.some((segment) => segment === '')) throw badInput(`--set ${raw}: empty segment in "${key}"`);
  const path: Array<string | number> = segments.map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  if (path[0] === 'stages' && typeof path[1] === 'number') {
    // Stage numbers are 1-based on the command line, as `capacity plan` prints them.
    if (path[1] === 0) throw badInput(`--set ${raw}: stages count from 1 (stages.1 is the first stage, as \`capacity plan\` numbers them)`);
    path[1] -= 1;
  }
  return { raw, path, value: parseValue(raw, text) };
}

/** YAML scalars: 500 is a number, true a boolean, 30s a string, [1, 9] a list; text that is not YAML stays text. */
function parseValue(raw: string, text: string): Json {
  if (text.trim() === '') return '';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) return text;
  // `--set 'requests.0.body=&a [*a]'` would build a circular value: refuse it like the loader does.
  const [cycle] = findAliasCycles(doc, lineCounter);
  if (cycle) throw badInput(`--set ${raw}: ${describeAliasCycle(cycle)}`);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Json;
  } catch (error) {
    throw badInput(`--set ${raw}: the value could not be expanded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function applyAssignment(root: Record<string, unknown>, assignment: Assignment): void {
  let node: unknown = root;
  const { path: keys } = assignment;
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string | number;
    const last = index === keys.length - 1;
    if (Array.isArray(node)) {
      if (typeof key !== 'number' || key > node.length) {
        const stages = index === 1 && keys[0] === 'stages';
        throw badInput(
          stages
            ? `--set ${assignment.raw}: the scenario has ${node.length} stage(s): use a stage number from 1 to ${node.length + 1} (${node.length + 1} adds one)`
            : `--set ${assignment.raw}: ${formatFieldPath(keys.slice(0, index))} is a list of ${node.length}: use an index from 0 to ${node.length}`,
        );
      }
      if (last) node[key] = assignment.value;
      else {
        if (node[key] === undefined) node[key] = typeof keys[index + 1] === 'number' ? [] : {};
        node = node[key];
      }
    } else if (isRecord(node)) {
      const name = String(key);
      if (last) node[name] = assignment.value;
      else {
        if (node[name] === undefined || node[name] === null) node[name] = typeof keys[index + 1] === 'number' ? [] : {};
        node = node[name];
      }
    } else {
      throw badInput(`--set ${assignment.raw}: ${formatFieldPath(keys.slice(0, index))} is a value, not a mapping or a list`);
    }
  }
}

function startsWith(full: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>): boolean {
  return prefix.every((key, index) => String(full[index]) === String(key));
}

/** Validates again after overrides; problems name the override that caused them. */
function revalidate(candidate: unknown, assignments: Assignment[], cause: string): Scenario {
  const parsed = Scenario.safeParse(candidate, { error: scenarioErrorMap });
  if (parsed.success) return parsed.data;
  const details = problemsFromIssues(parsed.error.issues).map((problem) => {
    const culprit = assignments.find((assignment) => startsWith(problem.path, assignment.path) || startsWith(assignment.path, problem.path));
    return `${culprit ? `--set ${culprit.raw}` : cause} → ${formatFieldPath(problem.path)}: ${problem.message}`;
  });
  throw badInput('the scenario is not valid after the overrides', details, 'check the --set/--rps/--users/--duration values');
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function peakOf(scenario: Scenario): number {
  return Math.max(scenario.startTarget, ...scenario.stages.map((stage) => stage.target));
}

function totalOf(scenario: Scenario): number {
  return scenario.stages.reduce((sum, stage) => sum + stage.duration, 0);
}

/** A flag's value: a number > 0 and within the scenario's bounds (SCENARIO_LIMITS, the schema's own). */
function checkFlag(flag: string, value: number | undefined, limit: number, unit: string, hint: string): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value > 0)) throw badInput(`${flag} must be a number > 0 (got ${value})`);
  if (value > limit) throw badInput(`${flag} must be at most ${limit.toLocaleString('en-US')} ${unit} (got ${value})`, [], hint);
}

/** Applies --set, --rps, --users and --duration to a validated scenario, validating after each step. */
export function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides = {}): Scenario {
  const split = 'that is the per-run limit (docs/scenarios.md, "Limits"); split a bigger load over several generators';
  checkFlag('--rps', overrides.rps, SCENARIO_LIMITS.ratePerSecond, 'req/s', split);
  checkFlag('--users', overrides.users, SCENARIO_LIMITS.users, 'users', split);
  checkFlag('--duration', overrides.durationS, SCENARIO_LIMITS.durationS, 's (7 days)', 'a run lasts at most 7 days; run several shorter ones');
  const assignments = (overrides.set ?? []).map(parseAssignment);
  let current = scenario;
  if (assignments.length > 0) {
    const copy = structuredClone(scenario) as unknown as Record<string, unknown>;
    for (const assignment of assignments) applyAssignment(copy, assignment);
    current = revalidate(copy, assignments, '--set');
  }

  const next = structuredClone(current);
  const flags: string[] = [];
  if (overrides.rps !== undefined) {
    if (next.model !== 'open') {
      throw badInput(`--rps applies to open-model scenarios; ${scenario.name} is closed (users with think time)`, [], 'use --users to scale a closed scenario');
    }
    const factor = overrides.rps / peakOf(next);
    next.startTarget = round(next.startTarget * factor, 3);
    for (const stage of next.stages) stage.target = round(stage.target * factor, 3);
    flags.push(`--rps ${overrides.rps}`);
  }
  if (overrides.users !== undefined) {
    const users = Math.round(overrides.users);
    if (next.model === 'closed') {
      const factor = users / peakOf(next);
      next.startTarget = Math.round(next.startTarget * factor);
      for (const stage of next.stages) stage.target = stage.target > 0 ? Math.max(1, Math.round(stage.target * factor)) : 0;
    }
    next.maxUsers = Math.max(1, users);
    flags.push(`--users ${overrides.users}`);
  }
  if (overrides.durationS !== undefined) {
    const factor = overrides.durationS / totalOf(next);
    for (const stage of next.stages) stage.duration = round(stage.duration * factor, 3);
    if (next.failover) {
      next.failover.at = round(next.failover.at * factor, 3);
      next.failover.restoreAt = round(next.failover.restoreAt * factor, 3);
    }
    flags.push(`--duration ${overrides.durationS}s`);
  }
  return flags.length === 0 ? current : revalidate(next, [], flags.join(' '));
}

function sloName(metric: PlanSlo['metric'], threshold: number, endpoint?: string): string {
  const subject = endpoint ? `${endpoint} ` : '';
  if (metric === 'errorRate') return `${subject}error rate <= ${round(threshold * 100, 4)} %`;
  if (metric === 'minRps') return `${subject}throughput >= ${threshold} req/s`;
  return `${subject}${metric} <= ${threshold} ms`;
}

/** The scenario's objectives; the default error-rate one when no global errorRate is stated, none for `slos: none`. */
function planSlos(slos: Scenario['slos']): PlanSlo[] {
  if (slos === 'none') return [];
  const { endpoints, ...global } = slos;
  const stated = [...slosOf(global), ...Object.entries(endpoints).flatMap(([name, set]) => slosOf(set, name))];
  if (global.errorRate !== undefined) return stated;
  const threshold = DEFAULT_MAX_ERROR_RATE;
  return [...stated, { name: `${sloName('errorRate', threshold)} (default)`, metric: 'errorRate', threshold, default: true }];
}

function slosOf(set: ScenarioSloSet, endpoint?: string): PlanSlo[] {
  const entries: Array<[PlanSlo['metric'], number | undefined]> = [
    ['p50', set.p50Ms],
    ['p90', set.p90Ms],
    ['p95', set.p95Ms],
    ['p99', set.p99Ms],
    ['errorRate', set.errorRate],
    ['minRps', set.minRps],
  ];
  const slos: PlanSlo[] = [];
  for (const [metric, threshold] of entries) {
    if (threshold === undefined) continue;
    slos.push({ name: sloName(metric, threshold, endpoint), metric, threshold, ...(endpoint ? { endpoint } : {}) });
  }
  return slos;
}

type ScenarioEntry = NonNullable<Scenario['flow']>[number] | NonNullable<Scenario['requests']>[number] | NonNullable<Scenario['auth']>['login'];

const asText = (value: string | number | boolean): string => String(value);

function planRequest(entry: ScenarioEntry, weight: number, thinkTimeS?: number): PlanRequest {
  const body: PlanBody | undefined =
    entry.body === undefined
      ? undefined
      : 'json' in entry.body
        ? { json: entry.body.json }
        : 'form' in entry.body
          ? { form: Object.fromEntries(Object.entries(entry.body.form).map(([key, value]) => [key, asText(value)])) }
          : { raw: entry.body.raw, contentType: entry.body.contentType };
  const checks: PlanCheck[] | undefined = entry.checks?.map((check) => {
    if ('status' in check) return { status: Array.isArray(check.status) ? check.status : [check.status] };
    if ('jsonPath' in check) return { jsonPath: check.jsonPath, exists: check.exists ?? true, ...(check.equals === undefined ? {} : { equals: check.equals }) };
    return { bodyContains: check.bodyContains };
  });
  const captures: PlanCapture[] | undefined = entry.capture ? Object.entries(entry.capture).map(([variable, from]) => ({ variable, ...from })) : undefined;
  return {
    name: entry.name,
    method: entry.method,
    path: entry.path,
    weight,
    ...(entry.query ? { query: Object.fromEntries(Object.entries(entry.query).map(([key, value]) => [key, asText(value)])) } : {}),
    ...(entry.headers && Object.keys(entry.headers).length > 0 ? { headers: entry.headers } : {}),
    ...(body ? { body } : {}),
    ...(entry.expectStatus ? { expectStatus: entry.expectStatus } : {}),
    ...(checks && checks.length > 0 ? { checks } : {}),
    ...(captures && captures.length > 0 ? { captures } : {}),
    ...(thinkTimeS === undefined ? {} : { thinkTimeS }),
  };
}

/** Variables as the plan carries them. Data files: the path as the loader resolved it (absolute); engines read the rows at run time. */
function planVariables(variables: Scenario['variables']): PlanVariable[] {
  return Object.entries(variables).map(([name, source]): PlanVariable => {
    if (typeof source !== 'object') return { name, kind: 'literal', value: source };
    if ('list' in source) return { name, kind: 'list', values: source.list };
    if ('range' in source) return { name, kind: 'range', low: source.range[0], high: source.range[1], order: source.order };
    if ('uuid' in source) return { name, kind: 'uuid' };
    if ('env' in source) return { name, kind: 'env', env: source.env };
    const format = 'csv' in source ? 'csv' : 'json';
    const file = 'csv' in source ? source.csv : source.json;
    return { name, kind: 'data', format, file, order: source.order };
  });
}

/** The plan an engine executes: durations in seconds, SLOs flattened, data ranges resolved. */
export function planFromScenario(scenario: Scenario, baseUrl: string): Plan {
  const plan: Plan = {
    scenario: scenario.name,
    model: scenario.model,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    startTarget: scenario.startTarget,
    stages: scenario.stages.map((stage) => ({ ...(stage.name ? { name: stage.name } : {}), durationS: stage.duration, target: stage.target })),
    // Flows: the mean pause between a user's requests over one pass (each step keeps its own).
    thinkTimeS: scenario.flow ? round(scenario.flow.reduce((sum, step) => sum + (step.think ?? scenario.thinkTime), 0) / scenario.flow.length, 6) : scenario.thinkTime,
    maxUsers: scenario.maxUsers,
    requestTimeoutS: scenario.requestTimeout,
    intervalS: scenario.interval,
    requests: scenario.flow ? scenario.flow.map((step) => planRequest(step, 1, step.think ?? scenario.thinkTime)) : (scenario.requests ?? []).map((request) => planRequest(request, request.weight)),
    ...(scenario.flow ? { flow: true } : {}),
    ...(scenario.target.headers && Object.keys(scenario.target.headers).length > 0 ? { headers: scenario.target.headers } : {}),
    ...(Object.keys(scenario.variables).length > 0 ? { variables: planVariables(scenario.variables) } : {}),
    ...(scenario.auth ? { auth: { login: planRequest(scenario.auth.login, 1), per: scenario.auth.per, poolSize: scenario.auth.poolSize } } : {}),
    planVersion: 2,
    slos: planSlos(scenario.slos),
    totalDurationS: round(totalOf(scenario), 3),
    peakTarget: peakOf(scenario),
  };
  if (scenario.failover) {
    plan.failover = { atS: scenario.failover.at, restoreAtS: scenario.failover.restoreAt, instance: scenario.failover.instance };
  }
  return plan;
}

export interface BuiltPlan {
  plan: Plan;
  /** The scenario as run, after overrides (stored in RunResult.scenario.definition). */
  scenario: Scenario;
}

export function buildPlan(scenario: Scenario, options: { baseUrl: string; overrides?: ScenarioOverrides }): BuiltPlan {
  const effective = applyOverrides(scenario, options.overrides);
  return { plan: planFromScenario(effective, options.baseUrl), scenario: effective };
}
