import { figure, wholeCounts } from '../translation.js';

/**
 * Artillery phases, and the arrivals Artillery 2.0.21 makes of each. Pure. What Artillery takes
 * (node_modules/@artilleryio/int-core/lib/phases.js, which `artillery run` calls in each worker,
 * and node_modules/artillery/lib/dist.js, which splits phases over the workers):
 * - `duration` and `pause`: a whole number of seconds, or a string such as "4286ms". A fraction
 *   ("4.286") or 0 is refused: "Invalid duration for phase: 4.286".
 * - A ramp (`arrivalRate` + `rampTo`) runs `duration` one-second periods, from arrivalRate in the
 *   first to rampTo in the last, each rounded to whole arrivals; it needs whole seconds.
 * - A constant `arrivalRate` (and a ramp whose rampTo is 0) is split over the workers as whole
 *   rates: a fraction fails dist.js's assertion ("4.5 === 5").
 * - `arrivalRate` and `arrivalCount` phases are paced by a timer of whole microseconds (the
 *   interval is floored), so they make floor(duration / tick) arrivals: more than planned when
 *   the tick is short. An `arrivalCount` phase is run by one worker (the others pause).
 * The arrival counts below follow that arithmetic for one worker (`artillery run` uses the
 * machine's cores minus one: one on a 2-core machine; more workers only make the ticks longer).
 */

export type ArtilleryPhase =
  | { name?: string; duration: number | string; arrivalRate: number; rampTo?: number }
  | { name?: string; duration: number | string; arrivalCount: number }
  | { name?: string; pause: number | string };

/** What one phase sends: arrivals per second at its start and end, and its arrivals in all. */
export interface PhaseLoad {
  durationS: number;
  startRate: number;
  endRate: number;
  arrivals: number;
  /** Set when the phase holds its rate over steps of this many seconds (ramps: one-second periods). */
  stepS?: number;
}

/** A duration as Artillery takes it: whole seconds as a number, anything else in milliseconds. */
export function artilleryDuration(ms: number): number | string {
  return ms % 1000 === 0 ? ms / 1000 : `${ms}ms`;
}

/** Seconds of a duration written by artilleryDuration (as Artillery reads it: "4286ms" / 1000). */
export function artillerySeconds(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)ms$/.exec(value);
  if (!match) throw new Error(`not an Artillery duration written by capacity: ${value}`);
  return Number(match[1]) / 1000;
}

/** Arrivals of Artillery's uniform timer over `durationS` at one per `intervalMs`, its tick floored to whole microseconds. */
function timerArrivals(durationS: number, intervalMs: number): number {
  const tickUs = Math.floor(intervalMs * 1000);
  return tickUs > 0 ? Math.floor((durationS * 1000 * 1000) / tickUs) : Number.POSITIVE_INFINITY;
}

/** Arrivals in each one-second period of a ramp over `periods` seconds, rounded as Artillery rounds them. */
export function rampPeriods(periods: number, from: number, to: number): number[] {
  if (periods === 1) return [Math.round((to + from) / 2)];
  return Array.from({ length: periods }, (_unused, index) => Math.round(((to - from) / (periods - 1)) * index + from));
}

export function phaseLoad(phase: ArtilleryPhase): PhaseLoad {
  if ('pause' in phase) {
    const durationS = artillerySeconds(phase.pause);
    return { durationS, startRate: 0, endRate: 0, arrivals: 0, stepS: durationS };
  }
  const durationS = artillerySeconds(phase.duration);
  if ('arrivalCount' in phase) {
    const rate = phase.arrivalCount / durationS;
    return { durationS, startRate: rate, endRate: rate, arrivals: timerArrivals(durationS, (durationS * 1000) / phase.arrivalCount), stepS: durationS };
  }
  if (phase.rampTo !== undefined) {
    const arrivals = rampPeriods(durationS, phase.arrivalRate, phase.rampTo).reduce((sum, count) => sum + count, 0);
    return { durationS, startRate: phase.arrivalRate, endRate: phase.rampTo, arrivals, stepS: 1 };
  }
  const arrivals = phase.arrivalRate > 0 ? timerArrivals(durationS, 1000 / phase.arrivalRate) : 0;
  return { durationS, startRate: phase.arrivalRate, endRate: phase.arrivalRate, arrivals };
}

/** A stage as the translation sees it: milliseconds, arrivals per second, planned arrivals. */
export interface ArrivalStage {
  durationMs: number;
  from: number;
  to: number;
  /** Arrivals the plan asks for (exact), and the whole number this stage should send (rounded with the remainder carried over stages). */
  planned: number;
  whole: number;
  name?: string;
}

