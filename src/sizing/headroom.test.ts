import { describe, expect, it } from 'vitest';
import type { Calibration, TierCalibration } from '../results/schema.js';
import { fitCpuModel } from './cpu-model.js';
import { computeHeadroom, generatorModel, generatorStepPoints } from './headroom.js';

function tier(name: string, instances: number, demandS: number, cpuModel?: TierCalibration['cpuModel']): TierCalibration {
  return { tier: name, instances, cpuSecondsPerRequest: { value: demandS, min: demandS, max: demandS, stdev: 0 }, coresBusy: 0, memoryBytesPerInstance: 0, ...(cpuModel ? { cpuModel } : {}) };
}

describe('bottleneck and headroom', () => {
  it('finds each tier’s saturation rate from its single-rate demand and names the first limit', () => {
    // Redis: one single-threaded process at 0.1 ms/req saturates at 10,000 req/s; the app (2 processes, 1 ms) at 2,000.
    const calibration: Calibration = { window: { fromS: 0, toS: 60 }, throughputRps: 500, tiers: [tier('app', 2, 0.001), tier('redis', 1, 0.0001), tier('postgres', 1, 0.0002)], machineCores: 4 };
    const headroom = computeHeadroom(calibration);
    const byTier = Object.fromEntries(headroom.tiers.map((t) => [t.tier, t]));
    expect(byTier.app!.coreLimit).toBe(2);
    expect(byTier.app!.saturationRps).toBeCloseTo(2000, 3);
    expect(byTier.app!.headroom).toBeCloseTo(4, 6);
    expect(byTier.redis!.saturationRps).toBeCloseTo(10000, 2);
    // PostgreSQL may use every core: 4 / 0.0002 = 20,000.
    expect(byTier.postgres!.coreLimit).toBe(4);
    expect(byTier.postgres!.saturationRps).toBeCloseTo(20000, 1);
    // Machine: 1.3 ms of CPU per request on 4 cores = 3,077 req/s; the app's 2 cores run out first.
    expect(headroom.machine!.saturationRps).toBeCloseTo(4 / 0.0013, 1);
    expect(headroom.bottleneck).toEqual({ limit: 'app', rateRps: expect.closeTo(2000, 3) });
  });

  it('uses the fitted CPU model and the generator’s share on a shared machine', () => {
    const appModel = fitCpuModel([[100, 0.3 + 0.001 * 100], [200, 0.3 + 0.001 * 200], [300, 0.3 + 0.001 * 300]], 3);
    const calibration: Calibration = {
      window: { fromS: 0, toS: 60 },
      throughputRps: 300,
      tiers: [tier('app', 3, 0.002, appModel), tier('lb', 1, 0.0002)],
      machineCores: 2,
      generator: { coresBusy: 0.15, throughputRps: 300 },
    };
    const headroom = computeHeadroom(calibration);
    // Machine: 0.3 + (0.001 + 0.0002 + 0.0005)·X = 2 → X = 1,000 req/s. The app alone: its model is
    // followed up to 4 × 300 = 1,200 req/s (1.5 cores, 1.25 ms a request), then 1.25 ms a request
    // stays: 2 cores at 1,600.
    expect(headroom.tiers.find((t) => t.tier === 'app')!.saturationRps).toBeCloseTo(1600, 0);
    expect(headroom.tiers.find((t) => t.tier === 'app')!.basis).toBe('model');
    expect(headroom.machine!.saturationRps).toBeCloseTo(1000, 0);
    expect(headroom.machine!.includesGenerator).toBe(true);
    expect(headroom.machine!.busiestTierAtLimit).toBe('app');
    expect(headroom.bottleneck!.limit).toBe('machine');
  });

  it('has no machine limit when the calibration does not know its cores', () => {
    const headroom = computeHeadroom({ window: { fromS: 0, toS: 60 }, throughputRps: 100, tiers: [tier('postgres', 1, 0.001)] });
    expect(headroom.machine).toBeNull();
    expect(headroom.tiers[0]!.saturationRps).toBeNull();
    expect(headroom.bottleneck).toBeNull();
  });
});

describe('the load generator’s own CPU model', () => {
  it('takes the generator’s mean cores in each step from its per-second samples', () => {
    const steps = [{ fromS: 10, toS: 20, throughputRps: 1000 }, { fromS: 30, toS: 40, throughputRps: 2000 }, { fromS: 50, toS: 60, throughputRps: 3000 }];
    // Samples at the end of each second; the last step has none, so it gives no point.
    const samples = [...Array.from({ length: 45 }, (_, i) => ({ t: i + 1, generatorCores: i < 25 ? 0.1 : 0.2 }))];
    const points = generatorStepPoints(steps, samples);
    expect(points.map(([x]) => x)).toEqual([1000, 2000]);
    expect(points[0]![1]).toBeCloseTo(0.1, 12);
    expect(points[1]![1]).toBeCloseTo(0.2, 12);
    expect(generatorModel([[1000, 0.1]])).toBeNull();
    expect(generatorModel([[1000, 0.1], [2000, 0.2]])!.kind).not.toBe('power');
  });

  it('uses it for the shared machine: a generator whose CPU per request falls leaves room for a higher rate', () => {
    // Recorded shape, not a target: autocannon at the stress run's steps of 2026-12-01 (0.144 cores at 968 req/s … 0.28 at 3,686).
    const generator = generatorModel([[968, 0.144], [1861, 0.202], [2685, 0.249], [3686, 0.281]])!;
    expect(generator.exponent).toBeLessThan(1);
    const calibration: Calibration = {
      window: { fromS: 0, toS: 60 },
      throughputRps: 968,
      tiers: [tier('app', 3, 0.0006)],
      machineCores: 2,
      generator: { coresBusy: 0.144, throughputRps: 968 },
    };
    const oneDemand = computeHeadroom(calibration).machine!;
    const modelled = computeHeadroom(calibration, { generator }).machine!;
    expect(modelled.includesGenerator).toBe(true);
    // One demand: (0.6 + 0.149) ms a request → 2 cores at 2,671 req/s; the model's share grows more slowly.
    expect(oneDemand.saturationRps).toBeCloseTo(2 / (0.0006 + 0.144 / 968), 0);
    expect(modelled.saturationRps!).toBeGreaterThan(oneDemand.saturationRps!);
    // The machine's cores are all used at the predicted rate: the app's share plus the generator's model.
    const at = modelled.saturationRps!;
    const generatorShare = generator.floorCores + generator.coefficient * Math.pow(at, generator.exponent);
    expect(0.0006 * at + generatorShare).toBeCloseTo(2, 3);
  });
});
