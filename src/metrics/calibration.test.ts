import { describe, expect, it } from 'vitest';
import type { Interval, ServerSeries } from '../results/schema.js';
import { fitUsl } from '../sizing/usl-fit.js';
import { uslThroughput } from '../sizing/usl.js';
import { calibrate, chooseSteadyWindow, holdStages, interleavedBlocks, requestsInWindow, steadyStretch, utilizationLawCheck, uslPoints } from './calibration.js';

function interval(t: number, rps: number, extra: Partial<Interval> = {}): Interval {
  return { t, durationS: 1, achievedRps: rps, requests: Math.round(rps), errors: 0, errorsByKind: {}, statusCounts: {}, ...extra };
}

function cpuSeries(tier: string, instance: string, coresAt: (t: number) => number, until: number, source: ServerSeries['source'] = 'proc'): ServerSeries {
  const points: Array<[number, number]> = [];
  for (let t = 0; t <= until; t += 1) points.push([t, coresAt(t)]);
  return { tier, instance, metric: 'cpu_seconds_per_second', unit: 'cores', source, points };
}

function rssSeries(tier: string, instance: string, bytesAt: (t: number) => number, until: number): ServerSeries {
  const points: Array<[number, number]> = [];
  for (let t = 0; t <= until; t += 1) points.push([t, bytesAt(t)]);
  return { tier, instance, metric: 'rss_bytes', unit: 'bytes', source: 'proc', points };
}

// Ramp 0→200 req/s over 5 s, hold 200 for 20 s, ramp down over 3 s.
const rampHold: Interval[] = [
  ...[40, 80, 120, 160, 200].map((rps, i) => interval(i, rps)),
  ...Array.from({ length: 20 }, (_, i) => interval(5 + i, i % 2 === 0 ? 196 : 204, { activeUsers: 50 })),
  ...[150, 100, 50].map((rps, i) => interval(25 + i, rps)),
];
const plan = { startTarget: 0, model: 'open' as const, stages: [{ durationS: 5, target: 200 }, { durationS: 20, target: 200 }, { durationS: 3, target: 0 }] };

describe('steady window', () => {
  it('finds the hold stage from the plan, leaving its first interval out', () => {
    expect(holdStages(plan)).toEqual([{ fromS: 5, toS: 25, target: 200 }]);
    expect(chooseSteadyWindow(rampHold, plan)).toEqual({ fromS: 6, toS: 25 });
  });

  it('without a plan, finds the longest stretch within ±10 % of its median', () => {
    // 200 at t=4 belongs to the stretch too: it is within 10 % of the hold.
    expect(steadyStretch(rampHold)).toEqual({ fromS: 4, toS: 25 });
  });

  it('sees through per-second jitter of the generator', () => {
    const jittery = [120, ...Array.from({ length: 30 }, (_, i) => [330, 470, 400][i % 3] as number), 90].map((rps, t) => interval(t, rps));
    // The first and last steady seconds are averaged with the ramp around them, so they drop out.
    expect(steadyStretch(jittery)).toEqual({ fromS: 2, toS: 30 });
    expect(steadyStretch(jittery, 0.1, 1)?.toS).toBeLessThan(5);
  });

  it('gives no window when nothing was served', () => {
    expect(steadyStretch([interval(0, 0), interval(1, 0), interval(2, 0)])).toBeUndefined();
  });

  it('counts requests pro rata at the window edges', () => {
    expect(requestsInWindow([interval(0, 100), interval(1, 100)], { fromS: 0.5, toS: 2 })).toBe(150);
  });
});

