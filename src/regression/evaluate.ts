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
import { usualIntervalS } from '../results/intervals.js';
import { badInput } from '../core/errors.js';
import { seededRandom } from './random.js';
import { autoBlockLength, bootstrapEffect, mannWhitneyU, mean, normalCdf, quantile, type BootstrapInterval } from './stats.js';
import { toRunSamples, type IntervalSample, type RunSamples } from './samples.js';
import { explainVerdict } from './explain.js';

export { formatP } from './explain.js';

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

/** 'too-few-data': no regression shown, but the data could not have shown one of the tolerance's size. */
export type MetricOutcome = 'regressed' | 'improved' | 'within-tolerance' | 'too-few-data';

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
  /** With 'too-few-data': about how many intervals per run would tell a change of the tolerance from none. */
  neededIntervals?: number;
  /** The verdict in plain words (src/regression/explain.ts). */
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
  const usualDuration = usualIntervalS(run.intervals);
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

/**
 * Smallest one-sided p-value the Mann-Whitney test can give with n and m values (every current
 * value beyond every baseline one): when it is not below alpha, no data can show a regression.
 */
export function smallestMannWhitneyP(n: number, m: number): number {
  const sd = Math.sqrt((n * m * (n + m + 1)) / 12);
  return sd === 0 ? 1 : 1 - normalCdf(((n * m) / 2 - 0.5) / sd);
}

/** Fewest intervals per run (both sides alike) with which the one-sided test can reject at alpha. */
export function minimumIntervalsForTest(alpha: number): number {
  let n = 2;
  while (smallestMannWhitneyP(n, n) >= alpha && n < 10_000) n += 1;
  return n;
}

interface Decision {
  outcome: MetricOutcome;
  neededIntervals?: number;
  testCannotReject?: boolean;
}

/**
 * The verdict on one effect. Regressed: the interval lies beyond the tolerance on the bad side and
 * the test agrees. Improved: beyond it on the good side. Otherwise "within tolerance" only when the
 * data could have shown a regression: the interval's half-width is below the tolerance (a change of
 * the tolerance's size is told from none) and the test can reject at all with these sample sizes;
 * else "too few data", with about how many intervals per run would do (the half-width shrinks with
 * the square root of the count).
 */
function decide(input: { low: number; high: number; tolerance: number; higherIsWorse: boolean; pValue?: number; alpha: number; samples: { baseline: number; current: number } }): Decision {
  const { low, high, tolerance, higherIsWorse, pValue, alpha, samples } = input;
  const beyondWorse = higherIsWorse ? low > tolerance : high < -tolerance;
  const testAgrees = pValue === undefined || pValue < alpha;
  if (beyondWorse && testAgrees) return { outcome: 'regressed' };
  if (higherIsWorse ? high < -tolerance : low > tolerance) return { outcome: 'improved' };
  const halfWidth = (high - low) / 2;
  const testCannotReject = pValue !== undefined && smallestMannWhitneyP(samples.baseline, samples.current) >= alpha;
  if (!(halfWidth < tolerance) || testCannotReject) {
    const forWidth = tolerance > 0 && Number.isFinite(halfWidth) ? Math.ceil(samples.current * (halfWidth / tolerance) ** 2) : undefined;
    const forTest = testCannotReject ? minimumIntervalsForTest(alpha) : undefined;
    const needed = Math.max(forWidth ?? 0, forTest ?? 0, samples.current + 1);
    return { outcome: 'too-few-data', neededIntervals: needed, ...(testCannotReject ? { testCannotReject } : {}) };
  }
  return { outcome: 'within-tolerance' };
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
  const currentRun = toRunSamples(current);
  const warnings: string[] = [];
  const given = baseline.map(toRunSamples);
  if (given.length === 0) throw badInput('the baseline holds no run');
  // The current run among its own baseline proves nothing: left out, and refused when nothing else is left.
  const itself = (run: RunSamples) => run.id === currentRun.id || JSON.stringify(run.intervals) === JSON.stringify(currentRun.intervals);
  const baselineRuns = given.filter((run) => !itself(run));
  if (baselineRuns.length === 0) {
    throw badInput(
      `the baseline is the current run itself (${currentRun.id}): a run gated against itself always passes`,
      [],
      'gate against an earlier run, or a baseline recorded from one (--update-baseline)',
    );
  }
  for (const run of given.filter(itself)) warnings.push(`baseline run ${run.id} is the current run itself (same id or the same intervals): left out of the baseline`);
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
    const samples = { baseline: pooled.length, current: currentGroup.length };
    const decided = decide({ low: effect.low - 1, high: effect.high - 1, tolerance: resolved.tolerance, higherIsWorse, pValue, alpha, samples });
    return {
      metric,
      effectKind: 'ratio',
      unit,
      baseline: statistic(pooled),
      current: statistic(currentGroup),
      effect,
      regressionThreshold: shift,
      pValue,
      samples,
      outcome: decided.outcome,
      ...(decided.neededIntervals === undefined ? {} : { neededIntervals: decided.neededIntervals }),
      reason: explainVerdict({ metric, effectKind: 'ratio', effect, tolerance: resolved.tolerance, alpha, pValue, samples, ...decided }),
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
      const samples = { baseline: baselineGroups.flat().length, current: currentGroup.length };
      const decided = decide({ low: effect.low, high: effect.high, tolerance, higherIsWorse: true, alpha, samples });
      verdicts.push({
        metric,
        effectKind: 'difference',
        unit: 'fraction',
        baseline: errorRateOf(baselineGroups.flat()),
        current: errorRateOf(currentGroup),
        effect,
        regressionThreshold: tolerance,
        samples,
        outcome: decided.outcome,
        ...(decided.neededIntervals === undefined ? {} : { neededIntervals: decided.neededIntervals }),
        reason: explainVerdict({ metric, effectKind: 'difference', effect, tolerance, alpha, samples, ...decided }),
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
