import type { Plan } from '../../scenarios/types.js';
import { meanTargetBetween } from '../mix.js';

/**
 * autocannon has no ramps: a plan becomes a sequence of fixed steps, each run by its own
 * autocannon instance. Constant stages are one step; ramps are cut into short steps at the mean
 * rate (or user count) of each. Pure.
 */
export interface AutocannonStep {
  startS: number;
  durationS: number;
  connections: number;
  /** Requests per second over all connections; absent = as fast as the connections go. */
  rate?: number;
  /** Requests this step sends in all (rated steps); the step ends when they are answered. */
  amount?: number;
}

/** Longest sub-step of a ramp. */
export const RAMP_STEP_S = 2;
/** Requests per second one connection is asked to carry: room for responses up to ~100 ms. */
const RPS_PER_CONNECTION = 10;

export function connectionsForRate(rate: number, maxUsers: number): number {
  return Math.max(1, Math.min(maxUsers, Math.ceil(rate / RPS_PER_CONNECTION), Math.ceil(rate)));
}

export function autocannonSteps(plan: Plan): AutocannonStep[] {
  const steps: AutocannonStep[] = [];
  let from = plan.startTarget;
  let start = 0;
  for (const stage of plan.stages) {
    const constant = Math.abs(stage.target - from) < 1e-9;
    const pieces = constant ? 1 : Math.max(1, Math.ceil(stage.durationS / RAMP_STEP_S));
    const pieceLength = stage.durationS / pieces;
    for (let i = 0; i < pieces; i += 1) {
      const stepStart = start + i * pieceLength;
      const mean = meanTargetBetween(plan, stepStart, stepStart + pieceLength);
      steps.push(stepFor(plan, stepStart, pieceLength, mean));
    }
    start += stage.durationS;
    from = stage.target;
  }
  return steps.filter((step) => step.durationS > 0);
}

function stepFor(plan: Plan, startS: number, durationS: number, meanTarget: number): AutocannonStep {
  if (plan.model === 'open') {
    const rate = Math.max(0, Math.round(meanTarget));
    const amount = Math.round(rate * durationS);
    return { startS, durationS, connections: amount > 0 ? Math.min(connectionsForRate(rate, plan.maxUsers), amount) : 0, rate, amount };
  }
  // Closed model: one connection per user; think time is approximated by capping the rate at
  // users / thinkTime (the response time is not subtracted). autocannon gives each connection
  // a whole number of requests per second, so it never opens more connections than that rate.
  const users = Math.max(0, Math.min(plan.maxUsers, Math.round(meanTarget)));
  if (plan.thinkTimeS > 0 && users > 0) {
    const rate = Math.max(1, Math.round(users / plan.thinkTimeS));
    const amount = Math.round(rate * durationS);
    return { startS, durationS, connections: Math.min(users, rate, Math.max(1, amount)), rate, amount };
  }
  return { startS, durationS, connections: users };
}