describe('calibrate', () => {
  // App: 2 instances at 2 ms per request each half of the load, plus nothing idle; redis 0.1 ms.
  const rateAt = (t: number): number => (rampHold.find((i) => i.t + 1 === t)?.achievedRps ?? 0);
  const server: ServerSeries[] = [
    cpuSeries('app', 'app1', (t) => (rateAt(t) / 2) * 0.002, 28),
    cpuSeries('app', 'app2', (t) => (rateAt(t) / 2) * 0.002, 28),
    cpuSeries('redis', 'redis', (t) => rateAt(t) * 0.0001, 28),
    // Prometheus also has app CPU: /proc wins.
    cpuSeries('app', '127.0.0.1:3001', () => 5, 28, 'prometheus'),
    rssSeries('app', 'app1', (t) => (t < 5 ? 100e6 : 110e6), 28),
    rssSeries('app', 'app2', (t) => (t < 5 ? 100e6 : 110e6), 28),
  ];

  it('measures service demand, busy cores and memory per tier over the steady window', () => {
    const calibration = calibrate({ intervals: rampHold, server, plan, bytesReceived: 2_000_000, totalRequests: 1000, machine: 'test' });
    expect(calibration?.window).toEqual({ fromS: 6, toS: 25 });
    expect(calibration?.throughputRps).toBeCloseTo(200, 0);
    const app = calibration?.tiers.find((t) => t.tier === 'app');
    expect(app?.instances).toBe(2);
    expect(app?.cpuSecondsPerRequest.value).toBeCloseTo(0.002, 6);
    expect(app?.cpuSecondsPerRequest.min).toBeLessThanOrEqual(app?.cpuSecondsPerRequest.value as number);
    expect(app?.cpuSecondsPerRequest.stdev).toBeLessThan(0.0001);
    expect(app?.coresBusy).toBeCloseTo(0.4, 2);
    expect(app?.memoryBytesPerInstance).toBe(110e6);
    // 2 × 10 MB added over 50 users.
    expect(app?.memoryBytesPerUser).toBeCloseTo(400_000, 0);
    expect(calibration?.tiers.find((t) => t.tier === 'redis')?.cpuSecondsPerRequest.value).toBeCloseTo(0.0001, 7);
    expect(calibration?.bytesPerResponse).toBe(2000);
    expect(calibration?.concurrentUsers).toBe(50);
  });

  it('reproduces measured utilization by U = X·D on a held-out window', () => {
    const calibration = calibrate({ intervals: rampHold, server, window: { fromS: 6, toS: 15 } });
    const checks = utilizationLawCheck(calibration!, rampHold, server, { fromS: 15, toS: 25 });
    expect(checks.map((c) => c.tier).sort()).toEqual(['app', 'redis']);
    for (const check of checks) expect(check.relativeError).toBeLessThan(0.02);
  });

  it('shows a wrong demand as a large error', () => {
    const calibration = calibrate({ intervals: rampHold, server, window: { fromS: 6, toS: 15 } })!;
    const doubled = { ...calibration, tiers: calibration.tiers.map((t) => ({ ...t, cpuSecondsPerRequest: { ...t.cpuSecondsPerRequest, value: t.cpuSecondsPerRequest.value * 2 } })) };
    for (const check of utilizationLawCheck(doubled, rampHold, server, { fromS: 15, toS: 25 })) expect(check.relativeError).toBeGreaterThan(0.9);
  });

  it('calibrates on interleaved blocks and checks on the others', () => {
    const [even, odd] = interleavedBlocks({ fromS: 6, toS: 25 }, 2);
    expect(even).toEqual([{ fromS: 6, toS: 8 }, { fromS: 10, toS: 12 }, { fromS: 14, toS: 16 }, { fromS: 18, toS: 20 }, { fromS: 22, toS: 24 }]);
    expect(odd).toHaveLength(4);
    const calibration = calibrate({ intervals: rampHold, server, window: even })!;
    expect(calibration.window).toEqual({ fromS: 6, toS: 24 });
    expect(calibration.tiers.find((t) => t.tier === 'app')?.cpuSecondsPerRequest.value).toBeCloseTo(0.002, 6);
    for (const check of utilizationLawCheck(calibration, rampHold, server, odd)) expect(check.relativeError).toBeLessThan(0.02);
  });

  it('gives nothing without server CPU', () => {
    expect(calibrate({ intervals: rampHold, server: [], plan })).toBeUndefined();
  });
});

describe('USL from a stepped run', () => {
  it('fits σ, κ, λ through the sizing fit from the hold steps', () => {
    const truth = { sigma: 0.05, kappa: 0.001, lambda: 100 };
    const steps = [1, 4, 8, 16, 32];
    const stages = steps.flatMap((n) => [{ durationS: 1, target: n }, { durationS: 6, target: n }]);
    const intervals: Interval[] = [];
    let t = 0;
    for (const n of steps) {
      intervals.push(interval(t, uslThroughput(n, truth) / 2, { activeUsers: n }));
      t += 1;
      for (let k = 0; k < 6; k += 1, t += 1) intervals.push(interval(t, uslThroughput(n, truth), { activeUsers: n, requests: Math.round(uslThroughput(n, truth)) }));
    }
    const steppedPlan = { startTarget: 0, model: 'closed' as const, stages };
    expect(uslPoints(intervals, steppedPlan)).toHaveLength(5);
    const server = [cpuSeries('app', 'app1', () => 0.5, t)];
    const calibration = calibrate({ intervals, server, plan: steppedPlan, fitUsl });
    expect(calibration?.usl?.sigma).toBeCloseTo(0.05, 1);
    expect(calibration?.usl?.kappa).toBeCloseTo(0.001, 3);
    expect(calibration?.usl?.points).toHaveLength(5);
    // Exact steps: the intervals hold the truth, and the fit says what N counted.
    expect(calibration?.usl?.intervals?.kappa.low).toBeLessThanOrEqual(0.001 + 1e-9);
    expect(calibration?.usl?.intervals?.kappa.high).toBeGreaterThanOrEqual(0.001 - 1e-9);
    expect(calibration?.usl?.unit).toBe('users');
    expect(calibration?.usl?.provenance).toMatch(/5 steps of a stepped run/);
  });
});

