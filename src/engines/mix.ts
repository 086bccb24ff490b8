import type { Plan } from '../scenarios/types.js';
import { requestsForArea, sumRequests, type ImpliedLoad } from './translation.js';

/**
 * Pure helpers every adapter uses to execute a plan the same way: the planned rate at a moment,
 * success statuses, error kinds. (The weighted pick, variables, sign-in, checks and captures are
 * the scenario runtime's: runtime-source.ts.)
 */

/** Target (req/s in the open model, users in the closed) at `t` seconds, ramping linearly. */
export function targetAt(plan: Pick<Plan, 'startTarget' | 'stages'>, t: number): number {
  let from = plan.startTarget;
  let stageStart = 0;
  for (const stage of plan.stages) {
    const stageEnd = stageStart + stage.durationS;
    if (t < stageEnd) {
      if (stage.durationS <= 0) return stage.target;
      const fraction = Math.max(0, (t - stageStart) / stage.durationS);
      return from + (stage.target - from) * fraction;
    }
    from = stage.target;
    stageStart = stageEnd;
  }
  return from;
}

/** Mean of the target over [from, to) (exact for piecewise-linear ramps, by the trapezoid rule). */
export function meanTargetBetween(plan: Pick<Plan, 'startTarget' | 'stages'>, from: number, to: number): number {
  if (to <= from) return targetAt(plan, from);
  const points = [from];
  let edge = 0;
  for (const stage of plan.stages) {
    edge += stage.durationS;
    if (edge > from && edge < to) points.push(edge);
  }
  points.push(to);
  let area = 0;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1] as number;
    const b = points[i] as number;
    area += ((targetAt(plan, a) + targetAt(plan, b - 1e-9)) / 2) * (b - a);
  }
  return area / (to - from);
}

/** Planned request rate over [from, to): the open model's arrival rate; closed: users / (think + 0). */
export function plannedRpsBetween(plan: Plan, from: number, to: number): number | undefined {
  const mean = meanTargetBetween(plan, from, to);
  if (plan.model === 'open') return mean;
  return plan.thinkTimeS > 0 ? mean / plan.thinkTimeS : undefined;
}

/**
 * The plan's own load, stage by stage: the one definition of what was planned. Every engine's
 * translation is checked against it (conformance.test.ts), and the planned figures the engines
 * report come from it.
 */
export function plannedLoad(plan: Plan): ImpliedLoad {
  let from = plan.startTarget;
  const stages = plan.stages.map((stage) => {
    const requests = requestsForArea(plan, (stage.durationS * (from + stage.target)) / 2);
    const planned = { durationS: stage.durationS, startRate: from, endRate: stage.target, ...(requests === undefined ? {} : { requests }) };
    from = stage.target;
    return planned;
  });
  const requests = sumRequests(stages);
  return { model: plan.model, ...(requests === undefined ? {} : { requests }), stages, requestUnit: 1 };
}

/** Requests the whole plan sends (closed model: at most, users / think time); undefined for a closed plan without think time. */
export function plannedRequests(plan: Plan): number | undefined {
  return plannedLoad(plan).requests;
}

/** The planned request rate over the whole plan: what every engine reports as planned in its totals. */
export function plannedRps(plan: Plan): number | undefined {
  const requests = plannedRequests(plan);
  const durationS = plan.stages.reduce((sum, stage) => sum + stage.durationS, 0);
  return requests === undefined || durationS <= 0 ? undefined : requests / durationS;
}

/** Success unless the mix entry lists its own statuses: 2xx and 3xx. */
export function isExpectedStatus(status: number, expect: readonly number[] | undefined): boolean {
  if (expect && expect.length > 0) return expect.includes(status);
  return status >= 200 && status < 400;
}

/** Error kind of a completed response that was not expected, e.g. http_5xx, http_4xx. */
export function httpErrorKind(status: number): string {
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return `http_${status}`;
}

/** Error kind of a request that got no response, from an error code or message. */
export function networkErrorKind(codeOrMessage: string): string {
  const text = codeOrMessage.toLowerCase();
  if (text.includes('timeout') || text.includes('timedout') || text.includes('timed out')) return 'timeout';
  if (text.includes('econnrefused') || text.includes('refused')) return 'econnrefused';
  if (text.includes('econnreset') || text.includes('reset')) return 'econnreset';
  return 'connection_error';
}
