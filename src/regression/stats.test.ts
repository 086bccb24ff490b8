import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { autoBlockLength, bootstrapEffect, mannWhitneyU, mean, median, normalCdf, quantile, resampleBlocks } from './stats.js';
import { seededRandom } from './random.js';

describe('quantile', () => {
  it('interpolates linearly between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 0, 5], 0)).toBe(0);
    expect(quantile([10, 0, 5], 1)).toBe(10);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(median([7])).toBe(7);
  });

  it('stays within the sample range and is monotone in q', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (values, q1, q2) => {
        const low = Math.min(q1, q2);
        const high = Math.max(q1, q2);
        expect(quantile(values, low)).toBeLessThanOrEqual(quantile(values, high) + 1e-9);
        expect(quantile(values, low)).toBeGreaterThanOrEqual(Math.min(...values) - 1e-9);
        expect(quantile(values, high)).toBeLessThanOrEqual(Math.max(...values) + 1e-9);
      }),
    );
  });

  it('rejects an empty sample', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => mean([])).toThrow(RangeError);
  });
});

describe('normalCdf', () => {
  it('matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });
});

describe('mannWhitneyU', () => {
  it('computes U by counting pairs, ties counting half', () => {
    // b beats a in: (3>1,3>2), (4>1,4>2,4>3 tie? no) -> count directly
    const a = [1, 2, 3];
    const b = [3, 4, 5];
    let pairs = 0;
    for (const x of a) for (const y of b) pairs += y > x ? 1 : y === x ? 0.5 : 0;
    expect(mannWhitneyU(a, b).u).toBe(pairs);
  });

  it('finds a clear shift and no shift in identical samples', () => {
    const a = Array.from({ length: 20 }, (_, index) => 100 + index);
    const shifted = a.map((value) => value + 30);
    const result = mannWhitneyU(a, shifted);
    expect(result.pGreater).toBeLessThan(0.001);
    expect(result.pLess).toBeGreaterThan(0.99);
    const same = mannWhitneyU(a, [...a]);
    expect(same.pGreater).toBeGreaterThan(0.4);
    expect(same.commonLanguageEffect).toBeCloseTo(0.5, 6);
  });

  it('gives no evidence when every value is equal', () => {
    const result = mannWhitneyU([5, 5, 5], [5, 5]);
    expect(result.pGreater).toBe(1);
    expect(result.pLess).toBe(1);
  });

  it('U equals the brute-force pair count for any samples', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 15 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 15 }), (a, b) => {
        let pairs = 0;
        for (const x of a) for (const y of b) pairs += y > x ? 1 : y === x ? 0.5 : 0;
        expect(mannWhitneyU(a, b).u).toBeCloseTo(pairs, 9);
      }),
    );
  });
});

describe('bootstrapEffect', () => {
  const ratio = (now: number, before: number) => now / before;

  it('is reproducible for a seed and brackets the estimate', () => {
    const random = () => seededRandom(42);
    const baseline = [Array.from({ length: 30 }, (_, index) => 100 + (index % 7))];
    const current = [Array.from({ length: 30 }, (_, index) => 125 + (index % 5))];
    const first = bootstrapEffect({ baseline, current, statistic: median, effect: ratio, iterations: 500, confidence: 0.95, random: random() });
    const second = bootstrapEffect({ baseline, current, statistic: median, effect: ratio, iterations: 500, confidence: 0.95, random: random() });
    expect(second).toEqual(first);
    expect(first.low).toBeLessThanOrEqual(first.estimate);
    expect(first.high).toBeGreaterThanOrEqual(first.estimate);
    expect(first.low).toBeGreaterThan(1.15);
  });

  it('widens with run-to-run spread when the baseline has several runs', () => {
    const noise = seededRandom(7);
    const run = (level: number) => Array.from({ length: 30 }, () => level * (1 + (noise() - 0.5) * 0.04));
    const oneRun = bootstrapEffect({ baseline: [run(100)], current: [run(100)], statistic: median, effect: ratio, iterations: 1000, confidence: 0.95, random: seededRandom(1) });
    const spreadRuns = bootstrapEffect({ baseline: [run(90), run(110)], current: [run(100)], statistic: median, effect: ratio, iterations: 1000, confidence: 0.95, random: seededRandom(1) });
    expect(spreadRuns.high - spreadRuns.low).toBeGreaterThan(oneRun.high - oneRun.low);
  });
});

describe('block bootstrap', () => {
  it('draws contiguous blocks and keeps the length', () => {
    const series = Array.from({ length: 50 }, (_, index) => index);
    const drawn = resampleBlocks(series, 5, seededRandom(3));
    expect(drawn).toHaveLength(50);
    for (let start = 0; start < 50; start += 5) {
      const block = drawn.slice(start, start + 5);
      block.forEach((value, offset) => expect(value).toBe((block[0] as number) + offset));
    }
    expect(autoBlockLength(90)).toBe(4);
    expect(autoBlockLength(1)).toBe(1);
  });

  it('gives a wider interval than the plain bootstrap when neighbouring intervals are alike', () => {
    // Slow waves: the machine is busy for a while, then quiet, as on a shared host.
    const wave = (phase: number) => Array.from({ length: 90 }, (_, index) => 100 * (1 + 0.3 * Math.sin((index + phase) / 6)));
    const common = { baseline: [wave(0)], current: [wave(20)], statistic: median, effect: (now: number, before: number) => now / before, iterations: 1000, confidence: 0.95 };
    const plain = bootstrapEffect({ ...common, random: seededRandom(1) });
    const blocks = bootstrapEffect({ ...common, random: seededRandom(1), blockLength: () => 10 });
    expect(blocks.high - blocks.low).toBeGreaterThan(plain.high - plain.low);
  });
});
