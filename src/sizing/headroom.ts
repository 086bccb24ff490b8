/**
 * Bottleneck and headroom of the measured hardware: for each tier of a calibration, the rate at
 * which its CPU model reaches the cores it can use, and for the machine as a whole (all tiers and
 * the load generator share its cores on a one-machine stack) the rate at which their sum does.
 * The lowest of these is the CPU-model limit. When the calibration's stepped run measured the
 * knee of its throughput curve (uslKnee), the stack's limit is the USL fit's peak instead: per-
 * request CPU falls near saturation (bigger batches per wake-up), which a CPU model fitted below
 * the knee cannot see, so the CPU-model sum under-predicts there. Pure.
 */
import type { Calibration, TierCalibration } from '../results/schema.js';
import { fitCpuModel, proportionalModel, rateForCores, tierCores, type CpuModel } from './cpu-model.js';
import { uslPeak, uslThroughput } from './usl.js';

/** Tiers whose processes run on one thread each: a process can use at most one core. */
const SINGLE_THREADED = new Set(['app', 'redis']);

export interface TierHeadroom {
  tier: string;
  instances: number;
  /** Cores the tier can use on the measured hardware; null when unknown (no machine cores, a multi-threaded tier). */
  coreLimit: number | null;
  limitReason: string;
  /** Rate at which the tier's CPU model reaches coreLimit; null when it never does. */
  saturationRps: number | null;
  /** saturationRps over the calibration's throughput: how many times the calibrated load fits. */
  headroom: number | null;
  /** 'model' when fitted from several rates, 'single rate' when U = X·D from one. */
  basis: 'model' | 'single rate';
}

export interface Headroom {
  calibrationRps: number;
  machineCores: number | null;
  tiers: TierHeadroom[];
  /** All tiers (and the generator, when measured) together on the machine's cores. */
  machine: { saturationRps: number | null; includesGenerator: boolean; busiestTierAtLimit: string | null } | null;
  /** The first limit the CPU models reach: a tier's name, or 'machine' when the shared cores run out first. */
  cpuModelBottleneck: { limit: string; rateRps: number } | null;
  /** The calibration's USL fit judged as a limit; null without a fit. */
  usl: UslKnee | null;
  /**
   * The limit the report names. Basis 'usl' when the fit reached the knee: limit 'stack' at the fit's
   * peak; else the CPU-model limit. busiestTier: the tier with the most busy cores by the CPU models
   * at that rate (the one saturating first), or the tier that is itself the limit.
   */
  bottleneck: { limit: string; rateRps: number; basis: 'usl' | 'cpu models'; busiestTier: string | null } | null;
  /** Why the CPU-model limit stands alone and what it misses, when it does; null when the USL basis applies. */
  caveat: string | null;
}

/**
 * The knee test. A stepped run's USL fit gives the stack's limit only when its steps measured the
 * flattening rather than extrapolating it: both must hold.
 * - Flattened: between the step with the most users and the one with the most users at or below
 *   2/3 of that, throughput rose less than KNEE_GAIN_PER_DOUBLING per doubling of users.
 * - Agreed: the highest measured step is at least KNEE_PEAK_SHARE of the fit's peak, X(N*) (or
 *   λ/σ, the ceiling the curve approaches, when κ = 0).
 * The second alone is not enough: a fit on steps below the knee puts its own peak next to the top
 * step (the recorded stress run fitted up to 8 users: peak 2,683 req/s beside a measured 2,705,
 * while the stack reached 3,882 at 32 users).
 */
export const KNEE_GAIN_PER_DOUBLING = 0.1;
export const KNEE_PEAK_SHARE = 0.9;

export interface UslKnee {
  /** The fit's peak throughput: X(N*), or λ/σ when κ = 0; null when neither is bounded (σ = κ = 0). */
  peakRps: number | null;
  /** N* (null when κ = 0). */
  peakUsers: number | null;
  highestStepRps: number;
  /** Throughput gain per doubling of users over the top steps; null when the steps span too little. */
  gainPerDoubling: number | null;
  reachedKnee: boolean;
  /** Why the fit is or is not the limit, for the report. */
  reason: string;
}

