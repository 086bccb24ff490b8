import type { FailoverFigures, Interval } from './schema.js';

/**
 * Failover figures from the per-interval series, pure. The baseline is the error rate before the
 * stop; an interval is "recovered" when its error rate is back under max(threshold, 2 × baseline).
 * The burst counts errors from the interval holding the stop until the first recovered interval.
 */
export interface FailoverEvent {
  atS: number;
  action: 'stop' | 'start';
  ok: boolean;
  detail: string;
}

export function analyzeFailover(input: {
  instance: string;
  intervals: readonly Interval[];
  events: readonly FailoverEvent[];
  /** The error rate that counts as normal again (the scenario's errorRate SLO, or 1 %). */
  threshold: number;
}): FailoverFigures {
  const stop = input.events.find((event) => event.action === 'stop' && event.ok);
  const start = input.events.find((event) => event.action === 'start' && event.ok);
  const rate = (interval: Interval) => (interval.requests > 0 ? interval.errors / interval.requests : 0);
  const before = stop ? input.intervals.filter((interval) => interval.t + interval.durationS <= stop.atS) : [];
  const beforeRequests = before.reduce((sum, interval) => sum + interval.requests, 0);
  const baselineErrorRate = beforeRequests > 0 ? before.reduce((sum, interval) => sum + interval.errors, 0) / beforeRequests : 0;
  const recoveryThreshold = Math.max(input.threshold, 2 * baselineErrorRate);

  let errorBurst = 0;
  let peakErrorRate = 0;
  let timeToRecoverS: number | null = null;
  if (stop) {
    const after = input.intervals.filter((interval) => interval.t + interval.durationS > stop.atS);
    for (const interval of after) {
      peakErrorRate = Math.max(peakErrorRate, rate(interval));
      // The interval holding the stop always belongs to the burst: requests failing at the stop land there.
      const holdsStop = interval.t <= stop.atS;
      if (!holdsStop && interval.requests > 0 && rate(interval) <= recoveryThreshold) {
        timeToRecoverS = Math.max(0, interval.t - stop.atS);
        break;
      }
      errorBurst += interval.errors;
    }
  }
  return {
    instance: input.instance,
    stoppedAtS: stop ? stop.atS : null,
    restoredAtS: start ? start.atS : null,
    baselineErrorRate,
    recoveryThreshold,
    errorBurst,
    peakErrorRate,
    timeToRecoverS,
    events: input.events.map((event) => ({ ...event })),
  };
}
