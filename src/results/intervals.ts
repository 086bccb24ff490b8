/**
 * How to tell a partial interval: every interval lasts the run's reporting interval except one cut
 * short by the end of the run, whose `durationS` says how long it really lasted. Its figures are
 * real but cover less time (and the run's last moments), so charts draw it apart and the gate
 * leaves a very short one out.
 */
import { median } from '../core/statistics.js';

/** The run's usual interval length: the median of its intervals' durations (0 without intervals). */
export function usualIntervalS(intervals: readonly { durationS: number }[]): number {
  return intervals.length === 0 ? 0 : median(intervals.map((interval) => interval.durationS));
}

/** Cut short by the end of the run: shorter than the usual interval (beyond a 5 % timing jitter). */
export function isPartialInterval(interval: { durationS: number }, usualS: number): boolean {
  return interval.durationS < usualS * 0.95;
}

/**
 * Which intervals the rate verdicts leave out: the first (start-up: the engine opens its
 * connections and the ramp's first second), and the tail (cut short, or running past the planned
 * end). Only intervals of full length inside the planned duration say whether the plan's rate was
 * delivered.
 */
export function partialKind(index: number, interval: { t: number; durationS: number }, usualS: number, plannedDurationS: number): 'start' | 'end' | undefined {
  if (index === 0) return 'start';
  if (isPartialInterval(interval, usualS) || interval.t + interval.durationS > plannedDurationS + usualS * 0.05) return 'end';
  return undefined;
}

/** The intervals with `partial` set by partialKind. */
export function markPartialIntervals<T extends { t: number; durationS: number; partial?: 'start' | 'end' }>(intervals: readonly T[], plannedDurationS: number): T[] {
  const usualS = usualIntervalS(intervals);
  return intervals.map((interval, index) => {
    const kind = partialKind(index, interval, usualS, plannedDurationS);
    const { partial: _previous, ...rest } = interval;
    return (kind === undefined ? rest : { ...rest, partial: kind }) as T;
  });
}
