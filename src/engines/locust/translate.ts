import type { Plan, PlanRequest, PlanVariable } from '../../scenarios/types.js';
import { planEndGraceS } from '../child-process.js';
import type { DataRow } from '../../scenarios/data-files.js';
import { figure, requestsForArea, stageLabel, sumRequests, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

/**
 * Plan → the configuration embedded in the generated locustfile (locustfile.ts). Pure.
 * Open model: a pool of users takes the plan's arrivals from a schedule that inverts the plan's
 * cumulative request count, so arrival n is due when the plan's area reaches n + 0.5 (the rounded
 * total is sent, ramps followed exactly); arrival n goes to worker n mod workers. Closed model: a
 * LoadTestShape sets the users (whole users, as Locust runs them) and each sleeps the think time
 * after each request (a flow step's own think time, else the scenario's). The scenario language
 * (variables, data files, secrets, the sign-in, flows, captures, checks) runs in the locustfile,
 * ported from the shared runtime; secrets are read there from the environment, never embedded.
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
  /** Every variable of the plan; `env` ones carry the variable's name only (the value is read from the environment). */
  variables: PlanVariable[];
  /** Each user sends `requests` in order (a flow) rather than picks of the weighted mix. */
  flow: boolean;
  /** The sign-in: per user (run by the locustfile) or a pool (run by capacity before the load). */
  auth?: Plan['auth'];
  /** The rows of each data file, by variable name (filled in by the adapter; empty in the pure translation). */
  rows: Record<string, DataRow[]>;
  // What the pool's sign-ins captured (tokens) is no part of it: the master reads them from its
  // environment (tokens.ts pooledEnv) and sends them to the workers, so no file holds them.
}

const REFERENCE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)/g;

/** Names a text or a JSON value refers to with {{name}}. */
function referencedNames(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') for (const match of value.matchAll(REFERENCE)) into.add(match[1] as string);
  else if (Array.isArray(value)) for (const item of value) referencedNames(item, into);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) referencedNames(item, into);
}

/**
 * Variables with a shared counter (sequential or unique data, sequential ranges) that the load
 * itself draws: the workers split these. A pool sign-in runs in capacity before the load, so what
 * only it uses is not among them.
 */
export function workerSplitSources(plan: Plan): string[] {
  const used = new Set<string>();
  const sent = [...plan.requests, ...(plan.auth?.per === 'user' ? [plan.auth.login] : [])];
  referencedNames([plan.headers ?? {}, ...sent.map((request) => [request.path, request.query ?? {}, request.headers ?? {}, request.body ?? {}, request.checks ?? []])], used);
  return (plan.variables ?? [])
    .filter((variable) => used.has(variable.name) && ((variable.kind === 'data' && variable.order !== 'random') || (variable.kind === 'range' && variable.order === 'sequential')))
    .map((variable) => variable.name);
}

const isWhole = (value: number): boolean => Math.abs(value - Math.round(value)) <= 1e-9 * Math.max(1, Math.abs(value));

export function translateLocust(plan: Plan): Translation<LocustConfig> {
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
      variables: plan.variables ?? [],
      flow: plan.flow === true,
      ...(plan.auth ? { auth: plan.auth } : {}),
      rows: {},
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
  if (config.requests.length === 0) return config.flow ? 'no step in the flow' : 'no request in the mix';
  if (!config.flow && !config.requests.some((request) => request.weight > 0)) return 'every request of the mix has weight 0';
  if (config.model === 'closed' && ![config.startTarget, ...config.stages.map((stage) => stage.target)].every((users) => Number.isInteger(users) && users >= 0)) return 'users must be whole';
  if (config.model === 'open' && !(config.openUsers >= 1)) return 'the open model needs at least one user in the pool';
  if (config.stages.some((stage) => !(stage.durationS >= 0))) return 'a stage has a negative duration';
  return undefined;
}
