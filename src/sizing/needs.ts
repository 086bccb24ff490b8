import type { Calibration, TierCalibration } from '../results/schema.js';
import { defaultAssumptions, type Assumptions } from './assumptions.js';
import { demandAtInstanceLoad, describeCpuModel, tierCores, type CpuModel } from './cpu-model.js';
import { modelOf } from './headroom.js';
import { coresAtTargetUtilization, utilization } from './laws.js';
import { uslPeak, type UslParameters } from './usl.js';
import type { Workload } from './workload.js';

const GiB = 1024 ** 3;

/** Where a tier's CPU figure came from: a model fitted over several rates, or one rate's D. */
export interface CpuBasis {
  tier: string;
  /** 'model': fitted from several rates; 'single rate': U = X·D from one, assumed to scale linearly. */
  origin: 'model' | 'single rate';
  formula: string;
  kind: CpuModel['kind'];
  rateRangeRps: [number, number];
  fitError: number;
  heldOutError: number | null;
  /** CPU-seconds per request used for sizing (at the target load of one instance, or at the peak). */
  demandUsedS: number;
}

export interface AppNeed {
  serviceDemandS: number;
  busyCores: number;
  coresAtTarget: number;
  memoryBytesPerProcess: number;
  usl: UslParameters & {
    nStar: number | null;
    origin: 'calibration' | 'assumption';
    intervals?: NonNullable<Calibration['usl']>['intervals'];
    provenance?: string;
    /** Why a stepped-run fit in the calibration was not used (then σ and κ are assumed). */
    rejected?: string;
  };
}

export interface RedisNeed {
  sessionBytes: number;
  cacheBytes: number;
  /** Data to hold (sessions + cache working set), before the fill limit. */
  dataBytes: number;
  /** Memory to provision: data / max fill. */
  memoryBytes: number;
  opsPerSecond: number;
  busyCores: number;
  coresAtTarget: number;
}

export interface PostgresNeed {
  busyCores: number;
  coresAtTarget: number;
  /** Tables and indexes at the horizon. */
  dataBytes: number;
  hotBytes: number;
  ramBytes: number;
  storageBytes: number;
}

export interface LoadBalancerNeed {
  activeConnections: number;
  newConnectionsPerSecond: number;
  processedBytesPerSecond: number;
  ruleEvaluationsPerSecond: number;
}

export interface EgressNeed {
  bytesPerResponse: number;
  monthlyBytes: number;
  peakBytesPerSecond: number;
}

export interface Needs {
  app: AppNeed;
  redis: RedisNeed;
  postgres: PostgresNeed;
  lb: LoadBalancerNeed;
  egress: EgressNeed;
  /** The CPU figure behind each sized tier. */
  cpu: CpuBasis[];
  /** Session bytes per active user and where they came from. */
  session: { bytesPerUser: number; origin: 'input' | 'assumption' };
  notes: string[];
}

function tier(calibration: Calibration, name: string): TierCalibration | undefined {
  return calibration.tiers.find((t) => t.tier === name);
}

/** Bytes per response when the calibration has none: DESIGN.md's 2 KB, flagged. */
export const DEFAULT_BYTES_PER_RESPONSE = 2048;