/** One way of writing a stage as phases: `tail` marks the sub-second remainder after a whole-second ramp. */
export interface StagePhases {
  phases: ArtilleryPhase[];
  tail?: ArtilleryPhase[];
  /** Why it is written this way, when it is not the plain translation. */
  adaptation?: string;
}

/** Arrivals a second up to which Artillery's timer (whole-microsecond ticks) paces within 1 %:
 * above, a stage shorter than one second (too short for its one-second ramp periods) may be refused. */
export const TIMER_PRECISE_RATE = 10_000;
/** Longest staircase, in steps, for a ramp too slow for Artillery's whole arrivals per second. */
const MAX_STAIRCASE_STEPS = 120;
/** Rates are written with 6 decimals at most (the YAML stays readable; the count is computed from what is written). */
const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;
const isWhole = (value: number): boolean => Number.isInteger(value);

function named(stage: ArrivalStage): { name?: string } {
  return stage.name ? { name: stage.name } : {};
}

/** Arrivals Artillery sends for these phases. */
export const arrivalsOf = (phases: readonly ArtilleryPhase[]): number => phases.reduce((sum, phase) => sum + phaseLoad(phase).arrivals, 0);

/** One phase of about `count` arrivals spread evenly over `durationMs`. Artillery's timer floors
 * its tick to whole microseconds, which adds arrivals when they are close together (a few % above
 * ~20,000 a second), and its float arithmetic can drop the last one ("1001ms" with 3 sends 2): the
 * count written is the one that makes Artillery send nearest to `count`. */
function nearestCount(stage: ArrivalStage, durationMs: number, count: number): ArtilleryPhase {
  const duration = artilleryDuration(durationMs);
  const micros = durationMs * 1000;
  const nearTick = [Math.floor(micros / count), Math.ceil(micros / count)].filter((tick) => tick > 0).map((tick) => Math.floor(micros / tick));
  const sent = (arrivalCount: number): number => phaseLoad({ duration, arrivalCount }).arrivals;
  const best = [count, count + 1, ...nearTick].reduce((chosen, candidate) => (Math.abs(sent(candidate) - count) < Math.abs(sent(chosen) - count) ? candidate : chosen));
  return { ...named(stage), duration, arrivalCount: best };
}

/**
 * `count` arrivals spread evenly over `durationMs` (a pause when there are none). With `split`
 * (the sub-second tail after a ramp), when no single tick comes within one arrival, two phases at
 * adjacent ticks, split where their arrivals add up to the count: their rates bracket the mean by
 * up to ~4 % at 40,000 a second, so a stage of its own is never written that way (it is refused).
 */
function evenCount(stage: ArrivalStage, durationMs: number, count: number, split = false): ArtilleryPhase[] {
  if (count <= 0) return [{ ...named(stage), pause: artilleryDuration(durationMs) }];
  const single = [nearestCount(stage, durationMs, count)];
  const micros = durationMs * 1000;
  const fast = Math.floor(micros / count);
  if (!split || Math.abs(arrivalsOf(single) - count) <= 1 || fast < 1 || durationMs < 2) return single;
  const slow = fast + 1;
  // splitMs * 1000 / fast + (durationMs - splitMs) * 1000 / slow = count
  const splitMs = Math.min(durationMs - 1, Math.max(1, Math.round((count - micros / slow) / (1 / fast - 1 / slow) / 1000)));
  const first = nearestCount(stage, splitMs, Math.floor((splitMs * 1000) / fast));
  const second = nearestCount(stage, durationMs - splitMs, count - phaseLoad(first).arrivals);
  const parts = [first, second];
  return Math.abs(arrivalsOf(parts) - count) < Math.abs(arrivalsOf(single) - count) ? parts : single;
}

/** A whole-second ramp over the first part of a stage, then the sub-second rest as an even count of what is left. */
interface RampWithTail extends StagePhases {
  periods: number;
  from: number;
  to: number;
  tailArrivals: number;
}

