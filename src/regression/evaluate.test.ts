import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateGate, minimumIntervalsForTest, smallestMannWhitneyP } from './evaluate.js';
import { buildBaseline } from './baseline.js';
import { seededRandom } from './random.js';
import type { RunSamples } from './samples.js';
import { CapacityError } from '../core/errors.js';

/** A synthetic run: per-interval p95 drawn around `p95Ms` with ±`noise` relative jitter. */
function syntheticRun(options: { id: string; seed: number; p95Ms: number; noise?: number; intervals?: number; rps?: number; errorRate?: number; scenario?: string }): RunSamples {
  const random = seededRandom(options.seed);
  const noise = options.noise ?? 0.15;
  const rps = options.rps ?? 100;
  const count = options.intervals ?? 30;
  const jitter = () => 1 + (random() - 0.5) * 2 * noise;
  const intervals = Array.from({ length: count }, (_, index) => {
    const requests = Math.round(rps * jitter());
    const errors = Math.round(requests * (options.errorRate ?? 0) * (0.5 + random()));
    const p95 = options.p95Ms * jitter();
    return { t: index, durationS: 1, requests, errors, achievedRps: requests, p50: p95 / 2, p95, p99: p95 * 1.4 * jitter() };
  });
  const requests = intervals.reduce((sum, interval) => sum + interval.requests, 0);
  const errors = intervals.reduce((sum, interval) => sum + interval.errors, 0);
  return {
    id: options.id,
    createdAt: '2026-11-22T12:00:00Z',
    scenario: options.scenario ?? 'baseline',
    schemaVersion: 1,
    engine: { name: 'k6', version: 'v1.8.1' },
    totals: { requests, errors, errorRate: errors / requests, achievedRps: requests / count, p95: options.p95Ms },
    intervals,
  };
}

