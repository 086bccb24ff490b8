import type { Plan, WorkloadModel } from '../../scenarios/types.js';
import { figure, requestsForArea, seconds, stageLabel, sumRequests, wholeCounts, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';

/**
 * Plan → autocannon steps. Pure. autocannon has no ramps and paces whole requests per second per
 * connection: a plan becomes a sequence of fixed steps, each run by autocannon instances started
 * on the plan's timeline. Constant stages are one step; ramps are cut into short steps at the
 * mean rate (or user count) of each. Rated steps send a fixed number of requests (the plan's own
 * count for the step, rounded with the remainder carried on), so the run sends what was planned.
 */
export interface AutocannonStep {
  /** Index of the plan stage the step belongs to. */
  stage: number;
  startS: number;
  durationS: number;
  connections: number;
  /** Requests per second over all connections (whole); absent = as fast as the connections go. */
  rate?: number;
  /** Requests this step sends in all (rated steps); the step ends when they are answered. */
  amount?: number;
}

export interface AutocannonConfig {
  model: WorkloadModel;
  thinkTimeS: number;
  /** Plan stages, so that stages without steps (0 s) still have their place. */
  stageCount: number;
  steps: AutocannonStep[];
  /** Request timeout in seconds (autocannon's `timeout`). */
  timeoutS: number;
}

/** Longest sub-step of a ramp. */
export const RAMP_STEP_S = 2;
/** Requests per second one connection is asked to carry: room for responses up to ~100 ms. */
const RPS_PER_CONNECTION = 10;
/** Rated steps run as up to this many instances started evenly across a second, so that
 * autocannon's per-second request budget does not fire as one burst at each second. */
export const MAX_STAGGERED_INSTANCES = 10;
/** autocannon refuses a request timeout below 1 s. */
const MIN_TIMEOUT_S = 1;

export function connectionsForRate(rate: number, maxUsers: number): number {
  return Math.max(1, Math.min(maxUsers, Math.ceil(rate / RPS_PER_CONNECTION), Math.ceil(rate)));
}

/** A stretch of a stage at one mean target (req/s or users). */
interface Piece {
  stage: number;
  startS: number;
  durationS: number;
  meanTarget: number;
}

const isRamp = (from: number, to: number): boolean => Math.abs(to - from) >= 1e-9;

function piecesOf(plan: Plan): Piece[] {
  const pieces: Piece[] = [];
  let from = plan.startTarget;
  let start = 0;
  plan.stages.forEach((stage, index) => {
    const count = stage.durationS <= 0 ? 0 : isRamp(from, stage.target) ? Math.max(1, Math.ceil(stage.durationS / RAMP_STEP_S)) : 1;
    const length = stage.durationS / Math.max(1, count);
    for (let i = 0; i < count; i += 1) {
      pieces.push({ stage: index, startS: start + i * length, durationS: length, meanTarget: from + ((stage.target - from) * (i + 0.5)) / count });
    }
    start += stage.durationS;
    from = stage.target;
  });
  return pieces;
}

/** Steps that send `count` requests over a piece: one step at a whole rate, or, below one request
 * a second (autocannon's smallest rate), one step per request spread over the piece. */
function ratedSteps(plan: Plan, piece: Piece, count: number): AutocannonStep[] {
  const { stage, startS, durationS } = piece;
  if (count <= 0) return [{ stage, startS, durationS, connections: 0 }];
  if (count < durationS) {
    const length = durationS / count;
    return Array.from({ length: count }, (_unused, index) => ({ stage, startS: startS + index * length, durationS: length, connections: 1, rate: 1, amount: 1 }));
  }
  const rate = Math.ceil(count / durationS - 1e-9);
  // Closed model: one connection per user, never more than the rate (a connection sends at least one request a second).
  const users = Math.max(1, Math.min(plan.maxUsers, Math.round(piece.meanTarget)));
  const connections = plan.model === 'open' ? connectionsForRate(rate, plan.maxUsers) : Math.min(users, rate);
  return [{ stage, startS, durationS, connections: Math.min(connections, count), rate, amount: count }];
}

export function translateAutocannon(plan: Plan): Translation<AutocannonConfig> {
  const adaptations: string[] = [];
  const pieces = piecesOf(plan);
  const rated = plan.model === 'open' || plan.thinkTimeS > 0;
  let steps: AutocannonStep[];
  if (rated) {
    const counts = wholeCounts(pieces.map((piece) => requestsForArea(plan, piece.meanTarget * piece.durationS) ?? 0));
    steps = pieces.flatMap((piece, index) => ratedSteps(plan, piece, counts[index] as number));
  } else {
    steps = pieces.map(({ stage, startS, durationS, meanTarget }) => ({ stage, startS, durationS, connections: Math.max(0, Math.min(plan.maxUsers, Math.round(meanTarget))) }));
  }

  let previous = plan.startTarget;
  const ramps = plan.stages.flatMap((stage, index) => {
    const ramp = stage.durationS > 0 && isRamp(previous, stage.target);
    previous = stage.target;
    return ramp ? [index] : [];
  });
  if (ramps.length > 0) {
    adaptations.push(`ramps (${ramps.map((index) => stageLabel(plan, index)).join(', ')}) run as steps of at most ${RAMP_STEP_S} s at each step's mean ${plan.model === 'open' ? 'rate' : 'user count'} (autocannon has no ramps)`);
  }
  plan.stages.forEach((stage, index) => {
    const stageSteps = steps.filter((step) => step.stage === index);
    const single = stageSteps.filter((step) => step.amount === 1 && step.durationS > 1);
    if (single.length > 0) {
      adaptations.push(`${stageLabel(plan, index)}: below 1 request a second (autocannon's slowest pace): its ${single.length} requests go one at a time, each at the start of its own step, spread over the stage`);
    }
    if (plan.model === 'open' && !ramps.includes(index) && stage.target >= 1 && !Number.isInteger(stage.target)) {
      adaptations.push(`${stageLabel(plan, index)}: ${figure(stage.target)} req/s is not a whole rate (autocannon paces whole requests a second): the stage sends its planned count at up to ${Math.ceil(stage.target)} req/s`);
    }
  });
  if (plan.model === 'closed' && plan.thinkTimeS > 0) {
    adaptations.push(`closed model: autocannon has no think time; it is approximated by capping each step at users / think time (${seconds(plan.thinkTimeS)}) requests a second (response time not subtracted)`);
  }
  const timeoutS = Math.max(MIN_TIMEOUT_S, plan.requestTimeoutS);
  if (timeoutS !== plan.requestTimeoutS) adaptations.push(`request timeout ${seconds(plan.requestTimeoutS)} raised to ${seconds(timeoutS)} (autocannon's shortest)`);
  return { config: { model: plan.model, thinkTimeS: plan.thinkTimeS, stageCount: plan.stages.length, steps, timeoutS }, adaptations };
}

/** The options of one autocannon instance that shape the load (the adapter adds the URL and requests). */
export interface AutocannonLoadOptions {
  connections: number;
  timeout: number;
  pipelining: 1;
  overallRate?: number;
  amount?: number;
  /** Unrated steps: seconds the connections send back to back. */
  duration?: number;
}

/** One autocannon instance of a step, started `delayS` after the step. */
export interface AutocannonInstancePlan {
  delayS: number;
  options: AutocannonLoadOptions;
}

/** The instances a step runs: rated steps are split over up to MAX_STAGGERED_INSTANCES started
 * 1/n s apart, each with its share of connections, rate and requests. */
export function stepInstances(config: Pick<AutocannonConfig, 'timeoutS'>, step: AutocannonStep): AutocannonInstancePlan[] {
  if (step.connections <= 0 || (step.amount !== undefined && step.amount <= 0)) return [];
  const base = { timeout: config.timeoutS, pipelining: 1 as const };
  if (step.rate === undefined || step.amount === undefined) return [{ delayS: 0, options: { ...base, connections: step.connections, duration: step.durationS } }];
  const { rate, amount } = step;
  const instances = Math.max(1, Math.min(MAX_STAGGERED_INSTANCES, step.connections, amount));
  const share = (total: number, index: number): number => Math.floor(total / instances) + (index < total % instances ? 1 : 0);
  return Array.from({ length: instances }, (_unused, index) => ({
    delayS: index / instances,
    options: { ...base, connections: share(step.connections, index), overallRate: share(rate, index), amount: share(amount, index) },
  })).filter(({ options }) => options.connections > 0 && options.amount > 0);
}

/** The load autocannon sends for this configuration: per stage, its steps' whole requests. */
export function impliedAutocannonLoad(config: AutocannonConfig): ImpliedLoad {
  const rated = config.model === 'open' || config.thinkTimeS > 0;
  // A rated step's pace, as req/s (open) or as the users that pace stands for (closed).
  const perRequestRate = config.model === 'open' ? 1 : config.thinkTimeS;
  const rateOf = (step: AutocannonStep): number => (rated ? ((step.amount ?? 0) / step.durationS) * perRequestRate : step.connections);
  const stages: ImpliedStage[] = Array.from({ length: config.stageCount }, (_unused, index) => {
    const steps = config.steps.filter((step) => step.stage === index);
    const first = steps[0];
    const last = steps[steps.length - 1];
    if (!first || !last) return { durationS: 0, startRate: 0, endRate: 0, requests: 0 };
    return {
      durationS: steps.reduce((sum, step) => sum + step.durationS, 0),
      startRate: rateOf(first),
      endRate: rateOf(last),
      ...(rated ? { requests: steps.reduce((sum, step) => sum + (step.amount ?? 0), 0) } : {}),
      stepS: Math.min(...steps.map((step) => step.durationS)),
    };
  });
  const requests = sumRequests(stages);
  return { model: config.model, ...(requests === undefined ? {} : { requests }), stages, requestUnit: 1 };
}