function rampThenTail(stage: ArrivalStage): RampWithTail | undefined {
  const periods = Math.floor(stage.durationMs / 1000);
  if (periods < 1) return undefined;
  const restMs = stage.durationMs - periods * 1000;
  const from = round6(stage.from);
  const to = round6(stage.from + ((stage.to - stage.from) * periods * 1000) / stage.durationMs);
  // dist.js treats a ramp to 0 as a constant phase: its start must then be a whole rate.
  if (to === 0 && !isWhole(from)) return undefined;
  const ramp: ArtilleryPhase = { ...named(stage), duration: periods, arrivalRate: from, rampTo: to };
  if (restMs === 0) return { phases: [ramp], periods, from, to, tailArrivals: 0 };
  const tailArrivals = Math.max(0, stage.whole - phaseLoad(ramp).arrivals);
  const tail = evenCount(stage, restMs, tailArrivals, true);
  return { phases: [ramp, ...tail], tail, periods, from, to, tailArrivals };
}

/** The stage as steps of about a second, each an even count of its share of the arrivals; each
 * step aims at the share so far less what the steps before it send, so no rounding accumulates. */
function staircase(stage: ArrivalStage): ArtilleryPhase[] {
  const steps = Math.max(1, Math.min(MAX_STAIRCASE_STEPS, Math.round(stage.durationMs / 1000)));
  const stepMs = wholeCounts(Array.from({ length: steps }, () => stage.durationMs / steps));
  let startMs = 0;
  const exact = stepMs.map((ms) => {
    const rate = stage.from + ((stage.to - stage.from) * (startMs + ms / 2)) / stage.durationMs;
    startMs += ms;
    return (rate * ms) / 1000;
  });
  const total = exact.reduce((sum, value) => sum + value, 0);
  let shareSoFar = 0;
  let sentSoFar = 0;
  return stepMs.flatMap((ms, index) => {
    shareSoFar += total > 0 ? ((exact[index] as number) * stage.whole) / total : 0;
    const phases = evenCount(stage, ms, Math.max(0, Math.round(shareSoFar) - sentSoFar));
    sentSoFar += arrivalsOf(phases);
    return phases;
  });
}

/** Ways of writing a stage, best first; the caller keeps the first whose arrivals match the plan. */
export function stageCandidates(stage: ArrivalStage, unit: string): StagePhases[] {
  const length = `${stage.durationMs / 1000} s`;
  const rest = `${(stage.durationMs % 1000) / 1000} s`;
  if (stage.whole === 0) {
    const pause: StagePhases = { phases: [{ ...named(stage), pause: artilleryDuration(stage.durationMs) }] };
    return [stage.planned > 0 ? { ...pause, adaptation: `${figure(stage.planned)} arrivals planned over ${length}: none sent (Artillery sends whole arrivals)` } : pause];
  }
  const candidates: StagePhases[] = [];
  const ramp = rampThenTail(stage);
  if (stage.from === stage.to) {
    const rate = round6(stage.from);
    if (isWhole(rate)) candidates.push({ phases: [{ ...named(stage), duration: artilleryDuration(stage.durationMs), arrivalRate: rate }] });
    candidates.push({
      phases: evenCount(stage, stage.durationMs, stage.whole),
      adaptation: isWhole(rate)
        ? `${rate} ${unit} over ${length} is too fast for Artillery's microsecond timer to pace as a rate: sent as an even count of ${stage.whole} (one worker)`
        : `${figure(rate)} ${unit} is not a whole rate (Artillery splits rates over its workers as whole numbers): its ${stage.whole} arrivals over ${length} are sent as an even count (one worker)`,
    });
    if (ramp) {
      const tail = ramp.tail ? `, then ${ramp.tailArrivals} in the last ${rest}` : '';
      candidates.push({ ...ramp, adaptation: `${figure(rate)} ${unit} is sent as ${ramp.periods} one-second periods of ${Math.round(rate)} (too fast for Artillery's timer to pace evenly)${tail}` });
    }
    return candidates;
  }
  if (ramp) {
    candidates.push(
      ramp.tail
        ? {
            ...ramp,
            adaptation: `${length} is not a whole number of seconds and Artillery ramps once a second: it ramps ${figure(ramp.from)}→${figure(ramp.to)} ${unit} over ${ramp.periods} s, then sends the last ${rest}'s ${ramp.tailArrivals} arrivals as an even count`,
          }
        : ramp,
    );
  }
  const stairs = staircase(stage);
  candidates.push({
    phases: stairs,
    adaptation:
      stage.durationMs < 1000
        ? `${length} is shorter than Artillery's one-second ramp period: its ${stage.whole} arrivals are sent as one even count`
        : `the ramp ${figure(stage.from)}→${figure(stage.to)} ${unit} is too slow for Artillery's whole arrivals per second: sent as ${stairs.length} steps, each an even count of its share`,
  });
  return candidates;
}
