/**
 * The regression gate. For each metric it compares per-interval samples of the current run with
 * those of the baseline run(s):
 *  - a percentile bootstrap confidence interval of the effect (ratio of medians of per-interval
 *    p95/p99, ratio of mean throughput, difference of error rates), baseline resampled by run
 *    then by interval so run-to-run spread widens the interval;
 *  - a one-sided Mann-Whitney U test against the tolerance (current vs baseline × (1 + tolerance)).
 * A metric regressed only when both say the effect is beyond the tolerance: the interval's
 * lower bound is above 1 + tolerance (upper bound below 1 − tolerance for throughput) and the
 * test rejects at 1 − confidence. Everything is seeded, so the same inputs give the same answer.
 */
import type { RunResult } from '../results/schema.js';
import { RUN_RESULT_SCHEMA_VERSION } from '../results/schema.js';
import { badInput } from '../core/errors.js';
import { seededRandom } from './random.js';
import { autoBlockLength, bootstrapEffect, mannWhitneyU, mean, median, quantile, type BootstrapInterval } from './stats.js';
import { toRunSamples, type IntervalSample, type RunSamples } from './samples.js';

export type GateMetric = 'p95' | 'p99' | 'errorRate' | 'throughput';
export const GATE_METRICS: readonly GateMetric[] = ['p95', 'p99', 'errorRate', 'throughput'];

export interface GateOptions {
  /** Relative tolerance for p95, p99 and throughput (0.10 = 10 %). */
  tolerance?: number;
  /** Absolute tolerance for the error rate (0.005 = half a percentage point). */
  errorRateTolerance?: number;
  /** Confidence of the bootstrap interval; the test's alpha is 1 − confidence. */
  confidence?: number;
  iterations?: number;
  seed?: number;
  metrics?: readonly GateMetric[];
  /** Fewer usable intervals than this on either side is bad input (exit 2): too short to judge. */
  minIntervals?: number;
  /** Intervals with fewer requests have too noisy a percentile to use for latency. */
  minRequestsPerInterval?: number;
  /** Intervals starting before this second are left out (warm-up). */
  warmupS?: number;
  /**
   * Bootstrap block length in intervals: 'auto' = n^(1/3) (moving blocks, for series whose
   * neighbouring intervals are alike), 1 = intervals drawn one by one.
   */
  blockLength?: number | 'auto';
  /**
   * Which quantile of the per-interval p95 (p99) series stands for a run: 0.5 = its median.
   * A lower one (0.25) reads the run's quieter intervals, less moved by a neighbour's load spikes.
   */
  latencyQuantile?: number;
}

export type ResolvedGateOptions = Required<GateOptions>;

export const DEFAULT_GATE_OPTIONS: ResolvedGateOptions = {
  tolerance: 0.1,
  errorRateTolerance: 0.005,
  confidence: 0.95,
  iterations: 2000,
  seed: 1,
  metrics: GATE_METRICS,
  minIntervals: 5,
  minRequestsPerInterval: 10,
  warmupS: 0,
  blockLength: 'auto',
  latencyQuantile: 0.5,
};

export type MetricOutcome = 'regressed' | 'improved' | 'within-tolerance';

export interface MetricVerdict {
  metric: GateMetric;
  /** 'ratio': current / baseline; 'difference': current − baseline. */
  effectKind: 'ratio' | 'difference';
  unit: string;
  baseline: number;
  current: number;
  effect: BootstrapInterval;
  /** The effect the interval must clear to count as a regression. */
  regressionThreshold: number;
  /** One-sided Mann-Whitney p-value against the tolerance (absent for the error rate). */
  pValue?: number;
  samples: { baseline: number; current: number };
  outcome: MetricOutcome;
  reason: string;
}

export interface GateReport {
  scenario: string;
  baselineRuns: string[];
  currentRun: string;
  options: ResolvedGateOptions;
  metrics: MetricVerdict[];
  regressed: boolean;
  warnings: string[];
}

