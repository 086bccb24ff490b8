import { describe, expect, it } from 'vitest';
import { demandAtInstanceLoad, describeCpuModel, EXTRAPOLATION_LIMIT, fitCpuModel, instanceCores, proportionalModel, rateForCores, tierCores } from './cpu-model.js';

const curve = (floor: number, a: number, b: number) => (x: number) => floor + a * Math.pow(x, b);

describe('CPU model fit', () => {
  it('recovers U = U0 + a·X^b from four rates and predicts 3R within 1 %', () => {
    const truth = curve(0.3, 0.004, 0.8);
    const points = [100, 200, 300, 400].map((x) => [x, truth(x)] as [number, number]);
    const model = fitCpuModel(points, 3);
    expect(model.kind).toBe('power');
    expect(model.exponent).toBeCloseTo(0.8, 2);
    expect(model.floorCores).toBeCloseTo(0.3, 2);
    expect(Math.abs(tierCores(model, 1200) - truth(1200)) / truth(1200)).toBeLessThan(0.01);
    expect(model.fitError).toBeLessThan(1e-3);
    expect(model.heldOutError).toBeLessThan(0.01);
  });

  it('keeps the simplest form when the data are proportional', () => {
    const model = fitCpuModel([100, 200, 300, 400].map((x) => [x, 0.001 * x] as [number, number]));
    expect(model.kind).toBe('proportional');
    expect(model.coefficient).toBeCloseTo(0.001, 9);
    expect(model.floorCores).toBe(0);
  });

  it('fits the known app data (1.15 ms at 400, 0.70 at 800, 0.41 at 1,860 req/s), which one demand cannot', () => {
    const points: Array<[number, number]> = [[400, 0.46], [800, 0.56], [1860, 0.76]];
    const model = fitCpuModel(points, 3);
    expect(model.kind).not.toBe('proportional');
    // Fitted on 400 and 800 alone, the chosen form predicts 1,860 within 10 %.
    expect(model.heldOutError!).toBeLessThan(0.1);
    // The proportional form, fitted on 400 and 800, misses 1,860 by far more than the chosen one.
    const proportional = model.alternatives.find((a) => a.kind === 'proportional')!.heldOutError!;
    expect(proportional).toBeGreaterThan(0.3);
    expect(model.heldOutError!).toBeLessThan(proportional / 2);
  });

  it('chooses the power law when per-request CPU falls with the rate, and predicts 3R from four steps within 5 % (median of 100 noisy runs)', () => {
    // U = 0.075·X^0.3 + 0.05, the batching shape; steps at R/4 … R with ±1.7 % wiggle.
    const truth = curve(0.05, 0.075, 0.3);
    const errors: number[] = [];
    for (let seed = 1; seed <= 100; seed++) {
      const wiggle = (i: number) => 1 + 0.017 * Math.sin(seed * 12.9898 + i * 78.233);
      const model = fitCpuModel([100, 200, 300, 400].map((x, i) => [x, truth(x) * wiggle(i)] as [number, number]), 3);
      errors.push(Math.abs(tierCores(model, 1200) - truth(1200)) / truth(1200));
    }
    errors.sort((a, b) => a - b);
    expect(errors[50]!).toBeLessThan(0.05);
    const clean = fitCpuModel([100, 200, 300, 400].map((x) => [x, 0.1 * Math.pow(x, 0.4)] as [number, number]));
    expect(clean.kind).toBe('power-law');
    expect(clean.exponent).toBeCloseTo(0.4, 2);
  });

  it('predicts within 10 % at 3R for a large floor plus near-linear growth from four steps at R/4 … R (±1 % noise, 50 seeds, median)', () => {
    const truth = curve(0.35, 0.0009, 0.85);
    const errors: number[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const wiggle = (i: number) => 1 + 0.01 * Math.sin(seed * 12.9898 + i * 78.233);
      const points = [100, 200, 300, 400].map((x, i) => [x, truth(x) * wiggle(i)] as [number, number]);
      const model = fitCpuModel(points, 3);
      errors.push(Math.abs(tierCores(model, 1200) - truth(1200)) / truth(1200));
    }
    errors.sort((a, b) => a - b);
    expect(errors[25]!).toBeLessThan(0.1);
  });

  it('has no held-out check with one rate, and the single-rate model is U = X·D', () => {
    const one = fitCpuModel([[400, 0.46]]);
    expect(one.kind).toBe('proportional');
    expect(one.heldOutError).toBeNull();
    const single = proportionalModel(0.00115, 400, 3);
    expect(tierCores(single, 1200)).toBeCloseTo(1.38, 9);
    expect(() => fitCpuModel([[0, 1]])).toThrow(/positive rate/);
  });

  it('splits the floor per instance and keeps the CPU per request constant beyond the trusted range', () => {
    const model = fitCpuModel([100, 200, 300, 400].map((x) => [x, curve(0.3, 0.004, 0.8)(x)] as [number, number]), 3);
    // Three instances measured: one instance at a third of the tier's rate carries a third of the cores.
    expect(instanceCores(model, 100)).toBeCloseTo(tierCores(model, 300) / 3, 9);
    const limit = (400 / 3) * EXTRAPOLATION_LIMIT;
    const perRequestAtLimit = instanceCores(model, limit) / limit;
    expect(instanceCores(model, limit * 5) / (limit * 5)).toBeCloseTo(perRequestAtLimit, 12);
    // Up to the limit the curve itself: 3R is inside it.
    expect(tierCores(model, 1200)).toBeCloseTo(curve(0.3, 0.004, 0.8)(1200), 2);
  });

  it('finds the rate for a core budget and the demand at a target load', () => {
    const model = proportionalModel(0.001, 500);
    expect(rateForCores((x) => tierCores(model, x), 0.7)).toBeCloseTo(700, 3);
    expect(demandAtInstanceLoad(model, 0.7)).toBeCloseTo(0.001, 9);
    expect(rateForCores(() => 1, 0.5)).toBe(0);
    expect(rateForCores(() => 0.1, 0.5)).toBeNull();
    expect(describeCpuModel({ ...model, floorCores: 0.3 })).toBe('U = 0.300 + 0.00100·X');
  });
});