/** Judges a calibration's USL fit as the stack's limit (see KNEE_GAIN_PER_DOUBLING, KNEE_PEAK_SHARE). */
export function uslKnee(usl: Pick<NonNullable<Calibration['usl']>, 'sigma' | 'kappa' | 'lambda' | 'points'>): UslKnee {
  const { sigma, kappa, lambda } = usl;
  const points = usl.points.filter(([n, x]) => n > 0 && x > 0).sort((a, b) => a[0] - b[0]);
  const highestStepRps = points.reduce((top, [, x]) => Math.max(top, x), 0);
  const nStar = uslPeak({ sigma, kappa });
  const peakRps = nStar !== null ? uslThroughput(nStar, { sigma, kappa, lambda }) : sigma > 0 && sigma < 1 ? lambda / sigma : null;
  const top = points[points.length - 1];
  const below = top ? points.filter(([n]) => n <= (2 / 3) * top[0]).pop() : undefined;
  const gainPerDoubling = top && below ? Math.pow(top[1] / below[1], 1 / Math.log2(top[0] / below[0])) - 1 : null;
  const int = (v: number) => Math.round(v).toLocaleString('en-US');
  const fail = (reason: string): UslKnee => ({ peakRps, peakUsers: nStar, highestStepRps, gainPerDoubling, reachedKnee: false, reason });
  if (![sigma, kappa, lambda].every(Number.isFinite) || !(lambda > 0)) return fail('the fit has no finite σ, κ, λ');
  if (peakRps === null) return fail('the fit has no peak (σ = κ = 0: throughput would rise without bound)');
  if (gainPerDoubling === null || top === undefined) return fail('its steps span too few users to tell whether throughput flattened');
  const gain = `${gainPerDoubling >= 0 ? 'rose' : 'fell'} ${Math.abs(gainPerDoubling * 100).toFixed(1)} %`;
  if (gainPerDoubling >= KNEE_GAIN_PER_DOUBLING) {
    return fail(`its steps stayed below the knee: throughput still ${gain} per doubling of users at the top step (${int(top[1])} req/s at ${int(top[0])} users; the knee needs under ${KNEE_GAIN_PER_DOUBLING * 100} %)`);
  }
  if (highestStepRps < KNEE_PEAK_SHARE * peakRps) {
    return fail(`its fitted peak (${int(peakRps)} req/s) lies far above the highest measured step (${int(highestStepRps)} req/s, under ${KNEE_PEAK_SHARE * 100} % of it)`);
  }
  return { peakRps, peakUsers: nStar, highestStepRps, gainPerDoubling, reachedKnee: true, reason: `its steps reached the knee: throughput ${gain} per doubling of users at the top step, and the highest step (${int(highestStepRps)} req/s) is ${((highestStepRps / peakRps) * 100).toFixed(0)} % of the fitted peak` };
}

/** The tier's CPU model, or U = X·D from its single-rate demand. */
export function modelOf(tier: TierCalibration, calibrationRps: number): CpuModel {
  return (tier.cpuModel as CpuModel | undefined) ?? proportionalModel(tier.cpuSecondsPerRequest.value, calibrationRps, tier.instances);
}

/**
 * The generator's [req/s, busy cores] at each step of a stepped run, from its CPU samples (one a
 * second, `t` at the end of its second) and the calibration's steps: the points its own CPU model is
 * fitted on. Its CPU per request falls with the rate like the servers' (autocannon: 0.17 ms at
 * 600 req/s, 0.08 at 3,600 on the development machine), so one figure from a low rate
 * overstates its share at the limit. Steps without samples are left out.
 */
export function generatorStepPoints(
  steps: ReadonlyArray<{ fromS: number; toS: number; throughputRps: number }>,
  samples: ReadonlyArray<{ t: number; generatorCores: number }>,
): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const step of steps) {
    const inside = samples.filter((s) => s.t > step.fromS && s.t <= step.toS).map((s) => s.generatorCores);
    if (inside.length > 0 && step.throughputRps > 0) points.push([step.throughputRps, inside.reduce((a, b) => a + b, 0) / inside.length]);
  }
  return points;
}

/** The generator's CPU model from its step points (null with fewer than two distinct rates). */
export function generatorModel(points: ReadonlyArray<readonly [number, number]>): CpuModel | null {
  return new Set(points.map(([x]) => x)).size >= 2 ? fitCpuModel(points, 1) : null;
}

