/**
 * The gate's verdict on one metric in plain words: where the change lies (with the confidence),
 * what a regression would need, and whether the data show it. One wording for the text and
 * Markdown outputs and the JSON `reason`.
 */
import type { GateMetric, MetricOutcome } from './evaluate.js';
import type { BootstrapInterval } from './stats.js';

const SUBJECTS: Record<GateMetric, string> = { p95: 'p95', p99: 'p99', errorRate: 'the error rate', throughput: 'throughput' };

export interface Explained {
  metric: GateMetric;
  effectKind: 'ratio' | 'difference';
  effect: BootstrapInterval;
  outcome: MetricOutcome;
  /** Relative tolerance for a ratio (0.1 = 10 %), absolute for a difference (0.005 = 0.5 points). */
  tolerance: number;
  alpha: number;
  pValue?: number;
  samples: { baseline: number; current: number };
  /** Intervals per run the gate would need to tell a change of the tolerance from none. */
  neededIntervals?: number;
  /** The one-sided test cannot reject with these sample sizes, whatever the data. */
  testCannotReject?: boolean;
}

/** 0.431 → "43 %", 0.052 → "5.2 %". */
function percent(fraction: number): string {
  const value = Math.abs(fraction) * 100;
  return `${Number(value.toFixed(1)) < 10 ? value.toFixed(1) : value.toFixed(0)} %`;
}

/** 0.0017 → "0.17 points". */
function points(fraction: number): string {
  return `${(Math.abs(fraction) * 100).toFixed(2)} points`;
}

export function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

/** "between 43 % lower and 32 % higher": the interval as a change from the baseline. */
function range(low: number, high: number, size: (change: number) => string): string {
  if (low >= 0) return `between ${size(low)} and ${size(high)} higher`;
  if (high <= 0) return `between ${size(-high)} and ${size(-low)} lower`;
  return `between ${size(-low)} lower and ${size(high)} higher`;
}

export function explainVerdict(verdict: Explained): string {
  const { effect, tolerance, alpha } = verdict;
  const ratio = verdict.effectKind === 'ratio';
  const size = ratio ? percent : points;
  // Changes from the baseline: ratio − 1 for latency and throughput, the difference itself for the error rate.
  const low = ratio ? effect.low - 1 : effect.low;
  const high = ratio ? effect.high - 1 : effect.high;
  const confidence = `${Number((effect.confidence * 100).toFixed(2))} % confidence`;
  const higherIsWorse = verdict.metric !== 'throughput';
  const where = Number.isNaN(low) || Number.isNaN(high)
    ? `${SUBJECTS[verdict.metric]} has no interval (no usable resample)`
    : `${SUBJECTS[verdict.metric]} is ${range(low, high, size)} than the baseline (${confidence})`;
  const needs = `a regression needs it to be at least ${size(tolerance)} ${higherIsWorse ? 'higher' : 'lower'} for sure`;
  const sample = `${verdict.samples.baseline} vs ${verdict.samples.current} intervals`;
  const test = verdict.pValue === undefined ? '' : ` (Mann-Whitney p = ${formatP(verdict.pValue)}`;
  switch (verdict.outcome) {
    case 'regressed':
      return `${where}; ${needs}: shown${test ? `${test} < ${alpha})` : ''}`;
    case 'improved':
      return `${where}; ${needs}: not shown; it is at least ${size(tolerance)} ${higherIsWorse ? 'lower' : 'higher'} for sure, an improvement`;
    case 'too-few-data': {
      const needed = verdict.neededIntervals === undefined ? '' : `; about ${verdict.neededIntervals} intervals per run would be needed`;
      const why = verdict.testCannotReject
        ? `the one-sided test cannot reach p < ${alpha} with ${sample}, whatever they hold`
        : `the interval is ±${size((high - low) / 2)} wide, not narrower than the ${size(tolerance)} tolerance`;
      return `${where}; ${needs}: too few data to tell: ${why}${needed}`;
    }
    case 'within-tolerance': {
      const beyond = higherIsWorse ? low > tolerance : high < -tolerance;
      if (beyond && verdict.pValue !== undefined) return `${where}; ${needs}: not shown: the interval says so but the Mann-Whitney test does not (p = ${formatP(verdict.pValue)} ≥ ${alpha})`;
      return `${where}; ${needs}: not shown`;
    }
  }
}
