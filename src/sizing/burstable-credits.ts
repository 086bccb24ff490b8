/**
 * The CPU-credit charge of burstable instances (AWS T3/T4g) in unlimited mode, from the offer's
 * sourced baseline and the provider's surplus-credit price. Pure: plain numbers in, plain numbers out.
 *
 * One credit is one vCPU at 100 % for one minute; an instance earns baseline × vCPU × 60 credits an
 * hour and keeps at most 24 hours of earnings. Assumption (stated in docs/prices.md): CPU follows the
 * request rate, so the monthly mean utilization is the peak utilization × averageToPeak, and the busy
 * part of the day is a block at the peak utilization lasting 24 h × averageToPeak, the profile with
 * that peak and that mean that drains the balance most.
 */
export interface CreditModelInput {
  vcpu: number;
  /** Utilization per vCPU the instance can hold without spending credits (0.2 = 20 %). */
  baselinePerVcpu: number;
  /** Mean utilization per vCPU across the instances at the peak (0..1). */
  utilizationAtPeak: number;
  /** Monthly mean load over the peak load (the averageToPeak assumption). */
  averageToPeak: number;
  hoursPerMonth: number;
  /** Instances carrying that utilization. */
  count: number;
  /** Price of one surplus vCPU-hour (unlimited mode), in the catalog currency. */
  surplusPerVcpuHour: number;
}

export interface CreditCharge {
  meanUtilization: number;
  /** Hours a day at the peak utilization under the stated profile. */
  busyHoursPerDay: number;
  /** Credits one instance spends above its earnings during the busy hours of a day. */
  burstCredits: number;
  /** The largest balance one instance can hold: 24 hours of earnings. */
  maxBalance: number;
  /** True when the mean is above the baseline or the busy hours would exhaust the balance. */
  sustained: boolean;
  /** Surplus vCPU-hours charged per month across the instances. */
  surplusVcpuHours: number;
  monthly: number;
}

const MINUTES_PER_HOUR = 60;
const HOURS_PER_DAY = 24;

export function creditCharge(input: CreditModelInput): CreditCharge {
  const { vcpu, baselinePerVcpu: baseline, utilizationAtPeak: peak, averageToPeak, hoursPerMonth, count, surplusPerVcpuHour } = input;
  const meanUtilization = peak * averageToPeak;
  const busyHoursPerDay = peak > 0 ? HOURS_PER_DAY * averageToPeak : 0;
  const earnedPerHour = baseline * vcpu * MINUTES_PER_HOUR;
  const maxBalance = earnedPerHour * HOURS_PER_DAY;
  const burstCredits = Math.max(0, peak - baseline) * vcpu * MINUTES_PER_HOUR * busyHoursPerDay;
  const exhausts = burstCredits > maxBalance + 1e-9;
  const sustained = meanUtilization > baseline + 1e-12 || exhausts;
  let perInstanceDay = 0;
  if (sustained) {
    // Above the baseline on average: the excess is surplus every hour. A balance emptied by the busy
    // hours: what the burst spends beyond the full balance is surplus that day. The larger applies.
    const aboveMean = Math.max(0, meanUtilization - baseline) * vcpu * HOURS_PER_DAY;
    const beyondBalance = Math.max(0, burstCredits - maxBalance) / MINUTES_PER_HOUR;
    perInstanceDay = Math.max(aboveMean, beyondBalance);
  }
  const surplusVcpuHours = perInstanceDay * (hoursPerMonth / HOURS_PER_DAY) * count;
  return { meanUtilization, busyHoursPerDay, burstCredits, maxBalance, sustained, surplusVcpuHours, monthly: surplusVcpuHours * surplusPerVcpuHour };
}
