import { describe, expect, it } from 'vitest';
import type { Calibration } from '../results/schema.js';
import { defaultAssumptions } from './assumptions.js';
import { loadDefaultCalibration } from './calibration.js';
import { builtInCatalogPath, loadCatalogs } from './catalog-load.js';
import { fitCpuModel, instanceCores } from './cpu-model.js';
import { computeNeeds, uslFitProblem } from './needs.js';
import { fitUsl } from './usl-fit.js';
import { buildModelsSection, modelLines } from './models-report.js';
import { buildSizeReport } from './size.js';
import { buildWorkload } from './workload.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function calibrationWithModel(): Calibration {
  // The known app data: busy cores 0.46, 0.56, 0.76 at 400, 800, 1,860 req/s over 3 processes.
  const appModel = fitCpuModel([[400, 0.46], [800, 0.56], [1860, 0.76]], 3);
  const spread = (value: number) => ({ value, min: value, max: value, stdev: 0 });
  return {
    window: { fromS: 10, toS: 70 },
    throughputRps: 1860,
    machineCores: 2,
    tiers: [
      { tier: 'app', instances: 3, cpuSecondsPerRequest: spread(0.76 / 1860), coresBusy: 0.76, memoryBytesPerInstance: 120e6, memoryBytesPerUser: 1e6, cpuModel: appModel },
      { tier: 'redis', instances: 1, cpuSecondsPerRequest: spread(5e-5), coresBusy: 0.09, memoryBytesPerInstance: 13e6, memoryBytesPerUser: 7952 },
    ],
    usl: { sigma: 0.02, kappa: 1e-5, lambda: 500, nStar: Math.sqrt(0.98 / 1e-5), points: [[25, 1000], [50, 1800], [100, 2900]], intervals: null, unit: 'users', provenance: '3 steps of scenario stress' },
  };
}

describe('sizing with the measured models', () => {
  it('sizes the app with the demand of one process at the target load, floor included, not the single-rate D', () => {
    const a = defaultAssumptions();
    const calibration = calibrationWithModel();
    const needs = computeNeeds(buildWorkload({ totalUsers: 1_000_000 }, a), calibration, a);
    const model = calibration.tiers[0]!.cpuModel!;
    const demand = needs.app.serviceDemandS;
    // One process at the demand's rate is at the target utilization.
    expect(instanceCores(model, a.targetUtilization / demand)).toBeCloseTo(a.targetUtilization, 6);
    const appBasis = needs.cpu.find((c) => c.tier === 'app')!;
    expect(appBasis.origin).toBe('model');
    expect(needs.cpu.find((c) => c.tier === 'redis')!.origin).toBe('single rate');
    expect(needs.app.usl.origin).toBe('calibration');
    expect(needs.app.usl.provenance).toMatch(/stress/);
  });

  it('sizes Redis from its wake-ups model where the calibration has one, and prints its formula without a second unit', () => {
    const a = defaultAssumptions();
    const calibration = calibrationWithModel();
    const steps = [100, 200, 300, 400];
    const wakeupsAt = (x: number) => x / (0.44 + 0.0007 * x);
    const redisModel = fitCpuModel(
      steps.map((x) => [x, 58e-6 * wakeupsAt(x)]),
      1,
      steps.map((x) => [x, wakeupsAt(x)]),
    );
    calibration.tiers[1] = { ...calibration.tiers[1]!, cpuModel: redisModel };
    const needs = computeNeeds(buildWorkload({ totalUsers: 1_000_000 }, a), calibration, a);
    const redis = needs.cpu.find((c) => c.tier === 'redis')!;
    expect(redis.kind).toBe('wake-ups');
    expect(redis.origin).toBe('model');
    // Past 4 × the top step the CPU per request stays at its value there: 58 µs per wake-up over 0.44 + 0.0007·1,600 requests per wake-up.
    expect(redis.demandUsedS).toBeCloseTo(58e-6 / (0.44 + 0.0007 * 1600), 9);
    const lines = modelLines(buildModelsSection(needs, calibration, []));
    expect(lines.find((line) => line.startsWith('CPU redis'))).toMatch(/^CPU redis +U = 58\.0 µs × W\(X\), W\(X\) = X\/\(0\.440 \+ 0\.000700·X\) wake-ups\/s \(wake-ups, measured at 100–400 req\/s;/);
  });

  it('does not size with a USL fit of a stack saturated from the first step: σ and κ are assumed, and the report says why', () => {
    // Throughput flat (±5 %) from 25 to 1,600 users: the knee is below the first step.
    const points = [25, 50, 100, 200, 400, 800, 1600].map((n, i) => [n, 2800 * (1 + 0.05 * Math.sin(i * 2.1))] as [number, number]);
    const fit = fitUsl(points);
    const calibration = { ...calibrationWithModel(), usl: { sigma: fit.sigma, kappa: fit.kappa, lambda: fit.lambda, nStar: fit.nStar, points, intervals: fit.intervals, rSquared: fit.rSquared, unit: 'users' as const } };
    expect(uslFitProblem(calibration.usl)).not.toBeNull();
    const a = defaultAssumptions();
    const needs = computeNeeds(buildWorkload({ totalUsers: 1_000_000 }, a), calibration, a);
    expect(needs.app.usl.origin).toBe('assumption');
    expect(needs.app.usl.sigma).toBe(a.uslSigma);
    expect(needs.app.usl.rejected).toMatch(/below the first step|bound of 1/);
    expect(needs.notes.some((n) => n.includes('is not used because'))).toBe(true);
    // A fit that describes its steps is used.
    expect(uslFitProblem({ ...calibration.usl, rSquared: 0.97, sigma: 0.05 })).toBeNull();
  });

  it('takes session bytes from the named input, never from the calibration’s memory growth', () => {
    const a = defaultAssumptions();
    const workload = buildWorkload({ totalUsers: 1_000_000 }, a);
    const assumed = computeNeeds(workload, calibrationWithModel(), a);
    expect(assumed.session).toEqual({ bytesPerUser: a.sessionBytes, origin: 'assumption' });
    expect(assumed.redis.sessionBytes).toBeCloseTo(workload.usersAtHorizon * a.dailyActiveRatio * a.sessionBytes, 3);
    const given = computeNeeds(workload, calibrationWithModel(), { ...a, sessionBytes: 300 });
    expect(given.session).toEqual({ bytesPerUser: 300, origin: 'input' });
  });

  it('answers 100,000,000 users with a plan past the scalability limit, flagged, instead of failing', async () => {
    const { calibration, source } = await loadDefaultCalibration();
    const catalogs = (await loadCatalogs()).map((catalog) => ({ catalog, file: builtInCatalogPath(catalog.provider) }));
    const report = buildSizeReport({
      workload: { totalUsers: 100_000_000 },
      assumptions: defaultAssumptions(),
      origins: {},
      calibration,
      calibrationSource: source,
      catalogs,
      plan: { dedicatedCpuOnly: false, managed: 'prefer' },
      now: NOW,
    });
    expect(report.models.scalabilityLimit.exceeded).toBe(true);
    expect(report.models.scalabilityLimit.providers.length).toBeGreaterThan(0);
    const aws = report.providers.find((p) => p.provider === 'aws')!;
    const app = aws.lines.find((l) => l.tier === 'app')!;
    expect(app.flags.some((f) => f.startsWith('past the scalability limit'))).toBe(true);
    expect(aws.notes.some((n) => /past the scalability limit/.test(n))).toBe(true);
    expect(report.models.assumed).toContain('USL σ (uslSigma)');
  });
});
