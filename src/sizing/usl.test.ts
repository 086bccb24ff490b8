import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unitsForCapacity, uslCurve, uslEfficiency, uslPeak, uslThroughput } from './usl.js';
import { fitUsl } from './usl-fit.js';

const truth = { sigma: 0.05, kappa: 0.002, lambda: 950 };

describe('USL model', () => {
  it('reduces to linear scaling when σ = κ = 0', () => {
    expect(uslThroughput(8, { sigma: 0, kappa: 0, lambda: 100 })).toBe(800);
  });
  it('computes X(N) by hand: N=4, σ=0.05, κ=0.002, λ=950 → 3800 / 1.174', () => {
    expect(uslThroughput(4, truth)).toBeCloseTo(3800 / 1.174, 9);
  });
  it('peaks at N* = sqrt((1−σ)/κ)', () => {
    const nStar = uslPeak(truth)!;
    expect(nStar).toBeCloseTo(Math.sqrt(0.95 / 0.002), 12);
    // throughput just either side of N* is lower than at N*
    expect(uslThroughput(nStar, truth)).toBeGreaterThan(uslThroughput(nStar - 1, truth));
    expect(uslThroughput(nStar, truth)).toBeGreaterThan(uslThroughput(nStar + 1, truth));
    expect(uslPeak({ sigma: 0.1, kappa: 0 })).toBeNull();
  });
  it('finds the fewest units that reach a capacity, or null beyond the peak', () => {
    const params = { sigma: 0.1, kappa: 0 };
    // n·eff(n) = n / (1 + 0.1(n−1)): n=4 → 3.077, n=5 → 3.571
    expect(unitsForCapacity(3.5, params)).toBe(5);
    expect(unitsForCapacity(0, params)).toBe(0);
    expect(unitsForCapacity(1e6, { sigma: 0.05, kappa: 0.002 })).toBeNull();
    expect(uslEfficiency(1, truth)).toBe(1);
  });
  it('samples a curve ending at maxN', () => {
    const curve = uslCurve(truth, 100, 10);
    expect(curve[0]).toEqual([1, 950]);
    expect(curve[curve.length - 1]![0]).toBe(100);
  });
});

describe('USL fit', () => {
  it('recovers σ, κ, λ within 1 % from synthetic data', () => {
    const points = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64].map((n) => [n, uslThroughput(n, truth)] as [number, number]);
    const fit = fitUsl(points);
    expect(Math.abs(fit.sigma - truth.sigma) / truth.sigma).toBeLessThan(0.01);
    expect(Math.abs(fit.kappa - truth.kappa) / truth.kappa).toBeLessThan(0.01);
    expect(Math.abs(fit.lambda - truth.lambda) / truth.lambda).toBeLessThan(0.01);
    expect(fit.nStar).toBeCloseTo(Math.sqrt(0.95 / 0.002), 1);
    expect(fit.rSquared).toBeGreaterThan(0.9999);
  });

  it('recovers the parameters within 1 % for any plausible truth (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.005, max: 0.3, noNaN: true }),
        fc.double({ min: 1e-5, max: 5e-3, noNaN: true }),
        fc.double({ min: 10, max: 5000, noNaN: true }),
        (sigma, kappa, lambda) => {
          const params = { sigma, kappa, lambda };
          const points = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128].map((n) => [n, uslThroughput(n, params)] as [number, number]);
          const fit = fitUsl(points);
          return (
            Math.abs(fit.sigma - sigma) / sigma < 0.01 &&
            Math.abs(fit.kappa - kappa) / kappa < 0.01 &&
            Math.abs(fit.lambda - lambda) / lambda < 0.01
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays close with 1 % multiplicative noise', () => {
    // deterministic ±1 % wiggle
    const points = [1, 2, 4, 8, 16, 32, 64].map((n, i) => [n, uslThroughput(n, truth) * (1 + (i % 2 === 0 ? 0.01 : -0.01))] as [number, number]);
    const fit = fitUsl(points);
    expect(fit.lambda).toBeGreaterThan(truth.lambda * 0.95);
    expect(fit.lambda).toBeLessThan(truth.lambda * 1.05);
    expect(fit.nStar).not.toBeNull();
  });

  it('rejects fewer than 3 usable points', () => {
    expect(() => fitUsl([[1, 10], [2, 19]])).toThrow(/at least 3/);
  });
});

/** Deterministic normal noise: mulberry32 and Box–Muller, so the coverage test is reproducible. */
function normalSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('USL fit intervals', () => {
  const stressSteps = [25, 50, 100, 200, 400, 800, 1600];
  const stressTruth = { sigma: 0.04, kappa: 1.5e-6, lambda: 40 };

  it('gives 95 % intervals that cover the true σ, κ, λ in most of 200 noisy stepped runs (3 % noise)', () => {
    let covered = { sigma: 0, kappa: 0, lambda: 0, nStar: 0 };
    const runs = 200;
    const trueNStar = uslPeak(stressTruth)!;
    for (let seed = 1; seed <= runs; seed++) {
      const noise = normalSource(seed);
      const points = stressSteps.map((n) => [n, uslThroughput(n, stressTruth) * (1 + 0.03 * noise())] as [number, number]);
      const fit = fitUsl(points);
      const iv = fit.intervals!;
      const inside = (value: number, low: number, high: number) => value >= low && value <= high;
      covered = {
        sigma: covered.sigma + (inside(stressTruth.sigma, iv.sigma.low, iv.sigma.high) ? 1 : 0),
        kappa: covered.kappa + (inside(stressTruth.kappa, iv.kappa.low, iv.kappa.high) ? 1 : 0),
        lambda: covered.lambda + (inside(stressTruth.lambda, iv.lambda.low, iv.lambda.high) ? 1 : 0),
        nStar: covered.nStar + (inside(trueNStar, iv.nStar.low ?? 0, iv.nStar.high ?? Infinity) ? 1 : 0),
      };
    }
    // Nominal 95 %; the covariance interval is approximate for a nonlinear fit on 7 points, so ≥ 85 %.
    expect(covered.sigma / runs).toBeGreaterThanOrEqual(0.85);
    expect(covered.kappa / runs).toBeGreaterThanOrEqual(0.85);
    expect(covered.lambda / runs).toBeGreaterThanOrEqual(0.85);
    expect(covered.nStar / runs).toBeGreaterThanOrEqual(0.85);
  });

  it('narrows to the truth on exact data and has no interval with only 3 points', () => {
    const exact = fitUsl(stressSteps.map((n) => [n, uslThroughput(n, stressTruth)] as [number, number]));
    expect(exact.intervals!.sigma.high - exact.intervals!.sigma.low).toBeLessThan(1e-4);
    expect(exact.pointCount).toBe(7);
    const three = fitUsl([[1, 10], [2, 19], [4, 35]]);
    expect(three.intervals).toBeNull();
  });
});
