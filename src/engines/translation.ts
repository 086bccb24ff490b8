import { badInput, type CapacityError } from '../core/errors.js';
import type { Plan, WorkloadModel } from '../scenarios/types.js';

/**
 * The contract between a plan and an engine. Each adapter has one pure `translate(plan)` that
 * turns the plan into the engine's own configuration, saying what it had to change to fit the
 * engine (adaptations) or refusing with exit 2 when the engine cannot run it; and one pure
 * `implied…Load(config)` that reads back, from that configuration alone, the load the engine
 * will send. The conformance suite (conformance.test.ts) checks the second against the plan's
 * own load (`plannedLoad` in mix.ts) for generated plans.
 */

export interface Translation<C> {
  config: C;
  /** Each change made so the engine can run the plan, one sentence each; empty when it fits as is. */
  adaptations: string[];
}

export interface ImpliedStage {
  durationS: number;
  /** req/s (open model) or users (closed) at the start and the end of the stage. */
  startRate: number;
  endRate: number;
  /** Requests the stage sends (closed model: at most, users / think time). Absent when the closed
   * model has no think time: the users then send as fast as responses come back. */
  requests?: number;
  /** Set when the engine holds the rate constant over steps (shortest one this long, in seconds),
   * each a whole number of requests: start and end rates are those of the first and last step. */
  stepS?: number;
}

export interface ImpliedLoad {
  model: WorkloadModel;
  requests?: number;
  /** One entry per plan stage, in order. */
  stages: ImpliedStage[];
  /** Requests the engine schedules as one unit (an Artillery virtual user sends several). */
  requestUnit: number;
}

/** "stage 2 (steady)": how adaptations and refusals name a stage (1-based, as `capacity plan` prints them). */
export function stageLabel(plan: Pick<Plan, 'stages'>, index: number): string {
  const name = plan.stages[index]?.name;
  return `stage ${index + 1}${name ? ` (${name})` : ''}`;
}

/** An engine that cannot run the plan: exit 2 before anything starts, naming the stage and the limit. */
export function translationRefused(engine: string, problem: string, hint: string): CapacityError {
  return badInput(`${engine} cannot run this plan: ${problem}`, [], hint);
}

/**
 * Whole numbers whose running sums are the rounded running sums of `values`: each one is within
 * 1 of its value and the total within 0.5 of theirs, so rounding never drifts over many stages.
 */
export function wholeCounts(values: readonly number[]): number[] {
  let exact = 0;
  let whole = 0;
  return values.map((value) => {
    exact += value;
    const next = Math.round(exact);
    const count = next - whole;
    whole = next;
    return count;
  });
}

/** Seconds as adaptations print them: up to 3 decimals ("4.286 s"). */
export function seconds(value: number): string {
  return `${Number(value.toFixed(3))} s`;
}

/** A rate or count as adaptations print them: up to 3 decimals, thousands separated. */
export function figure(value: number): string {
  return Number(value.toFixed(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Requests for a stage's target-seconds: the area itself (open), or users / think time (closed). */
export function requestsForArea(plan: Pick<Plan, 'model' | 'thinkTimeS'>, targetSeconds: number): number | undefined {
  if (plan.model === 'open') return targetSeconds;
  return plan.thinkTimeS > 0 ? targetSeconds / plan.thinkTimeS : undefined;
}

/** Totals of implied stages: undefined as soon as one stage has no request count. */
export function sumRequests(stages: readonly ImpliedStage[]): number | undefined {
  let total = 0;
  for (const stage of stages) {
    if (stage.requests === undefined) return undefined;
    total += stage.requests;
  }
  return total;
}
