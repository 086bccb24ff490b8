import { describe, expect, it } from 'vitest';
import { demandAtInstanceLoad, describeCpuModel, EXTRAPOLATION_LIMIT, fitCpuModel, instanceCores, MAX_EXPONENT, proportionalModel, rateForCores, tierCores } from './cpu-model.js';

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

describe('CPU model fit: physically plausible forms, least squares on all steps', () => {
  // Recorded data, not a target: the app tier's cores at four steps in round 2 of the prediction
  // bench of 2026-12-01 (19:09 UTC), where the old choice fitted U = 0.056 + 0.0000122·X^1.61 and
  // predicted 3R at +160 %; the baseline run at 1,200 req/s right after measured 0.448 cores.
  const convexRound: Array<[number, number]> = [[100, 0.077], [196, 0.114], [295, 0.177], [393, 0.238]];

  it('never fits an exponent above 1: CPU per request does not rise with the rate below saturation', () => {
    const model = fitCpuModel(convexRound, 3);
    expect(model.exponent).toBeLessThanOrEqual(MAX_EXPONENT);
    // At most linear growth from the steps: no more than the top step's CPU per request at 3R, floor aside.
    expect(tierCores(model, 1200)).toBeLessThanOrEqual(model.floorCores + (1200 * 0.238) / 393 + 1e-9);
    // Even convex steps (the cost per request rising) give at most the top step's linear growth.
    const convex = fitCpuModel([100, 200, 300, 400].map((x) => [x, 1e-5 * x ** 1.5] as [number, number]));
    expect(convex.exponent).toBeLessThanOrEqual(1);
    expect(convex.floorCores).toBe(0);
  });

  it('names the form by the parameters the least-squares fit uses', () => {
    const affine = fitCpuModel([100, 200, 300, 400].map((x) => [x, 0.05 + 0.0004 * x] as [number, number]));
    expect(affine.kind).toBe('affine');
    expect(affine.floorCores).toBeCloseTo(0.05, 6);
    expect(affine.exponent).toBe(1);
    const powerLaw = fitCpuModel([100, 200, 300, 400].map((x) => [x, 0.002 * x ** 0.7] as [number, number]));
    expect(powerLaw.kind).toBe('power-law');
    expect(powerLaw.exponent).toBeCloseTo(0.7, 2);
    // Two rates determine a line; three choose the better two-parameter form (three parameters would pass through every point).
    expect(fitCpuModel([[100, 0.02], [400, 0.05]]).kind).toBe('affine');
    expect(fitCpuModel([100, 200, 400].map((x) => [x, 0.002 * x ** 0.6] as [number, number])).kind).toBe('power-law');
    expect(fitCpuModel([100, 200, 400].map((x) => [x, 0.01 + 0.0001 * x] as [number, number])).kind).toBe('affine');
  });

  it('fits all the steps at once, so one noisy step moves the curve a little instead of switching the form', () => {
    const truth = curve(0.02, 0.0006, 0.9);
    const clean = [100, 200, 300, 400].map((x) => [x, truth(x)] as [number, number]);
    const base = tierCores(fitCpuModel(clean), 1200);
    // Each step in turn 8 % high or low: the prediction at 3R stays within 25 % of the clean one. The
    // ×3 extrapolation amplifies one step's error about threefold, hence long steps (30 s) in the bench.
    for (let i = 0; i < 4; i++) {
      for (const factor of [0.92, 1.08]) {
        const noisy = clean.map(([x, u], j) => [x, j === i ? u * factor : u] as [number, number]);
        const model = fitCpuModel(noisy);
        expect(model.exponent).toBeLessThanOrEqual(1);
        expect(Math.abs(tierCores(model, 1200) - base) / base).toBeLessThan(0.25);
      }
    }
  });

  it('still reports each form’s forward held-out error, and the chosen form’s', () => {
    const model = fitCpuModel([100, 200, 300, 400].map((x) => [x, curve(0.3, 0.004, 0.8)(x)] as [number, number]), 3);
    expect(model.alternatives.map((a) => a.kind)).toEqual(['proportional', 'affine', 'power-law', 'power']);
    expect(model.heldOutError).toBe(model.alternatives.find((a) => a.kind === model.kind)!.heldOutError);
  });
});