/** What each tier must provide at the peak, from the workload, the calibration and the assumptions. */
export function computeNeeds(workload: Workload, calibration: Calibration, a: Assumptions): Needs {
  const notes: string[] = [];
  const u = a.targetUtilization;
  const X = workload.peakRps;

  const app = tier(calibration, 'app');
  if (!app) throw new RangeError('the calibration has no "app" tier: the app tier cannot be sized');
  const cpu: CpuBasis[] = [];
  const processes = Math.max(1, app.instances);
  // App and Redis processes use one core each: size with the demand of one process run at the
  // target utilization, its share of the idle floor included.
  const appDemand = perProcessDemand(calibration, app, u, cpu);
  const fitProblem = calibration.usl ? uslFitProblem(calibration.usl) : null;
  const measured = calibration.usl && fitProblem === null ? calibration.usl : undefined;
  const usl = measured
    ? { sigma: measured.sigma, kappa: measured.kappa, lambda: measured.lambda, nStar: measured.nStar, origin: 'calibration' as const, ...(measured.intervals ? { intervals: measured.intervals } : {}), ...(measured.provenance ? { provenance: measured.provenance } : {}) }
    : { sigma: a.uslSigma, kappa: a.uslKappa, lambda: 1 / Math.max(appDemand, 1e-12), nStar: uslPeak({ sigma: a.uslSigma, kappa: a.uslKappa }), origin: 'assumption' as const, ...(fitProblem ? { rejected: fitProblem } : {}) };
  if (fitProblem) notes.push(`USL σ and κ are assumed (uslSigma, uslKappa): the calibration's stepped-run fit is not used because ${fitProblem}`);
  else if (!calibration.usl) notes.push('USL σ and κ are assumed (uslSigma, uslKappa): the calibration has no stepped-run fit; a stress run measures them');
  else notes.push(`USL σ and κ measured (${calibration.usl.unit === 'users' ? 'N = concurrent users of the calibration stack, applied to app nodes' : 'stepped run'}); λ is the one-process throughput`);

  const redisTier = tier(calibration, 'redis');
  // Sessions come from the named input, not from the calibration's memory growth: that growth
  // follows the generator's connections and the cache filling, not the users' sessions.
  const sessionBytesEach = a.sessionBytes;
  const sessionBytes = workload.usersAtHorizon * a.dailyActiveRatio * sessionBytesEach;
  const cacheBytes = workload.usersAtHorizon * a.cacheBytesPerUser;
  const redisData = sessionBytes + cacheBytes;
  const redisDemand = redisTier ? perProcessDemand(calibration, redisTier, u, cpu) : 0;
  if (!redisTier) notes.push('the calibration has no "redis" tier: Redis CPU is not sized (memory only)');

  const pgTier = tier(calibration, 'postgres');
  // PostgreSQL scales over the cores of its server: its tier model at the peak rate (constant CPU per request past the trusted range).
  const pgDemand = pgTier ? peakDemand(calibration, pgTier, X, cpu) : 0;
  if (!pgTier) notes.push('the calibration has no "postgres" tier: PostgreSQL CPU is not sized (memory and storage only)');
  const rows = workload.usersAtHorizon * (a.rowsPerUser + a.rowsPerUserPerMonth * a.horizonMonths * a.dailyActiveRatio);
  const dataBytes = rows * a.bytesPerRow * (1 + a.indexOverhead);
  const hotBytes = dataBytes * a.dbHotShare;
  const ramBytes = Math.max(hotBytes / a.dbRamForCache, 1 * GiB);
  const storageBytes = (dataBytes + a.walGiB * GiB) / a.storageMaxFill;

  const bytesPerResponse = calibration.bytesPerResponse ?? DEFAULT_BYTES_PER_RESPONSE;
  if (calibration.bytesPerResponse === undefined) notes.push(`bytes per response not in the calibration: ${DEFAULT_BYTES_PER_RESPONSE} B assumed (DESIGN.md)`);

  return {
    app: {
      serviceDemandS: appDemand,
      busyCores: utilization(X, appDemand),
      coresAtTarget: coresAtTargetUtilization(X, appDemand, u),
      memoryBytesPerProcess: app.memoryBytesPerInstance / (processes / Math.max(1, app.instances)),
      usl,
    },
    redis: {
      sessionBytes,
      cacheBytes,
      dataBytes: redisData,
      memoryBytes: redisData / a.redisMaxFill,
      opsPerSecond: X * a.redisOpsPerRequest,
      busyCores: utilization(X, redisDemand),
      coresAtTarget: coresAtTargetUtilization(X, redisDemand, u),
    },
    postgres: {
      busyCores: utilization(X, pgDemand),
      coresAtTarget: coresAtTargetUtilization(X, pgDemand, u),
      dataBytes,
      hotBytes,
      ramBytes,
      storageBytes,
    },
    lb: {
      activeConnections: workload.concurrentUsers,
      newConnectionsPerSecond: workload.concurrentUsers / a.lbConnectionReuseS,
      processedBytesPerSecond: X * (bytesPerResponse + a.bytesPerRequest),
      ruleEvaluationsPerSecond: X * a.lbRules,
    },
    egress: {
      bytesPerResponse,
      monthlyBytes: workload.requestsPerMonth * bytesPerResponse,
      peakBytesPerSecond: X * bytesPerResponse,
    },
    cpu,
    session: { bytesPerUser: sessionBytesEach, origin: a.sessionBytes === defaultAssumptions().sessionBytes ? 'assumption' : 'input' },
    notes,
  };
}

function basis(tier: TierCalibration, model: CpuModel, demandUsedS: number): CpuBasis {
  return {
    tier: tier.tier,
    origin: tier.cpuModel ? 'model' : 'single rate',
    formula: describeCpuModel(model),
    kind: model.kind,
    rateRangeRps: model.rateRangeRps,
    fitError: model.fitError,
    heldOutError: model.heldOutError,
    demandUsedS,
  };
}

/**
 * D for one single-threaded process run at the target utilization: u / (the rate at which the
 * process's CPU model reaches u). With one rate (U = X·D) it is that D.
 */
function perProcessDemand(calibration: Calibration, tier: TierCalibration, targetUtilization: number, out: CpuBasis[]): number {
  const model = modelOf(tier, calibration.throughputRps);
  const demand = tier.cpuModel ? (demandAtInstanceLoad(model, targetUtilization) ?? tier.cpuSecondsPerRequest.value) : tier.cpuSecondsPerRequest.value;
  out.push(basis(tier, model, demand));
  return demand;
}

/** D at the peak rate for a tier that spreads over its server's cores: U(X)/X from its model. */
function peakDemand(calibration: Calibration, tier: TierCalibration, peakRps: number, out: CpuBasis[]): number {
  const model = modelOf(tier, calibration.throughputRps);
  const demand = tier.cpuModel && peakRps > 0 ? tierCores(model, peakRps) / peakRps : tier.cpuSecondsPerRequest.value;
  out.push(basis(tier, model, demand));
  return demand;
}

/** Below this R² a USL fit does not describe the steps (e.g. throughput flat from the first step). */
export const MIN_USL_R_SQUARED = 0.8;

/**
 * Why a stepped-run USL fit cannot size anything, or null when it can: a poor fit (the stack was
 * saturated from the first step, so the knee lies below it) or σ at its bound of 1.
 */
export function uslFitProblem(fit: NonNullable<Calibration['usl']>): string | null {
  if (fit.rSquared !== undefined && fit.rSquared < MIN_USL_R_SQUARED) {
    return `it explains little of the steps (R² = ${fit.rSquared.toFixed(2)} < ${MIN_USL_R_SQUARED}): throughput did not rise with N, so the knee lies below the first step (${fit.points[0]?.[0] ?? '?'} users); stress the stack from fewer users`;
  }
  if (fit.sigma >= 0.98) return `σ = ${fit.sigma.toFixed(2)} sits at its bound of 1 (no scaling at all between the steps)`;
  return null;
}
