/**
 * Bottleneck and headroom of the measured hardware: for each tier of a calibration, the rate at
 * which its CPU model reaches the cores it can use, and for the machine as a whole (all tiers and
 * the load generator share its cores on a one-machine stack) the rate at which their sum does.
 * The lowest of these is the bottleneck. Pure.
 */
import type { Calibration, TierCalibration } from '../results/schema.js';
import { fitCpuModel, proportionalModel, rateForCores, tierCores, type CpuModel } from './cpu-model.js';

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
  /** The first limit reached: a tier's name, or 'machine' when the shared cores run out first. */
  bottleneck: { limit: string; rateRps: number } | null;
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
  const tiers: TierHeadroom[] = calibration.tiers.map((tier) => {
    const model = modelOf(tier, X);
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
    const models = calibration.tiers.map((tier) => ({ tier: tier.tier, model: modelOf(tier, X) }));
    const generator = calibration.generator;
    const fittedGenerator = options.generator ?? null;
    const generatorCoresPerRps = generator && generator.throughputRps > 0 ? generator.coresBusy / generator.throughputRps : 0;
    const generatorCores = (x: number) => (fittedGenerator ? tierCores(fittedGenerator, x) : generatorCoresPerRps * x);
    const total = (x: number) => models.reduce((sum, m) => sum + tierCores(m.model, x), 0) + generatorCores(x);
    const saturationRps = rateForCores(total, machineCores);
    const busiest = saturationRps === null ? null : models.reduce<{ tier: string; cores: number } | null>((best, m) => {
      const cores = tierCores(m.model, saturationRps);
      return !best || cores > best.cores ? { tier: m.tier, cores } : best;
    }, null);
    machine = { saturationRps, includesGenerator: fittedGenerator !== null || generator !== undefined, busiestTierAtLimit: busiest?.tier ?? null };
  }

  const limits = [
    ...tiers.filter((t) => t.saturationRps !== null).map((t) => ({ limit: t.tier, rateRps: t.saturationRps! })),
    ...(machine?.saturationRps != null ? [{ limit: 'machine', rateRps: machine.saturationRps }] : []),
  ];
  const bottleneck = limits.reduce<Headroom['bottleneck']>((best, l) => (!best || l.rateRps < best.rateRps ? l : best), null);
  return { calibrationRps: X, machineCores, tiers, machine, bottleneck };
}
