import { throughputFromUsers } from './laws.js';
import type { Assumptions } from './assumptions.js';

export const SECONDS_PER_MONTH = 730 * 3600;

export interface WorkloadInput {
  totalUsers: number;
  /** Concurrent users at the peak; when absent, totalUsers × concurrencyRatio. */
  concurrentUsers?: number;
  /** Requests per user per second; when absent, 1 / (R + Z) from Little's law. */
  requestsPerUserPerSecond?: number;
  /** 24 relative hourly loads; when given, averageToPeak = mean / max of the profile. */
  dailyProfile?: readonly number[];
}

export interface Workload {
  totalUsers: number;
  /** Users at the sizing horizon (growth applied). */
  usersAtHorizon: number;
  concurrentUsers: number;
  requestsPerUserPerSecond: number;
  peakRps: number;
  averageToPeak: number;
  averageRps: number;
  requestsPerMonth: number;
}

/** Mean over max of a daily profile: the average-to-peak ratio of the load it describes. */
export function averageToPeakOfProfile(profile: readonly number[]): number {
  const max = Math.max(...profile);
  if (!(max > 0) || profile.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError('a daily profile needs non-negative values and a positive maximum');
  return profile.reduce((s, v) => s + v, 0) / profile.length / max;
}

/**
 * The load the system must carry. Concurrency and request rate are sized for the users at the
 * horizon (growth compounds monthly), at the peak, with the peak factor on top.
 */
export function buildWorkload(input: WorkloadInput, a: Assumptions): Workload {
  const growth = Math.pow(1 + a.growthPerMonth, a.horizonMonths);
  const usersAtHorizon = input.totalUsers * growth;
  const concurrentNow = input.concurrentUsers ?? input.totalUsers * a.concurrencyRatio;
  const concurrentUsers = concurrentNow * growth * a.peakFactor;
  const requestsPerUserPerSecond = input.requestsPerUserPerSecond ?? throughputFromUsers(1, a.responseTimeS, a.thinkTimeS);
  const peakRps = concurrentUsers * requestsPerUserPerSecond;
  const averageToPeak = input.dailyProfile ? averageToPeakOfProfile(input.dailyProfile) : a.averageToPeak;
  const averageRps = peakRps * averageToPeak;
  return {
    totalUsers: input.totalUsers,
    usersAtHorizon,
    concurrentUsers,
    requestsPerUserPerSecond,
    peakRps,
    averageToPeak,
    averageRps,
    requestsPerMonth: averageRps * SECONDS_PER_MONTH,
  };
}
