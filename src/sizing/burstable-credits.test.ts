import { describe, expect, it } from 'vitest';
import { creditCharge } from './burstable-credits.js';

const t3small = { vcpu: 2, baselinePerVcpu: 0.2, hoursPerMonth: 730, surplusPerVcpuHour: 0.05 };

describe('creditCharge', () => {
  it('charges nothing when the mean stays under the baseline and the busy hours fit the balance', () => {
    const c = creditCharge({ ...t3small, utilizationAtPeak: 0.05, averageToPeak: 0.3, count: 2 });
    expect(c.meanUtilization).toBeCloseTo(0.015, 12);
    expect(c.maxBalance).toBe(576); // 0.2 × 2 vCPU × 60 min × 24 h
    expect(c.burstCredits).toBe(0); // 5 % at the peak is under the 20 % baseline
    expect(c.sustained).toBe(false);
    expect(c.monthly).toBe(0);
  });

  it('a peak above the baseline is covered by the balance while the mean is under it', () => {
    // 60 % for 7.2 h a day (mean 18 %): (0.6 − 0.2) × 2 × 60 × 7.2 = 345.6 credits ≤ 576
    const c = creditCharge({ ...t3small, utilizationAtPeak: 0.6, averageToPeak: 0.3, count: 4 });
    expect(c.busyHoursPerDay).toBeCloseTo(7.2, 12);
    expect(c.burstCredits).toBeCloseTo(345.6, 9);
    expect(c.sustained).toBe(false);
    expect(c.monthly).toBe(0);
  });

  it('prices the surplus above the baseline: (mean − baseline) × vCPU × hours × count × price', () => {
    // mean 0.9 × 0.5 = 0.45; (0.45 − 0.2) × 2 vCPU × 730 h × 3 instances = 1,095 vCPU-hours × 0.05
    const c = creditCharge({ ...t3small, utilizationAtPeak: 0.9, averageToPeak: 0.5, count: 3 });
    expect(c.sustained).toBe(true);
    expect(c.surplusVcpuHours).toBeCloseTo(1095, 9);
    expect(c.monthly).toBeCloseTo(54.75, 9);
  });

  it('never calls a load sustained while its mean is at or under the baseline (the busy block drains at most the full balance)', () => {
    for (let i = 0; i <= 20; i++) {
      for (let j = 1; j <= 20; j++) {
        const [peak, ratio] = [i / 20, j / 20];
        const c = creditCharge({ ...t3small, utilizationAtPeak: peak, averageToPeak: ratio, count: 1 });
        if (c.meanUtilization <= t3small.baselinePerVcpu + 1e-12) expect(c.sustained, `peak ${peak}, ratio ${ratio}`).toBe(false);
        else expect(c.monthly, `peak ${peak}, ratio ${ratio}`).toBeGreaterThan(0);
      }
    }
  });

  it('an idle instance earns but spends nothing', () => {
    const c = creditCharge({ ...t3small, utilizationAtPeak: 0, averageToPeak: 0.3, count: 2 });
    expect(c).toMatchObject({ meanUtilization: 0, busyHoursPerDay: 0, burstCredits: 0, sustained: false, surplusVcpuHours: 0, monthly: 0 });
  });
});