export interface HeadroomOptions {
  /** The load generator's own CPU model (generatorModel); without it, its measured CPU per request at the calibration's rate. */
  generator?: CpuModel | null;
}

export function computeHeadroom(calibration: Calibration, options: HeadroomOptions = {}): Headroom {
  const machineCores = calibration.machineCores ?? null;
  const X = calibration.throughputRps;
  const models = calibration.tiers.map((tier) => ({ tier: tier.tier, model: modelOf(tier, X) }));
  /** The tier with the most busy cores by the CPU models at rate x: the one saturating first there. */
  const busiestAt = (x: number): string | null =>
    models.reduce<{ tier: string; cores: number } | null>((best, m) => {
      const cores = tierCores(m.model, x);
      return !best || cores > best.cores ? { tier: m.tier, cores } : best;
    }, null)?.tier ?? null;
  const tiers: TierHeadroom[] = calibration.tiers.map((tier, index) => {
    const model = models[index]!.model;
    const threadLimit = SINGLE_THREADED.has(tier.tier) ? tier.instances : Infinity;
    const coreLimit = Math.min(threadLimit, machineCores ?? Infinity);
    const limitReason =
      coreLimit === Infinity ? 'no core limit known (machine cores not in the calibration)'
      : threadLimit <= (machineCores ?? Infinity) ? `${tier.instances} single-threaded process${tier.instances === 1 ? '' : 'es'}, one core each`
      : `the machine's ${machineCores} cores`;
    const saturationRps = coreLimit === Infinity ? null : rateForCores((x) => tierCores(model, x), coreLimit);
    return {
      tier: tier.tier,
      instances: tier.instances,
      coreLimit: Number.isFinite(coreLimit) ? coreLimit : null,
      limitReason,
      saturationRps,
      headroom: saturationRps !== null && X > 0 ? saturationRps / X : null,
      basis: tier.cpuModel ? 'model' : 'single rate',
    };
  });

  let machine: Headroom['machine'] = null;
  if (machineCores !== null) {
    const generator = calibration.generator;
    const fittedGenerator = options.generator ?? null;
    const generatorCoresPerRps = generator && generator.throughputRps > 0 ? generator.coresBusy / generator.throughputRps : 0;
    const generatorCores = (x: number) => (fittedGenerator ? tierCores(fittedGenerator, x) : generatorCoresPerRps * x);
    const total = (x: number) => models.reduce((sum, m) => sum + tierCores(m.model, x), 0) + generatorCores(x);
    const saturationRps = rateForCores(total, machineCores);
    machine = { saturationRps, includesGenerator: fittedGenerator !== null || generator !== undefined, busiestTierAtLimit: saturationRps === null ? null : busiestAt(saturationRps) };
  }

  const limits = [
    ...tiers.filter((t) => t.saturationRps !== null).map((t) => ({ limit: t.tier, rateRps: t.saturationRps! })),
    ...(machine?.saturationRps != null ? [{ limit: 'machine', rateRps: machine.saturationRps }] : []),
  ];
  const cpuModelBottleneck = limits.reduce<Headroom['cpuModelBottleneck']>((best, l) => (!best || l.rateRps < best.rateRps ? l : best), null);

  const usl = calibration.usl ? uslKnee(calibration.usl) : null;
  if (usl?.reachedKnee && usl.peakRps !== null) {
    return { calibrationRps: X, machineCores, tiers, machine, cpuModelBottleneck, usl, bottleneck: { limit: 'stack', rateRps: usl.peakRps, basis: 'usl', busiestTier: busiestAt(usl.peakRps) }, caveat: null };
  }
  const bottleneck: Headroom['bottleneck'] = cpuModelBottleneck
    ? { ...cpuModelBottleneck, basis: 'cpu models', busiestTier: cpuModelBottleneck.limit === 'machine' ? (machine?.busiestTierAtLimit ?? null) : cpuModelBottleneck.limit }
    : null;
  const caveat = bottleneck
    ? `the rate at which the CPU models fill the cores; it under-predicts the most the stack serves when the calibration stayed below the knee (per-request CPU falls near saturation)${usl ? `. The USL fit is not used: ${usl.reason}` : '. No USL fit: a closed stepped run up to the knee measures one (capacity run --scenario stress)'}`
    : null;
  return { calibrationRps: X, machineCores, tiers, machine, cpuModelBottleneck, usl, bottleneck, caveat };
}
