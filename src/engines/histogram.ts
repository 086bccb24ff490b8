import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../results/schema.js';

/**
 * Latency histograms shared by the adapters. Values are recorded in microseconds so that
 * sub-millisecond loopback latencies keep three significant digits; summaries come out in ms.
 */
export type LatencyHistogram = Histogram;

/** Two minutes: anything slower is clamped (a request that slow has long since timed out). */
const HIGHEST_TRACKABLE_US = 120_000_000;

export function createLatencyHistogram(): LatencyHistogram {
  return build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function recordLatencyMs(histogram: LatencyHistogram, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  const us = Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(ms * 1000)));
  histogram.recordValue(us);
}

/** Adds `source` into `target` (histogram merge: counts add, percentiles are recomputed). */
export function mergeHistogram(target: LatencyHistogram, source: LatencyHistogram): void {
  if (source.totalCount > 0) target.add(source);
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Percentiles of the recorded latencies in ms; undefined when nothing was recorded. */
export function summarizeHistogram(histogram: LatencyHistogram): LatencySummary | undefined {
  if (histogram.totalCount === 0) return undefined;
  const ms = (us: number): number => round3(us / 1000);
  return {
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}
