import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, mergeHistogram, recordLatencyMs, summarizeHistogram } from './histogram.js';

describe('latency histograms', () => {
  it('summarizes in ms with three significant digits', () => {
    const histogram = createLatencyHistogram();
    for (let ms = 1; ms <= 100; ms += 1) recordLatencyMs(histogram, ms);
    const summary = summarizeHistogram(histogram);
    expect(summary?.p50).toBeCloseTo(50, 1);
    expect(summary?.p95).toBeCloseTo(95, 1);
    expect(summary?.p99).toBeCloseTo(99, 1);
    expect(summary?.min).toBeCloseTo(1, 2);
    expect(summary?.max).toBeCloseTo(100, 0);
  });

  it('merges: percentiles of the merge equal those of all values recorded together', () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 0; i < 900; i += 1) {
      recordLatencyMs(fast, 2 + (i % 10) / 10);
      recordLatencyMs(all, 2 + (i % 10) / 10);
    }
    for (let i = 0; i < 100; i += 1) {
      recordLatencyMs(slow, 200 + i);
      recordLatencyMs(all, 200 + i);
    }
    const merged = createLatencyHistogram();
    mergeHistogram(merged, fast);
    mergeHistogram(merged, slow);
    expect(summarizeHistogram(merged)).toEqual(summarizeHistogram(all));
    // Averaging the two p95s would say ~150 ms; the merged p95 is in the slow group's middle.
    expect(summarizeHistogram(merged)?.p95).toBeCloseTo(249, 0);
  });

  it('is empty without values and ignores impossible ones', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, Number.NaN);
    recordLatencyMs(histogram, -1);
    expect(summarizeHistogram(histogram)).toBeUndefined();
    recordLatencyMs(histogram, 10_000_000);
    expect(summarizeHistogram(histogram)?.max).toBeGreaterThanOrEqual(119_000);
  });
});