function resolveOptions(options: GateOptions): ResolvedGateOptions {
  const resolved: ResolvedGateOptions = { ...DEFAULT_GATE_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof GateOptions, unknown][]) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  const problems: string[] = [];
  if (!(resolved.tolerance >= 0 && resolved.tolerance < 1)) problems.push(`tolerance must be in [0, 1), got ${resolved.tolerance}`);
  if (!(resolved.errorRateTolerance >= 0 && resolved.errorRateTolerance < 1)) problems.push(`error-rate tolerance must be in [0, 1), got ${resolved.errorRateTolerance}`);
  if (!(resolved.confidence > 0.5 && resolved.confidence < 1)) problems.push(`confidence must be in (0.5, 1), got ${resolved.confidence}`);
  if (!(Number.isInteger(resolved.iterations) && resolved.iterations >= 100)) problems.push(`iterations must be an integer ≥ 100, got ${resolved.iterations}`);
  if (!Number.isInteger(resolved.seed)) problems.push(`seed must be an integer, got ${resolved.seed}`);
  if (!(Number.isInteger(resolved.minIntervals) && resolved.minIntervals >= 3)) problems.push(`minIntervals must be an integer ≥ 3, got ${resolved.minIntervals}`);
  if (!(resolved.latencyQuantile > 0 && resolved.latencyQuantile < 1)) problems.push(`latencyQuantile must be in (0, 1), got ${resolved.latencyQuantile}`);
  if (resolved.blockLength !== 'auto' && !(Number.isInteger(resolved.blockLength) && resolved.blockLength >= 1)) problems.push(`blockLength must be 'auto' or an integer ≥ 1, got ${resolved.blockLength}`);
  for (const metric of resolved.metrics) if (!GATE_METRICS.includes(metric)) problems.push(`unknown gate metric "${metric}" (known: ${GATE_METRICS.join(', ')})`);
  if (problems.length > 0) throw badInput('invalid gate options', problems);
  return resolved;
}

/** Intervals that are neither warm-up nor a truncated tail (shorter than half the usual length). */
function steadyIntervals(run: RunSamples, options: ResolvedGateOptions): IntervalSample[] {
  if (run.intervals.length === 0) return [];
  const usualDuration = median(run.intervals.map((interval) => interval.durationS));
  return run.intervals.filter((interval) => interval.t >= options.warmupS && interval.durationS >= usualDuration / 2);
}

function latencySamples(run: RunSamples, metric: 'p95' | 'p99', options: ResolvedGateOptions): number[] {
  const values: number[] = [];
  for (const interval of steadyIntervals(run, options)) {
    const value = interval[metric];
    if (value !== undefined && interval.requests >= options.minRequestsPerInterval) values.push(value);
  }
  return values;
}

function errorRateOf(sample: readonly IntervalSample[]): number {
  let requests = 0;
  let errors = 0;
  for (const interval of sample) {
    requests += interval.requests;
    errors += interval.errors;
  }
  return requests === 0 ? 0 : errors / requests;
}

function requireEnough(metric: GateMetric, side: string, runs: readonly RunSamples[], counts: readonly number[], options: ResolvedGateOptions): void {
  counts.forEach((count, index) => {
    if (count < options.minIntervals) {
      const run = runs[index] as RunSamples;
      throw badInput(
        `${side} run ${run.id} has ${count} usable interval(s) for ${metric}; the gate needs at least ${options.minIntervals}`,
        [`usable = after ${options.warmupS} s of warm-up, not truncated, ≥ ${options.minRequestsPerInterval} requests for latency`],
        'run the scenario longer or with a shorter reporting interval (plan intervalS)',
      );
    }
  });
}

