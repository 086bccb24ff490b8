import { describe, expect, it } from 'vitest';
import { isPartialInterval, usualIntervalS } from './intervals.js';

describe('partial intervals', () => {
  it('are shorter than the run\'s usual interval, beyond timing jitter', () => {
    const intervals = [1, 1, 1.01, 0.99, 0.4].map((durationS) => ({ durationS }));
    expect(usualIntervalS(intervals)).toBe(1);
    expect(usualIntervalS([])).toBe(0);
    expect(intervals.map((interval) => isPartialInterval(interval, 1))).toEqual([false, false, false, false, true]);
  });
});
