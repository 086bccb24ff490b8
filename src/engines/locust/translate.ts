import type { Plan, PlanData, PlanRequest } from '../../scenarios/types.js';
import { figure, requestsForArea, stageLabel, sumRequests, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

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
  intervalS: number;
  requests: PlanRequest[];
  data: PlanData;
  /** Access tokens signed in before the load (filled in by the adapter; empty in the pure translation). */
  tokens: string[];
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
      intervalS: plan.intervalS > 0 ? plan.intervalS : 1,
      requests: plan.requests,
      data: plan.data,
      tokens: [],
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
