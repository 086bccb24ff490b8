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
