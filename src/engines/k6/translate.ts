import type { Plan } from '../../scenarios/types.js';
import { requestsForArea, seconds, figure, stageLabel, sumRequests, wholeCounts, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

/**
 * Plan → the k6 scenario the bundled script (scripts/capacity.js) runs, as k6's own options
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
  const targets = [plan.startTarget, ...plan.stages.map((stage) => stage.target)];
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
  let from = (open ? scenario.startRate : scenario.startVUs) / unit;
  const closed = { model: 'closed' as const, thinkTimeS: config.thinkTimeS };
  const stages: ImpliedStage[] = scenario.stages.map((stage) => {
    const durationS = k6Seconds(stage.duration);
    const to = stage.target / unit;
    const requests = requestsForArea(open ? { model: 'open', thinkTimeS: 0 } : closed, (durationS * (from + to)) / 2);
    const implied = { durationS, startRate: from, endRate: to, ...(requests === undefined ? {} : { requests }) };
    from = to;
    return implied;
  });
  const requests = sumRequests(stages);
  return { model: open ? 'open' : 'closed', ...(requests === undefined ? {} : { requests }), stages, requestUnit: 1 };
}
