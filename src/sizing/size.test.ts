import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultAssumptions } from './assumptions.js';
import { loadDefaultCalibration } from './calibration.js';
import { builtInCatalogPath, loadCatalogs } from './catalog-load.js';
import { SizeReport } from './report-schema.js';
import { buildSizeReport, totalsFor, type SizeInput } from './size.js';

async function input(users: number, overrides: Partial<SizeInput> = {}): Promise<SizeInput> {
  const { calibration, source } = await loadDefaultCalibration();
  const catalogs = (await loadCatalogs()).map((catalog) => ({ catalog, file: builtInCatalogPath(catalog.provider) }));
  return {
    workload: { totalUsers: users },
    assumptions: defaultAssumptions(),
    origins: {},
    calibration,
    calibrationSource: source,
    catalogs,
    plan: { dedicatedCpuOnly: false, managed: 'prefer' },
    now: new Date('2026-11-22T12:00:00Z'),
    ...overrides,
  };
}

describe('size report', () => {
  it('prices 1M users on the three providers and validates against its schema', async () => {
    const report = buildSizeReport(await input(1_000_000));
    expect(SizeReport.safeParse(report).success).toBe(true);
    expect(report.providers.map((p) => p.provider)).toEqual(['aws', 'digitalocean', 'hetzner']);
    expect(report.workload.concurrentUsers).toBeCloseTo(10_000, 6);
    expect(report.workload.peakRps).toBeCloseTo(10_000 / 1.05, 6);
    for (const p of report.providers) {
      expect(p.totalMonthlyUsd).toBeGreaterThan(0);
      expect(p.lines.some((l) => l.tier === 'app')).toBe(true);
      expect(p.lines.some((l) => l.tier === 'egress')).toBe(true);
      const sum = p.lines.reduce((s, l) => s + l.monthly, 0);
      expect(p.totalMonthly).toBeCloseTo(sum, 6);
    }
    // Hetzner is priced in EUR and shown in USD at the stated rate
    const hetzner = report.providers[2]!;
    expect(hetzner.currency).toBe('EUR');
    expect(hetzner.totalMonthlyUsd).toBeCloseTo(hetzner.totalMonthly * report.exchange.eurUsd, 6);
    // egress at 1M users: X_peak × averageToPeak × 2 KB × seconds per month
    expect(report.needs.egress.monthlyBytes).toBeCloseTo((10_000 / 1.05) * 0.3 * 2048 * 730 * 3600, -3);
    // the PROVISIONAL warning follows the shipped calibration's flag (a measured default has none)
    if (report.calibration.provisional) expect(report.notes[0]).toMatch(/PROVISIONAL/);
    else expect(report.notes.join('\n')).not.toMatch(/PROVISIONAL/);
  });

  it('the EUR rate can be overridden', async () => {
    const report = buildSizeReport(await input(1_000_000, { eurUsd: 2 }));
    const hetzner = report.providers[2]!;
    expect(report.exchange.origin).toBe('option');
    expect(hetzner.totalMonthlyUsd).toBeCloseTo(hetzner.totalMonthly * 2, 6);
  });

  it('never costs less for more users (property over 10k..10M)', async () => {
    const base = await input(1_000_000);
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 10_000_000 }), fc.double({ min: 1, max: 3, noNaN: true }), (users, factor) => {
        const more = Math.min(10_000_000, Math.round(users * factor));
        const low = totalsFor(users, { ...base, workload: { totalUsers: users } }, 1.0411);
        const high = totalsFor(more, { ...base, workload: { totalUsers: more } }, 1.0411);
        return Object.keys(low).every((p) => high[p]! >= low[p]! - 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('the cost curve rises from 10k to 10M users', async () => {
    const report = buildSizeReport(await input(1_000_000));
    for (const provider of ['aws', 'digitalocean', 'hetzner']) {
      const series = report.costCurve.map((point) => point.totalsUsd[provider]!);
      for (let i = 1; i < series.length; i++) expect(series[i]!).toBeGreaterThanOrEqual(series[i - 1]!);
    }
    expect(report.costCurve[0]!.users).toBe(10_000);
    expect(report.costCurve[report.costCurve.length - 1]!.users).toBe(10_000_000);
  });

  it('--dedicated-cpu leaves out shared and burstable offers, self-hosting where no managed offer is left', async () => {
    const report = buildSizeReport(await input(1_000_000, { plan: { dedicatedCpuOnly: true, managed: 'prefer' } }));
    const digitalocean = report.providers.find((p) => p.provider === 'digitalocean')!;
    expect(digitalocean.lines.find((l) => l.tier === 'postgres')!.item).toBe('self-hosted PostgreSQL');
    for (const p of report.providers) {
      for (const l of p.lines.filter((x) => ['app', 'redis', 'postgres'].includes(x.tier))) expect(l.flags.join()).not.toMatch(/shared vCPU|burstable vCPU/);
    }
    const shared = buildSizeReport(await input(1_000_000));
    for (const p of report.providers) expect(p.totalMonthlyUsd).toBeGreaterThanOrEqual(shared.providers.find((q) => q.provider === p.provider)!.totalMonthlyUsd);
  });
});
