import type { Calibration, TierCalibration } from '../results/schema.js';
import type { Assumptions } from './assumptions.js';
import { coresAtTargetUtilization, utilization } from './laws.js';
import { uslPeak, type UslParameters } from './usl.js';
import type { Workload } from './workload.js';

const GiB = 1024 ** 3;

export interface AppNeed {
  serviceDemandS: number;
  busyCores: number;
  coresAtTarget: number;
  memoryBytesPerProcess: number;
  usl: UslParameters & { nStar: number | null; origin: 'calibration' | 'assumption' };
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
  const appDemand = app.cpuSecondsPerRequest.value;
  const processes = Math.max(1, app.instances);
  const usl = calibration.usl
    ? { sigma: calibration.usl.sigma, kappa: calibration.usl.kappa, lambda: calibration.usl.lambda, nStar: calibration.usl.nStar, origin: 'calibration' as const }
    : { sigma: a.uslSigma, kappa: a.uslKappa, lambda: 1 / Math.max(appDemand, 1e-12), nStar: uslPeak({ sigma: a.uslSigma, kappa: a.uslKappa }), origin: 'assumption' as const };
  if (!calibration.usl) notes.push('USL σ and κ are assumptions (no stepped-run fit in the calibration)');

  const redisTier = tier(calibration, 'redis');
  const sessionBytesEach = redisTier?.memoryBytesPerUser ?? a.sessionBytes;
  const sessionBytes = workload.usersAtHorizon * a.dailyActiveRatio * sessionBytesEach;
  const cacheBytes = workload.usersAtHorizon * a.cacheBytesPerUser;
  const redisData = sessionBytes + cacheBytes;
  const redisDemand = redisTier?.cpuSecondsPerRequest.value ?? 0;
  if (!redisTier) notes.push('the calibration has no "redis" tier: Redis CPU is not sized (memory only)');

  const pgTier = tier(calibration, 'postgres');
  const pgDemand = pgTier?.cpuSecondsPerRequest.value ?? 0;
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
    notes,
  };
}
