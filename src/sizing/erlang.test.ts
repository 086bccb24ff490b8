import { describe, expect, it } from 'vitest';
import { erlangB, erlangC, mmc, mmcResponsePercentile, mmcResponseTail } from './erlang.js';

describe('Erlang C', () => {
  it('matches the textbook table: 10 agents, 8 Erlangs → P(wait) ≈ 0.4092', () => {
    expect(erlangC(10, 8)).toBeCloseTo(0.4092, 4);
  });
  it('matches closed forms: M/M/1 → ρ; M/M/2 → 2ρ²/(1+ρ)', () => {
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    const rho = 0.6;
    expect(erlangC(2, 2 * rho)).toBeCloseTo((2 * rho * rho) / (1 + rho), 12);
  });
  it('Erlang B by hand: 2 servers, 1 Erlang → 0.2', () => {
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 12);
  });
  it('is 1 for an unstable queue', () => {
    expect(erlangC(4, 4)).toBe(1);
    expect(mmc({ servers: 4, arrivalRate: 5, serviceTimeS: 1 }).stable).toBe(false);
  });
});

describe('M/M/c response time', () => {
  it('M/M/1 mean response is 1/(μ−λ) and p95 is ln(20)/(μ−λ)', () => {
    const queue = { servers: 1, arrivalRate: 70, serviceTimeS: 0.01 };
    expect(mmc(queue).meanResponseS).toBeCloseTo(1 / 30, 12);
    expect(mmcResponsePercentile(queue, 0.95)).toBeCloseTo(Math.log(20) / 30, 9);
  });
  it('the tail is 1 at t=0, decreasing, and at the p95 equals 5 %', () => {
    const queue = { servers: 8, arrivalRate: 500, serviceTimeS: 0.0112 };
    expect(mmcResponseTail(queue, 0)).toBeCloseTo(1, 12);
    const p95 = mmcResponsePercentile(queue, 0.95);
    expect(mmcResponseTail(queue, p95)).toBeCloseTo(0.05, 9);
    expect(mmcResponseTail(queue, p95 * 2)).toBeLessThan(0.05);
    // p95 is at least the p95 of service alone (ln 20 × S) and above the mean
    expect(p95).toBeGreaterThanOrEqual(Math.log(20) * 0.0112 - 1e-12);
    expect(p95).toBeGreaterThan(mmc(queue).meanResponseS);
  });
  it('handles θ = μ (the hypoexponential limit) continuously', () => {
    // c=2, μ=1, λ=1 → θ = cμ−λ = 1 = μ
    const queue = { servers: 2, arrivalRate: 1, serviceTimeS: 1 };
    const near = { servers: 2, arrivalRate: 1.000001, serviceTimeS: 1 };
    expect(mmcResponseTail(queue, 2)).toBeCloseTo(mmcResponseTail(near, 2), 5);
  });
});