describe('CPU model from the steps of an open-model run', () => {
  it('fits each tier from its hold steps: a floor plus growth, recovered and extrapolated to 3R', () => {
    // Steps at 100, 200, 300, 400 req/s, 12 s each after a 2 s ramp; the app's cores follow 0.3 + 0.004·X^0.8.
    const rates = [100, 200, 300, 400];
    const appCores = (x: number) => 0.3 + 0.004 * Math.pow(x, 0.8);
    const stages = rates.flatMap((rate) => [{ durationS: 2, target: rate }, { durationS: 12, target: rate }]);
    const intervals: Interval[] = [];
    const rateAt: number[] = [];
    let t = 0;
    for (const rate of rates) {
      for (let k = 0; k < 14; k += 1, t += 1) {
        intervals.push(interval(t, rate));
        rateAt.push(rate);
      }
    }
    const server = [
      cpuSeries('app', 'app1', (s) => appCores(rateAt[Math.min(Math.max(0, Math.ceil(s) - 1), rateAt.length - 1)] ?? 0) / 2, t),
      cpuSeries('app', 'app2', (s) => appCores(rateAt[Math.min(Math.max(0, Math.ceil(s) - 1), rateAt.length - 1)] ?? 0) / 2, t),
      cpuSeries('redis', 'redis1', (s) => 0.0001 * (rateAt[Math.min(Math.max(0, Math.ceil(s) - 1), rateAt.length - 1)] ?? 0), t),
    ];
    const calibration = calibrate({ intervals, server, plan: { startTarget: 0, model: 'open', stages }, machineCores: 2 });
    expect(calibration?.steps).toHaveLength(4);
    expect(calibration?.machineCores).toBe(2);
    const app = calibration?.tiers.find((tier) => tier.tier === 'app');
    expect(app?.cpuModel?.points).toHaveLength(4);
    expect(app?.cpuModel?.instances).toBe(2);
    expect(app?.cpuModel?.floorCores).toBeCloseTo(0.3, 1);
    const model = app!.cpuModel!;
    const predicted = model.floorCores + model.coefficient * Math.pow(1200, model.exponent);
    expect(Math.abs(predicted - appCores(1200)) / appCores(1200)).toBeLessThan(0.02);
    expect(calibration?.tiers.find((tier) => tier.tier === 'redis')?.cpuModel?.kind).toBe('proportional');
  });

  it('lets the wake-ups drive the CPU model of the tiers named for it (default redis), where the sampler counted them', () => {
    const rates = [100, 200, 300, 400];
    const stages = rates.flatMap((rate) => [{ durationS: 2, target: rate }, { durationS: 12, target: rate }]);
    const intervals: Interval[] = [];
    const rateAt: number[] = [];
    for (const rate of rates) {
      for (let k = 0; k < 14; k += 1) {
        intervals.push(interval(intervals.length, rate));
        rateAt.push(rate);
      }
    }
    const until = intervals.length;
    const at = (s: number) => rateAt[Math.min(Math.max(0, Math.ceil(s) - 1), rateAt.length - 1)] ?? 0;
    // Both tiers: 60 µs per wake-up, requests per wake-up 0.5 + 0.0007·X.
    const wakeupsAt = (x: number) => x / (0.5 + 0.0007 * x);
    const wakeups = (tier: string): ServerSeries => ({ ...cpuSeries(tier, `${tier}1`, (s) => wakeupsAt(at(s)), until), metric: 'wakeups_per_second', unit: 'wake-ups/s' });
    const server = ['redis', 'lb'].flatMap((tier) => [cpuSeries(tier, `${tier}1`, (s) => 60e-6 * wakeupsAt(at(s)), until), wakeups(tier)]);
    const byDefault = calibrate({ intervals, server, plan: { startTarget: 0, model: 'open', stages } });
    const redis = byDefault?.tiers.find((tier) => tier.tier === 'redis')?.cpuModel;
    expect(redis?.kind).toBe('wake-ups');
    expect(redis?.wakeups?.cpuSecondsPerWakeup).toBeCloseTo(60e-6, 9);
    expect(redis?.wakeups?.points).toHaveLength(4);
    const lb = byDefault?.tiers.find((tier) => tier.tier === 'lb')?.cpuModel;
    expect(lb?.kind).not.toBe('wake-ups');
    expect(lb?.wakeups).toBeUndefined();
    const named = calibrate({ intervals, server, plan: { startTarget: 0, model: 'open', stages }, wakeupDrivenTiers: ['lb'] });
    expect(named?.tiers.find((tier) => tier.tier === 'lb')?.cpuModel?.kind).toBe('wake-ups');
    expect(named?.tiers.find((tier) => tier.tier === 'redis')?.cpuModel?.kind).not.toBe('wake-ups');
  });

  it('has no CPU model for a run with one rate', () => {
    const calibration = calibrate({ intervals: rampHold, server: [cpuSeries('app', 'a', () => 0.5, 28)], plan });
    expect(calibration?.tiers[0]?.cpuModel).toBeUndefined();
    expect(calibration?.steps).toBeUndefined();
  });
});