describe('evaluateGate', () => {
  it('does not flag A/A pairs (same distribution, different noise)', () => {
    let flagged = 0;
    for (let pair = 0; pair < 20; pair += 1) {
      const report = evaluateGate([syntheticRun({ id: `a${pair}`, seed: 100 + pair, p95Ms: 40 })], syntheticRun({ id: `a${pair}'`, seed: 900 + pair, p95Ms: 40 }));
      if (report.regressed) flagged += 1;
    }
    expect(flagged).toBe(0);
  });

  it('flags a 25 % latency shift and reports the effect with its interval', () => {
    const report = evaluateGate([syntheticRun({ id: 'base', seed: 1, p95Ms: 40 })], syntheticRun({ id: 'slow', seed: 2, p95Ms: 50 }));
    expect(report.regressed).toBe(true);
    const p95 = report.metrics.find((metric) => metric.metric === 'p95');
    expect(p95?.outcome).toBe('regressed');
    expect(p95?.effect.low).toBeGreaterThan(1.1);
    expect(p95?.effect.estimate).toBeGreaterThan(1.15);
    expect(p95?.effect.estimate).toBeLessThan(1.35);
    expect(p95?.pValue).toBeLessThan(0.05);
    expect(report.metrics.find((metric) => metric.metric === 'throughput')?.outcome).toBe('within-tolerance');
  });

  it('does not flag a shift smaller than the tolerance', () => {
    const report = evaluateGate([syntheticRun({ id: 'base', seed: 3, p95Ms: 40, noise: 0.05 })], syntheticRun({ id: 'cur', seed: 4, p95Ms: 41.6, noise: 0.05 }), { metrics: ['p95'] });
    expect(report.metrics[0]?.outcome).toBe('within-tolerance');
    expect(report.regressed).toBe(false);
  });

  it('calls a faster run an improvement, not a regression', () => {
    const report = evaluateGate([syntheticRun({ id: 'base', seed: 5, p95Ms: 50 })], syntheticRun({ id: 'fast', seed: 6, p95Ms: 35 }), { metrics: ['p95'] });
    expect(report.metrics[0]?.outcome).toBe('improved');
    expect(report.regressed).toBe(false);
  });

  it('flags a throughput drop and an error-rate rise', () => {
    const report = evaluateGate([syntheticRun({ id: 'base', seed: 7, p95Ms: 40, rps: 200 })], syntheticRun({ id: 'cur', seed: 8, p95Ms: 40, rps: 140, errorRate: 0.05 }));
    expect(report.metrics.find((metric) => metric.metric === 'throughput')?.outcome).toBe('regressed');
    expect(report.metrics.find((metric) => metric.metric === 'errorRate')?.outcome).toBe('regressed');
    expect(report.metrics.find((metric) => metric.metric === 'p95')?.outcome).toBe('within-tolerance');
  });

  it('is reproducible: same inputs and seed give the same report', () => {
    const baseline = [syntheticRun({ id: 'b1', seed: 11, p95Ms: 40 }), syntheticRun({ id: 'b2', seed: 12, p95Ms: 42 })];
    const current = syntheticRun({ id: 'c', seed: 13, p95Ms: 44 });
    expect(evaluateGate(baseline, current)).toEqual(evaluateGate(baseline, current));
  });

  it('accepts the runs of a trimmed baseline file', () => {
    const file = buildBaseline([syntheticRun({ id: 'b1', seed: 21, p95Ms: 40 })], '2026-11-22T12:00:00Z');
    const report = evaluateGate(file.runs, syntheticRun({ id: 'c', seed: 22, p95Ms: 40 }));
    expect(report.baselineRuns).toEqual(['b1']);
    expect(report.regressed).toBe(false);
  });

  it('refuses a run gated against itself (same id, or the same intervals under another id) with exit 2', () => {
    const run = syntheticRun({ id: 'x', seed: 5, p95Ms: 40 });
    for (const baseline of [run, { ...run, id: 'copy-of-x' }]) {
      const error = (() => {
        try {
          evaluateGate([baseline], run);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(CapacityError);
      expect((error as CapacityError).exitCode).toBe(2);
      expect((error as CapacityError).message).toMatch(/the baseline is the current run itself \(x\)/);
    }
  });

  it('leaves the current run out of a baseline pool that holds it, and says so', () => {
    const current = syntheticRun({ id: 'c', seed: 31, p95Ms: 40 });
    const report = evaluateGate([syntheticRun({ id: 'b', seed: 32, p95Ms: 40 }), current], current, { metrics: ['p95'] });
    expect(report.baselineRuns).toEqual(['b']);
    expect(report.warnings.join('\n')).toMatch(/baseline run c is the current run itself .*left out/);
  });

  it('the verdict is scale-free', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 1, max: 500, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), (seed, p95Ms, scale) => {
        const run = syntheticRun({ id: 'x', seed, p95Ms });
        const current = syntheticRun({ id: 'c', seed: seed + 1, p95Ms: p95Ms * 1.2 });
        const scaleRun = (input: RunSamples): RunSamples => ({
          ...input,
          intervals: input.intervals.map((interval) => ({ ...interval, p95: (interval.p95 ?? 0) * scale })),
        });
        const plain = evaluateGate([run], current, { metrics: ['p95'], iterations: 200 });
        const scaled = evaluateGate([scaleRun(run)], scaleRun(current), { metrics: ['p95'], iterations: 200 });
        expect(scaled.metrics[0]?.outcome).toBe(plain.metrics[0]?.outcome);
      }),
      { numRuns: 30 },
    );
  });

  it('says "too few data" instead of ok when the interval is wider than the tolerance, with the intervals needed', () => {
    const report = evaluateGate([syntheticRun({ id: 'b', seed: 41, p95Ms: 40, noise: 0.5, intervals: 8 })], syntheticRun({ id: 'c', seed: 42, p95Ms: 40, noise: 0.5, intervals: 8 }), { metrics: ['p95'] });
    const p95 = report.metrics[0]!;
    expect(p95.outcome).toBe('too-few-data');
    expect(report.regressed).toBe(false);
    const halfWidth = (p95.effect.high - p95.effect.low) / 2;
    expect(halfWidth).toBeGreaterThanOrEqual(0.1);
    // The half-width shrinks with the square root of the count: 8 × (half-width / tolerance)².
    expect(p95.neededIntervals).toBe(Math.ceil(8 * (halfWidth / 0.1) ** 2));
    expect(p95.reason).toMatch(/too few data to tell: the interval is ±\d+ % wide, not narrower than the 10 % tolerance; about \d+ intervals per run would be needed/);
    // The same noise over many intervals is judged.
    const long = evaluateGate([syntheticRun({ id: 'b', seed: 41, p95Ms: 40, noise: 0.5, intervals: 400 })], syntheticRun({ id: 'c', seed: 42, p95Ms: 40, noise: 0.5, intervals: 400 }), { metrics: ['p95'] });
    expect(long.metrics[0]?.outcome).toBe('within-tolerance');
  });

  it('says "too few data" when the one-sided test cannot reject at the confidence with so few intervals', () => {
    // Every current value beyond every baseline one is the most the test can see.
    expect(smallestMannWhitneyP(7, 7)).toBeGreaterThan(0.001);
    expect(smallestMannWhitneyP(8, 8)).toBeLessThan(0.001);
    expect(minimumIntervalsForTest(0.05)).toBe(3);
    expect(minimumIntervalsForTest(0.001)).toBe(8);
    const quiet = (id: string, seed: number) => syntheticRun({ id, seed, p95Ms: 40, noise: 0.01, intervals: 5 });
    const report = evaluateGate([quiet('b', 51)], quiet('c', 52), { metrics: ['p95'], confidence: 0.999 });
    expect(report.metrics[0]?.outcome).toBe('too-few-data');
    expect(report.metrics[0]?.reason).toMatch(/the one-sided test cannot reach p < 0\.001 with 5 vs 5 intervals/);
  });

  it('rejects another scenario, another schema version and too short a run with exit 2', () => {
    const base = syntheticRun({ id: 'b', seed: 1, p95Ms: 40 });
    const expectBadInput = (action: () => unknown, pattern: RegExp) => {
      try {
        action();
        expect.unreachable('should have thrown');
      } catch (error) {
        expect(error).toBeInstanceOf(CapacityError);
        expect((error as CapacityError).exitCode).toBe(2);
        expect((error as CapacityError).message).toMatch(pattern);
      }
    };
    expectBadInput(() => evaluateGate([base], syntheticRun({ id: 'c', seed: 2, p95Ms: 40, scenario: 'peak' })), /scenario "baseline".*"peak"/);
    expectBadInput(() => evaluateGate([{ ...base, schemaVersion: 99 }], syntheticRun({ id: 'c', seed: 2, p95Ms: 40 })), /schema version 99/);
    expectBadInput(() => evaluateGate([base], syntheticRun({ id: 'c', seed: 2, p95Ms: 40, intervals: 3 })), /3 usable interval/);
    expectBadInput(() => evaluateGate([base], base, { tolerance: 2 }), /invalid gate options/);
  });
});
