/**
 * Statistics the gate needs, on plain arrays: quantiles, a Mann-Whitney U test and a
 * (hierarchical) percentile bootstrap. Pure: no clocks, no files, a seeded generator.
 */
import { randomIndex, type Random } from './random.js';
import { mean, median, quantile, quantileOfSorted } from '../core/statistics.js';

export { mean, median, quantile, quantileOfSorted };

/** Standard normal cumulative distribution (Abramowitz-Stegun 7.1.26 via erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export interface MannWhitneyResult {
  /** U statistic of the second sample: how often a value of `b` beats a value of `a`. */
  u: number;
  z: number;
  /** One-sided p-value of "b tends to be larger than a". */
  pGreater: number;
  /** One-sided p-value of "b tends to be smaller than a". */
  pLess: number;
  /** Probability that a random b exceeds a random a (ties count half): U / (n·m). */
  commonLanguageEffect: number;
}

/**
 * Mann-Whitney U with the normal approximation, a continuity correction and the tie correction
 * of the variance. Good from about 8 values per side, which per-interval samples always have.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const pooled = [...a.map((value) => ({ value, fromB: false })), ...b.map((value) => ({ value, fromB: true }))];
  pooled.sort((x, y) => x.value - y.value);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end + 1 < pooled.length && (pooled[end + 1] as { value: number }).value === (pooled[start] as { value: number }).value) end += 1;
    const averageRank = (start + end + 2) / 2;
    const tied = end - start + 1;
    if (tied > 1) tieTerm += tied ** 3 - tied;
    for (let index = start; index <= end; index += 1) if ((pooled[index] as { fromB: boolean }).fromB) rankSumB += averageRank;
    start = end + 1;
  }
  const u = rankSumB - (m * (m + 1)) / 2;
  const meanU = (n * m) / 2;
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (variance <= 0) {
    // Every value equal: no evidence either way.
    return { u, z: 0, pGreater: 1, pLess: 1, commonLanguageEffect: u / (n * m) };
  }
  const sd = Math.sqrt(variance);
  const zGreater = (u - meanU - 0.5) / sd;
  const zLess = (u - meanU + 0.5) / sd;
  return {
    u,
    z: (u - meanU) / sd,
    pGreater: 1 - normalCdf(zGreater),
    pLess: normalCdf(zLess),
    commonLanguageEffect: u / (n * m),
  };
}

/** Draws `sample.length` values with replacement. */
export function resample<T>(sample: readonly T[], random: Random): T[] {
  const drawn: T[] = new Array<T>(sample.length);
  for (let index = 0; index < sample.length; index += 1) drawn[index] = sample[randomIndex(random, sample.length)] as T;
  return drawn;
}

/**
 * Moving-block resample: consecutive runs of `blockLength` values drawn with replacement, so a
 * series whose neighbours are alike (latency per second on a busy machine) keeps that likeness
 * and the bootstrap does not overstate how much the data say. blockLength 1 = plain resample.
 */
export function resampleBlocks<T>(sample: readonly T[], blockLength: number, random: Random): T[] {
  const length = sample.length;
  const block = Math.max(1, Math.min(length, Math.floor(blockLength)));
  if (block === 1) return resample(sample, random);
  const drawn: T[] = [];
  while (drawn.length < length) {
    const start = randomIndex(random, length - block + 1);
    for (let offset = 0; offset < block && drawn.length < length; offset += 1) drawn.push(sample[start + offset] as T);
  }
  return drawn;
}

/** Block length for a series of n values: n^(1/3), the usual rate for block bootstraps. */
export function autoBlockLength(length: number): number {
  return Math.max(1, Math.round(Math.cbrt(length)));
}

/**
 * Two-level resample for samples that come in groups (one group per run): draw runs with
 * replacement, then blocks of intervals within each drawn run. With one group it is the plain
 * (block) bootstrap; with several it carries the run-to-run spread into the interval.
 */
export function resampleGroups<T>(groups: readonly (readonly T[])[], random: Random, blockLength: (length: number) => number = () => 1): T[] {
  if (groups.length === 1) {
    const only = groups[0] as readonly T[];
    return resampleBlocks(only, blockLength(only.length), random);
  }
  const drawn: T[] = [];
  for (let index = 0; index < groups.length; index += 1) {
    const group = groups[randomIndex(random, groups.length)] as readonly T[];
    for (const value of resampleBlocks(group, blockLength(group.length), random)) drawn.push(value);
  }
  return drawn;
}

export interface BootstrapInterval {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  iterations: number;
}

/**
 * Percentile bootstrap of a two-sample effect, e.g. statistic(current) / statistic(baseline).
 * `baseline` is grouped by run (see resampleGroups); `current` is one group or several.
 */
export function bootstrapEffect<T>(input: {
  baseline: readonly (readonly T[])[];
  current: readonly (readonly T[])[];
  statistic: (sample: readonly T[]) => number;
  effect: (current: number, baseline: number) => number;
  iterations: number;
  confidence: number;
  random: Random;
  /** Block length for a group of n values (default 1: intervals drawn one by one). */
  blockLength?: (length: number) => number;
}): BootstrapInterval {
  const { baseline, current, statistic, effect, iterations, confidence, random } = input;
  const blockLength = input.blockLength ?? (() => 1);
  const estimate = effect(statistic(current.flat()), statistic(baseline.flat()));
  const replicates: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const value = effect(statistic(resampleGroups(current, random, blockLength)), statistic(resampleGroups(baseline, random, blockLength)));
    if (Number.isFinite(value)) replicates.push(value);
  }
  if (replicates.length === 0) return { estimate, low: Number.NaN, high: Number.NaN, confidence, iterations };
  replicates.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return {
    estimate,
    low: quantileOfSorted(replicates, tail),
    high: quantileOfSorted(replicates, 1 - tail),
    confidence,
    iterations,
  };
}
