import type { Plan, PlanRequest, PlanVariable } from '../../scenarios/types.js';
import { planEndGraceS } from '../child-process.js';
import { figure, requestsForArea, stageLabel, sumRequests, translationRefused, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

/**
 * Plan → the configuration embedded in the generated locustfile (locustfile.ts). Pure.
 * Open model: a pool of users takes the plan's arrivals from a schedule that inverts the plan's
 * cumulative request count, so arrival n is due when the plan's area reaches n + 0.5 (the rounded
 * total is sent, ramps followed exactly); arrival n goes to worker n mod workers. Closed model: a
 * LoadTestShape sets the users (whole users, as Locust runs them) and each sleeps the think time
 * after its request.
 */
export interface LocustStage {
  durationS: number;
  /** req/s (open) or whole users (closed) at the end of the stage. */
  target: number;
}

export interface LocustConfig {
  model: Plan['model'];
  startTarget: number;
  stages: LocustStage[];
  thinkTimeS: number;
  /** Open model: users in the pool that sends the arrivals (over all workers). */
  openUsers: number;
  requestTimeoutS: number;
  /** Seconds after the plan's end the workers wait for answers in flight (then counted as in flight). */
  endGraceS: number;
  intervalS: number;
  requests: PlanRequest[];
  /** Headers sent with every request (a request's own win). */
  headers: Record<string, string>;
  /** The variables the mix draws (literal, list, random range, uuid: the kinds the locustfile runs). */
  variables: PlanVariable[];
  /** What each pool sign-in captured (filled in by the adapter; empty in the pure translation). */
  pooled: Array<Record<string, unknown>>;
}

const REFERENCE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)/g;

/** Names a text or a JSON value refers to with {{name}}. */
function referencedNames(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') for (const match of value.matchAll(REFERENCE)) into.add(match[1] as string);
  else if (Array.isArray(value)) for (const item of value) referencedNames(item, into);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) referencedNames(item, into);
}

/**
 * What the locustfile does not run yet, among what the plan's load uses (the pool's sign-in runs
 * in capacity before the load, with the shared runtime, so its own variables do not count).
 */
export function locustUnsupported(plan: Plan): string[] {
  const problems = new Set<string>();
  if (plan.flow) problems.add('user flows');
  if (plan.auth?.per === 'user') problems.add('sign-in per virtual user');
  const used = new Set<string>();
  referencedNames(plan.headers ?? {}, used);
  for (const request of plan.requests) {
    referencedNames([request.path, request.query ?? {}, request.headers ?? {}, request.body ?? {}], used);
    if (request.checks && request.checks.length > 0) problems.add('checks');
    if (request.captures && request.captures.length > 0) problems.add('captures');
  }
  for (const variable of plan.variables ?? []) {
    if (!used.has(variable.name)) continue;
    if (variable.kind === 'data') problems.add('data files');
    if (variable.kind === 'env') problems.add('environment variables (secrets)');
    if (variable.kind === 'range' && variable.order === 'sequential') problems.add('sequential ranges');
  }
  return [...problems];
}

const isWhole = (value: number): boolean => Math.abs(value - Math.round(value)) <= 1e-9 * Math.max(1, Math.abs(value));

export function translateLocust(plan: Plan): Translation<LocustConfig> {
  const unsupported = locustUnsupported(plan);
  if (unsupported.length > 0) {
    throw translationRefused('Locust', `the locustfile does not run ${unsupported.join(', ')} yet`, 'run this scenario with --engine k6, autocannon or artillery (docs/engines.md, "Translation limits")');
  }
  const adaptations: string[] = [];
  const whole = (value: number, where: string): number => {
    if (plan.model === 'open' || isWhole(value)) return value;
    adaptations.push(`${where}: ${figure(value)} users rounded to ${Math.round(value)} (Locust runs whole users)`);
    return Math.round(value);
  };
  const startTarget = whole(plan.startTarget, 'start');
  const stages = plan.stages.map((stage, index) => ({ durationS: stage.durationS, target: whole(stage.target, stageLabel(plan, index)) }));
  return {
    config: {
      model: plan.model,
      startTarget,
      stages,
      thinkTimeS: plan.model === 'closed' ? plan.thinkTimeS : 0,
      openUsers: plan.model === 'open' ? Math.max(1, plan.maxUsers) : 0,
      requestTimeoutS: plan.requestTimeoutS,
      endGraceS: planEndGraceS(plan.requestTimeoutS),
      intervalS: plan.intervalS > 0 ? plan.intervalS : 1,
      requests: plan.requests,
      headers: plan.headers ?? {},
      variables: (plan.variables ?? []).filter((variable) => variable.kind === 'literal' || variable.kind === 'list' || variable.kind === 'range' || variable.kind === 'uuid'),
      pooled: [],
    },
    adaptations,
  };
}

/** The load the locustfile sends for this configuration: the stages' lines, read back. */
export function impliedLocustLoad(config: LocustConfig): ImpliedLoad {
  let from = config.startTarget;
  const shape = { model: config.model, thinkTimeS: config.thinkTimeS };
  const stages: ImpliedStage[] = config.stages.map((stage) => {
    const requests = requestsForArea(shape, (stage.durationS * (from + stage.target)) / 2);
    const implied = { durationS: stage.durationS, startRate: from, endRate: stage.target, ...(requests === undefined ? {} : { requests }) };
    from = stage.target;
    return implied;
  });
  const requests = sumRequests(stages);
  return { model: config.model, ...(requests === undefined ? {} : { requests }), stages, requestUnit: 1 };
}

/** Refuses what the locustfile cannot express; undefined when the configuration is runnable. */
export function locustConfigProblem(config: LocustConfig): string | undefined {
  if (config.requests.length === 0) return 'no request in the mix';
  if (!config.requests.some((request) => request.weight > 0)) return 'every request of the mix has weight 0';
  if (config.model === 'closed' && ![config.startTarget, ...config.stages.map((stage) => stage.target)].every((users) => Number.isInteger(users) && users >= 0)) return 'users must be whole';
  if (config.model === 'open' && !(config.openUsers >= 1)) return 'the open model needs at least one user in the pool';
  if (config.stages.some((stage) => !(stage.durationS >= 0))) return 'a stage has a negative duration';
  return undefined;
}