describe('CPU model driven by wake-ups', () => {
  // An event-driven server: 70 µs of CPU per wake-up, 1.8 requests per wake-up at no load growing by 0.0007 per req/s.
  const wakeupsAt = (x: number) => x / (0.55 + 0.0007 * x);
  const steps = [100, 200, 300, 400];
  const cores = (x: number) => 70e-6 * wakeupsAt(x);

  it('follows the wake-ups when the CPU tracks them better than the requests, and bends with them above the steps', () => {
    const model = fitCpuModel(
      steps.map((x) => [x, cores(x)]),
      1,
      steps.map((x) => [x, wakeupsAt(x)]),
    );
    expect(model.kind).toBe('wake-ups');
    expect(model.wakeups!.base).toBeCloseTo(0.55, 6);
    expect(model.wakeups!.slope).toBeCloseTo(0.0007, 9);
    expect(model.wakeups!.cpuSecondsPerWakeup).toBeCloseTo(70e-6, 12);
    expect(model.wakeups!.fitError).toBeLessThan(1e-9);
    expect(model.wakeups!.requestFitError).toBeGreaterThan(0.05);
    expect(tierCores(model, 1200)).toBeCloseTo(cores(1200), 9);
    // The power form on the same CPU figures overshoots at 3R: the batching bends harder above R than the steps show.
    expect(tierCores(fitCpuModel(steps.map((x) => [x, cores(x)])), 1200)).toBeGreaterThan(cores(1200) * 1.02);
    expect(model.alternatives.map((a) => a.kind)).toContain('wake-ups');
    expect(describeCpuModel(model)).toBe('U = 70.0 µs × W(X), W(X) = X/(0.550 + 0.000700·X) wake-ups/s');
  });

  it('splits the batching per instance: three instances at X each see X/3', () => {
    const model = fitCpuModel(
      steps.map((x) => [x, 3 * 70e-6 * wakeupsAt(x / 3)]),
      3,
      steps.map((x) => [x, 3 * wakeupsAt(x / 3)]),
    );
    expect(model.kind).toBe('wake-ups');
    expect(instanceCores(model, 400)).toBeCloseTo(70e-6 * wakeupsAt(400), 9);
    expect(tierCores(model, 1200)).toBeCloseTo(3 * 70e-6 * wakeupsAt(400), 9);
  });

  it('keeps the rate forms when the CPU follows the requests (work per request large next to a wake-up)', () => {
    const model = fitCpuModel(
      steps.map((x) => [x, 0.001 * x]),
      1,
      steps.map((x) => [x, wakeupsAt(x)]),
    );
    expect(model.kind).toBe('proportional');
    expect(model.wakeups!.fitError).toBeGreaterThan(model.wakeups!.requestFitError);
  });

  it('needs three rates with wake-ups, and wake-ups that grow with the requests', () => {
    const two = fitCpuModel(
      steps.map((x) => [x, cores(x)]),
      1,
      [100, 200].map((x) => [x, wakeupsAt(x)]),
    );
    expect(two.kind).not.toBe('wake-ups');
    expect(two.wakeups).toBeUndefined();
    // Wake-ups growing faster than the requests (preemption on a saturated machine): no batching, the slope held at 0.
    const faster = fitCpuModel(
      steps.map((x) => [x, 1e-4 * x]),
      1,
      steps.map((x) => [x, x * (1 + x / 400)]),
    );
    expect(faster.wakeups!.slope).toBe(0);
    expect(faster.wakeups!.base).toBeGreaterThan(0);
    // Wake-ups that do not grow with the requests (a process woken by its timers): no driver.
    const timers = fitCpuModel(
      steps.map((x) => [x, 0.008]),
      1,
      steps.map((x) => [x, 110]),
    );
    expect(timers.wakeups).toBeUndefined();
    expect(timers.kind).not.toBe('wake-ups');
  });

  it('beyond the trusted range keeps the CPU per request of its edge, as every form does', () => {
    const model = fitCpuModel(
      steps.map((x) => [x, cores(x)]),
      1,
      steps.map((x) => [x, wakeupsAt(x)]),
    );
    const edge = 400 * EXTRAPOLATION_LIMIT;
    expect(tierCores(model, 2 * edge) / (2 * edge)).toBeCloseTo(tierCores(model, edge) / edge, 12);
    expect(demandAtInstanceLoad(model, 0.7)).toBeCloseTo(tierCores(model, edge) / edge, 9);
  });
});