function ratioOutcome(effect: BootstrapInterval, pValue: number, tolerance: number, alpha: number, higherIsWorse: boolean): { outcome: MetricOutcome; reason: string; threshold: number } {
  const worse = higherIsWorse ? 1 + tolerance : 1 - tolerance;
  const better = higherIsWorse ? 1 - tolerance : 1 + tolerance;
  const ci = `[${effect.low.toFixed(3)}, ${effect.high.toFixed(3)}]`;
  const beyondWorse = higherIsWorse ? effect.low > worse : effect.high < worse;
  if (beyondWorse && pValue < alpha) {
    return { outcome: 'regressed', threshold: worse, reason: `ratio ${ci} lies ${higherIsWorse ? 'above' : 'below'} ${worse.toFixed(2)} and Mann-Whitney p = ${formatP(pValue)} < ${alpha}` };
  }
  const beyondBetter = higherIsWorse ? effect.high < better : effect.low > better;
  if (beyondBetter) return { outcome: 'improved', threshold: worse, reason: `ratio ${ci} lies ${higherIsWorse ? 'below' : 'above'} ${better.toFixed(2)}` };
  const why = beyondWorse
    ? `ratio ${ci} clears ${worse.toFixed(2)} but Mann-Whitney p = ${formatP(pValue)} ≥ ${alpha}`
    : `ratio ${ci} does not clear ${worse.toFixed(2)}`;
  return { outcome: 'within-tolerance', threshold: worse, reason: why };
}

export function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

/**
 * Decides whether `current` regressed against the baseline run(s). Throws CapacityError exit 2
 * for bad input: another scenario, another schema version, or too few intervals to judge.
 */
