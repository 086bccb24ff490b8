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
