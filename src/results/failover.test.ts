import { describe, expect, it } from 'vitest';
import { analyzeFailover } from './failover.js';
import type { Interval } from './schema.js';

function series(errorsPerSecond: number[], requests = 100): Interval[] {
  return errorsPerSecond.map((errors, t) => ({ t, durationS: 1, achievedRps: requests, requests, errors, errorsByKind: {}, statusCounts: {} }));
}

describe('analyzeFailover', () => {
  it('measures the burst from the stop to the first interval back under the threshold', () => {
    const figures = analyzeFailover({
      instance: 'app2',
      intervals: series([0, 0, 0, 30, 12, 3, 0, 0, 0, 0]),
      events: [
        { atS: 3.2, action: 'stop', ok: true, detail: 'SIGKILL pid 42' },
        { atS: 7, action: 'start', ok: true, detail: 'pid 43' },
      ],
      threshold: 0.01,
    });
    expect(figures).toMatchObject({
      instance: 'app2',
      stoppedAtS: 3.2,
      restoredAtS: 7,
      baselineErrorRate: 0,
      recoveryThreshold: 0.01,
      errorBurst: 45,
      peakErrorRate: 0.3,
      timeToRecoverS: 6 - 3.2,
    });
  });

  it('raises the threshold to twice the baseline error rate', () => {
    const figures = analyzeFailover({
      instance: 'app1',
      intervals: series([5, 5, 40, 5]),
      events: [{ atS: 2, action: 'stop', ok: true, detail: '' }],
      threshold: 0.01,
    });
    expect(figures.baselineErrorRate).toBe(0.05);
    expect(figures.recoveryThreshold).toBe(0.1);
    expect(figures.errorBurst).toBe(40);
    expect(figures.timeToRecoverS).toBe(1);
  });

  it('never recovered: null time and every error after the stop counted', () => {
    const figures = analyzeFailover({
      instance: 'app2',
      intervals: series([0, 50, 50]),
      events: [{ atS: 0.5, action: 'stop', ok: true, detail: '' }],
      threshold: 0.01,
    });
    expect(figures.timeToRecoverS).toBeNull();
    expect(figures.errorBurst).toBe(100);
  });

  it('a stop that failed or never happened gives no burst', () => {
    const figures = analyzeFailover({
      instance: 'app2',
      intervals: series([0, 1]),
      events: [{ atS: 1, action: 'stop', ok: false, detail: 'no such instance' }],
      threshold: 0.01,
    });
    expect(figures).toMatchObject({ stoppedAtS: null, errorBurst: 0, timeToRecoverS: null });
    expect(figures.events).toHaveLength(1);
  });
});