export function evaluateGate(
  baseline: readonly (RunResult | RunSamples)[],
  current: RunResult | RunSamples,
  options: GateOptions = {},
): GateReport {
  const resolved = resolveOptions(options);
  const baselineRuns = baseline.map(toRunSamples);
  const currentRun = toRunSamples(current);
  if (baselineRuns.length === 0) throw badInput('the baseline holds no run');
  const warnings: string[] = [];
  for (const run of [...baselineRuns, currentRun]) {
    if (run.schemaVersion !== RUN_RESULT_SCHEMA_VERSION) {
      throw badInput(`run ${run.id} has result schema version ${run.schemaVersion}; this capacity reads version ${RUN_RESULT_SCHEMA_VERSION}`, [], 'record a new baseline with this version (--update-baseline)');
    }
  }
  for (const run of baselineRuns) {
    if (run.scenario !== currentRun.scenario) {
      throw badInput(
        `baseline run ${run.id} is from scenario "${run.scenario}" but the current run ${currentRun.id} is from "${currentRun.scenario}"`,
        [],
        'compare runs of the same scenario, or record a baseline for this one with --update-baseline',
      );
    }
    if (run.engine.name !== currentRun.engine.name) {
      warnings.push(`baseline run ${run.id} used ${run.engine.name}, the current run used ${currentRun.engine.name}: engines measure latency differently`);
    }
  }

  const random = seededRandom(resolved.seed);
  const fixedBlock = resolved.blockLength;
  const blockLength = fixedBlock === 'auto' ? autoBlockLength : () => fixedBlock;
  // Rounded so messages read 0.05, not 0.050000000000000044.
  const alpha = Number((1 - resolved.confidence).toFixed(6));
  const verdicts: MetricVerdict[] = [];

  /** Latency and throughput: a ratio of the current statistic to the baseline's, tested one-sided. */
  const ratioVerdict = (
    metric: GateMetric,
    unit: string,
    baselineGroups: number[][],
    currentGroup: number[],
    statistic: (sample: readonly number[]) => number,
    higherIsWorse: boolean,
  ): MetricVerdict => {
    requireEnough(metric, 'baseline', baselineRuns, baselineGroups.map((group) => group.length), resolved);
    requireEnough(metric, 'current', [currentRun], [currentGroup.length], resolved);
    const effect = bootstrapEffect({
      baseline: baselineGroups,
      current: [currentGroup],
      statistic,
      effect: (now, before) => now / before,
      iterations: resolved.iterations,
      confidence: resolved.confidence,
      random,
      blockLength,
    });
    const pooled = baselineGroups.flat();
    // The baseline moved by the tolerance in the bad direction, so "worse" means worse than that.
    const shift = higherIsWorse ? 1 + resolved.tolerance : 1 - resolved.tolerance;
    const test = mannWhitneyU(pooled.map((value) => value * shift), currentGroup);
    const pValue = higherIsWorse ? test.pGreater : test.pLess;
    const decided = ratioOutcome(effect, pValue, resolved.tolerance, alpha, higherIsWorse);
    return {
      metric,
      effectKind: 'ratio',
      unit,
      baseline: statistic(pooled),
      current: statistic(currentGroup),
      effect,
      regressionThreshold: decided.threshold,
      pValue,
      samples: { baseline: pooled.length, current: currentGroup.length },
      outcome: decided.outcome,
      reason: decided.reason,
    };
  };

  for (const metric of resolved.metrics) {
    if (metric === 'p95' || metric === 'p99') {
      const baselineGroups = baselineRuns.map((run) => latencySamples(run, metric, resolved));
      const currentGroup = latencySamples(currentRun, metric, resolved);
      verdicts.push(ratioVerdict(metric, 'ms', baselineGroups, currentGroup, (sample) => quantile(sample, resolved.latencyQuantile), true));
    } else if (metric === 'throughput') {
      const baselineGroups = baselineRuns.map((run) => steadyIntervals(run, resolved).map((interval) => interval.achievedRps));
      const currentGroup = steadyIntervals(currentRun, resolved).map((interval) => interval.achievedRps);
      verdicts.push(ratioVerdict(metric, 'req/s', baselineGroups, currentGroup, mean, false));
    } else {
      const baselineGroups = baselineRuns.map((run) => steadyIntervals(run, resolved));
      const currentGroup = steadyIntervals(currentRun, resolved);
      requireEnough(metric, 'baseline', baselineRuns, baselineGroups.map((group) => group.length), resolved);
      requireEnough(metric, 'current', [currentRun], [currentGroup.length], resolved);
      const effect = bootstrapEffect({
        baseline: baselineGroups,
        current: [currentGroup],
        statistic: errorRateOf,
        effect: (now, before) => now - before,
        iterations: resolved.iterations,
        confidence: resolved.confidence,
        random,
        blockLength,
      });
      const tolerance = resolved.errorRateTolerance;
      const ci = `[${formatPercent(effect.low)}, ${formatPercent(effect.high)}]`;
      let outcome: MetricOutcome = 'within-tolerance';
      let reason = `difference ${ci} does not clear +${formatPercent(tolerance)}`;
      if (effect.low > tolerance) {
        outcome = 'regressed';
        reason = `difference ${ci} lies above +${formatPercent(tolerance)}`;
      } else if (effect.high < -tolerance) {
        outcome = 'improved';
        reason = `difference ${ci} lies below −${formatPercent(tolerance)}`;
      }
      verdicts.push({
        metric,
        effectKind: 'difference',
        unit: 'fraction',
        baseline: errorRateOf(baselineGroups.flat()),
        current: errorRateOf(currentGroup),
        effect,
        regressionThreshold: tolerance,
        samples: { baseline: baselineGroups.flat().length, current: currentGroup.length },
        outcome,
        reason,
      });
    }
  }

  return {
    scenario: currentRun.scenario,
    baselineRuns: baselineRuns.map((run) => run.id),
    currentRun: currentRun.id,
    options: resolved,
    metrics: verdicts,
    regressed: verdicts.some((verdict) => verdict.outcome === 'regressed'),
    warnings,
  };
}

/** Percentage points with two decimals, e.g. 0.0123 → "1.23 pp"; for error-rate differences. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} pp`;
}
