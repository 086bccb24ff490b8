import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { counterDelta, histogramQuantile, integrateRate, meanInWindow } from './series.js';

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank', () => {
    // 100 observations: 50 <= 0.1, 90 <= 0.2, 100 <= 0.5
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.2, count: 90 },
      { le: 0.5, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 10);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.15, 10);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.35, 10);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05, 10);
  });

  it('gives the highest finite bound when the rank falls in +Inf, and nothing for an empty histogram', () => {
    expect(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }])).toBe(1);
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeUndefined();
    expect(histogramQuantile(0.5, [])).toBeUndefined();
  });

  it('stays within the bucket that holds the true quantile', () => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 12, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (values, q) => {
        const buckets = [...bounds, Infinity].map((le) => ({ le, count: values.filter((v) => v <= le).length }));
        const estimate = histogramQuantile(q, buckets) as number;
        const sorted = [...values].sort((a, b) => a - b);
        const rank = Math.ceil(q * sorted.length);
        const truth = sorted[Math.max(0, rank - 1)] as number;
        const upper = [...bounds, Infinity].find((le) => truth <= le) as number;
        const lowerIndex = [...bounds, Infinity].indexOf(upper) - 1;
        const lower = lowerIndex >= 0 ? (bounds[lowerIndex] as number) : 0;
        if (upper === Infinity) expect(estimate).toBe(10);
        else {
          expect(estimate).toBeGreaterThanOrEqual(lower - 1e-12);
          expect(estimate).toBeLessThanOrEqual(upper + 1e-12);
        }
      }),
    );
  });
});

describe('counterDelta', () => {
  it('treats a decrease as a restart from zero', () => {
    expect(counterDelta(10, 15)).toBe(5);
    expect(counterDelta(10, 3)).toBe(3);
    expect(counterDelta(Number.NaN, 3)).toBe(0);
  });
});

describe('integrateRate', () => {
  it('integrates a constant rate exactly, including part-periods', () => {
    const points: Array<[number, number]> = [0, 1, 2, 3, 4, 5].map((t) => [t, 0.5]);
    expect(integrateRate(points, 1, 4)).toBeCloseTo(1.5, 10);
    expect(integrateRate(points, 1.5, 3.25)).toBeCloseTo(0.875, 10);
  });

  it('refuses a window the series does not cover', () => {
    const points: Array<[number, number]> = [[10, 1], [11, 1], [12, 1]];
    expect(integrateRate(points, 0, 12)).toBeUndefined();
    expect(integrateRate([[0, 1]], 0, 1)).toBeUndefined();
  });
});

describe('meanInWindow', () => {
  it('averages the points inside the window', () => {
    expect(meanInWindow([[0, 1], [1, 3], [2, 5], [9, 100]], 0.5, 2)).toBe(4);
    expect(meanInWindow([[0, 1]], 5, 6)).toBeUndefined();
  });
});
