import { describe, expect, it } from 'vitest';
import type { Calibration, TierCalibration } from '../results/schema.js';
import { fitCpuModel } from './cpu-model.js';
import type { ModelsSection } from './models-schema.js';
import { modelLines } from './models-report.js';
import { computeHeadroom, generatorModel, generatorStepPoints, KNEE_PEAK_SHARE, KNEE_GAIN_PER_DOUBLING, uslKnee } from './headroom.js';

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
    expect(headroom.bottleneck).toEqual({ limit: 'app', rateRps: expect.closeTo(2000, 3), basis: 'cpu models', busiestTier: 'app' });
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

/** Recorded shape, not a target: the stress run of 2026-12-01 22:16 UTC (users 1…64, no think time), N:X req/s. */
const RECORDED_STRESS_POINTS: Array<[number, number]> = [[1, 756], [2, 1717], [4, 2137], [8, 2705], [16, 3362], [32, 3882], [64, 3842]];

describe('the stack’s limit from a stepped run’s USL fit', () => {
  // Its fit: σ 0.207, κ 0.000144, λ 887 (N* 74).
  const recordedPoints = RECORDED_STRESS_POINTS;
  const recordedFit = { sigma: 0.207, kappa: 0.000144, lambda: 887, points: recordedPoints };
  const appModel = fitCpuModel([[500, 0.3], [1000, 0.55], [1500, 0.75], [2000, 0.95]], 3);
  const base = (usl?: Omit<NonNullable<Calibration['usl']>, 'nStar'>): Calibration => ({
    window: { fromS: 0, toS: 60 },
    throughputRps: 2000,
    tiers: [tier('app', 3, 0.0005, appModel), tier('postgres', 1, 0.0002), tier('lb', 1, 0.0001)],
    machineCores: 2,
    ...(usl ? { usl: { ...usl, nStar: null } } : {}),
  });

  it('takes the fit’s peak when the steps measured the flattening', () => {
    const knee = uslKnee(recordedFit);
    expect(knee.reachedKnee).toBe(true);
    // X(N*) of the fit itself, by the USL formula.
    const nStar = Math.sqrt((1 - 0.207) / 0.000144);
    expect(knee.peakUsers).toBeCloseTo(nStar, 9);
    expect(knee.peakRps).toBeCloseTo((887 * nStar) / (1 + 0.207 * (nStar - 1) + 0.000144 * nStar * (nStar - 1)), 6);
    // 32 → 64 users: 3,882 → 3,842 req/s, a fall.
    expect(knee.gainPerDoubling).toBeCloseTo(3842 / 3882 - 1, 9);
    expect(knee.reason).toMatch(/reached the knee/);

    const headroom = computeHeadroom(base(recordedFit));
    expect(headroom.bottleneck).toEqual({ limit: 'stack', rateRps: knee.peakRps, basis: 'usl', busiestTier: 'app' });
    expect(headroom.caveat).toBeNull();
    // The CPU-model limit is kept beside it, and is lower: the models fill the cores before the stack stops gaining.
    expect(headroom.cpuModelBottleneck!.limit).toBe('machine');
    expect(headroom.cpuModelBottleneck!.rateRps).toBeLessThan(knee.peakRps!);
  });

  it('keeps the CPU-model limit, with a caveat, when the steps stayed below the knee', () => {
    // The same run's first four steps and their own fit (σ 0.042, κ 0.0215): its peak, 2,683 req/s,
    // sits beside the top step, yet throughput still rose 27 % from 4 to 8 users.
    const belowKnee = { sigma: 0.042, kappa: 0.0215, lambda: 825, points: recordedPoints.slice(0, 4) };
    const knee = uslKnee(belowKnee);
    expect(knee.highestStepRps / knee.peakRps!).toBeGreaterThan(KNEE_PEAK_SHARE);
    expect(knee.gainPerDoubling).toBeCloseTo(2705 / 2137 - 1, 9);
    expect(knee.reachedKnee).toBe(false);
    expect(knee.reason).toMatch(/stayed below the knee/);

    const headroom = computeHeadroom(base(belowKnee));
    expect(headroom.bottleneck).toEqual({ ...headroom.cpuModelBottleneck!, basis: 'cpu models', busiestTier: headroom.machine!.busiestTierAtLimit });
    expect(headroom.caveat).toMatch(/under-predicts/);
    expect(headroom.caveat).toMatch(/stayed below the knee/);
  });

  it('refuses a fit whose peak lies far above the measured steps, and one with no peak', () => {
    // Flat top steps (gain 2 % per doubling) but a fit claiming 10,000 req/s.
    const farPeak = uslKnee({ sigma: 0.05, kappa: 0, lambda: 500, points: [[4, 1800], [8, 1900], [16, 1938]] });
    expect(farPeak.peakRps).toBeCloseTo(10000, 6);
    expect(farPeak.gainPerDoubling!).toBeLessThan(KNEE_GAIN_PER_DOUBLING);
    expect(farPeak.reachedKnee).toBe(false);
    expect(farPeak.reason).toMatch(/far above/);
    const noPeak = uslKnee({ sigma: 0, kappa: 0, lambda: 500, points: [[1, 500], [2, 1000], [4, 2000]] });
    expect(noPeak.peakRps).toBeNull();
    expect(noPeak.reachedKnee).toBe(false);
  });

  it('says there is no fit when the calibration has none', () => {
    const headroom = computeHeadroom(base());
    expect(headroom.usl).toBeNull();
    expect(headroom.bottleneck!.basis).toBe('cpu models');
    expect(headroom.caveat).toMatch(/No USL fit/);
  });
});

describe('the report’s bottleneck lines', () => {
  const section = (headroom: ReturnType<typeof computeHeadroom>): ModelsSection => ({
    usl: { origin: 'assumption', sigma: 0.03, kappa: 0.0001, lambda: 1000, nStar: 98, intervals: null, provenance: null, rejected: null },
    cpu: [],
    session: { bytesPerUser: 0, origin: 'assumption', reason: '' },
    headroom,
    scalabilityLimit: { exceeded: false, providers: [] },
    assumed: [],
  });
  const calibration = (usl?: Calibration['usl']): Calibration => ({
    window: { fromS: 0, toS: 60 },
    throughputRps: 1000,
    tiers: [tier('app', 3, 0.0008)],
    machineCores: 2,
    ...(usl ? { usl } : {}),
  });

  it('names the basis: the USL fit with the CPU-model limit beside it, or the CPU models with their caveat', () => {
    const points = RECORDED_STRESS_POINTS;
    const usl = { sigma: 0.207, kappa: 0.000144, lambda: 887, nStar: 74.2, points };
    const byUsl = modelLines(section(computeHeadroom(calibration(usl)))).join('\n');
    expect(byUsl).toMatch(/Bottleneck: the stack peaks at 3,88\d req\/s \(basis: USL fit of the stepped run/);
    expect(byUsl).toMatch(/the CPU models alone: the app tier at 2,500 req\/s/);
    expect(byUsl).toMatch(/reached the knee/);
    const byModels = modelLines(section(computeHeadroom(calibration({ ...usl, points: points.slice(0, 4) })))).join('\n');
    expect(byModels).toMatch(/Bottleneck: the app tier saturates first, at 2,500 req\/s \(basis: CPU models\)/);
    expect(byModels).toMatch(/under-predicts .* stayed below the knee/);
  });
});
