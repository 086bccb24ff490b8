import type { Calibration } from '../results/schema.js';
import { assumptionTable, type AssumptionName, type AssumptionValue, type Assumptions } from './assumptions.js';
import { calibrationWarnings, type CalibrationSource } from './calibration.js';
import type { Catalog, ProviderId } from './catalog-schema.js';
import { buildModelsSection } from './models-report.js';
import { computeNeeds } from './needs.js';
import { planProvider, type PlanOptions } from './plan.js';
import { pricesIn, SIZE_REPORT_SCHEMA_VERSION } from './catalog-price.js';
import type { BomLine, ProviderReport, SizeReport } from './report-schema.js';
import { uslCurve, uslThroughput } from './usl.js';
import { buildWorkload, type WorkloadInput } from './workload.js';

export interface SizeInput {
  workload: WorkloadInput;
  assumptions: Assumptions;
  origins: Partial<Record<AssumptionName, AssumptionValue['origin']>>;
  calibration: Calibration;
  calibrationSource: CalibrationSource;
  catalogs: Array<{ catalog: Catalog; file: string }>;
  plan: Omit<PlanOptions, 'eurUsd'>;
  /** Set on the command line; else the Hetzner catalog's stated rate. */
  eurUsd?: number;
  now: Date;
}

/** Users for the cost-versus-users curve: 10k to 10M, three points a decade. */
export const CURVE_USERS = [1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

const DAY_MS = 86_400_000;

export function catalogStatus(catalog: Catalog, file: string, now: Date): ProviderReport['catalog'] {
  const dates = pricesIn({ ...catalog, sources: [] }).map((price) => price.date);
  const oldest = dates.sort()[0] ?? catalog.readAt;
  const ageDays = Math.floor((now.getTime() - Date.parse(`${oldest}T00:00:00Z`)) / DAY_MS);
  const undatedSources = catalog.sources.filter((s) => s.undated).map((s) => s.id);
  return { file, readAt: catalog.readAt, freshnessDays: catalog.freshnessDays, oldestPriceDate: oldest, ageDays, stale: ageDays > catalog.freshnessDays, undatedSources };
}

/** The catalog's sources the plan's lines cite, in the catalog's order. */
function citedSources(catalog: Catalog, lines: readonly BomLine[]): ProviderReport['sources'] {
  const cited = new Set(lines.flatMap((line) => line.sources));
  return catalog.sources.filter((source) => cited.has(source.id)).map((source) => ({ id: source.id, title: source.title, url: source.url, date: source.date, undated: source.undated ?? false }));
}

/** The EUR→USD rate to use: --eur-usd, else the EUR catalog's sourced rate, aged and flagged stale like a price. */
export function eurUsdFor(input: Pick<SizeInput, 'catalogs' | 'eurUsd'> & { now?: Date }): SizeReport['exchange'] {
  const owner = input.catalogs.map((c) => c.catalog).find((catalog) => catalog.exchange !== undefined);
  if (input.eurUsd !== undefined) return { eurUsd: input.eurUsd, source: '--eur-usd', date: null, origin: 'option', ageDays: null, freshnessDays: null, stale: false };
  if (owner?.exchange) {
    const stated = owner.exchange;
    const source = owner.sources.find((s) => s.id === stated.source);
    const ageDays = input.now ? Math.floor((input.now.getTime() - Date.parse(`${stated.date}T00:00:00Z`)) / DAY_MS) : null;
    return {
      eurUsd: stated.eurUsd,
      source: source ? `[${source.id}] ${source.title}` : stated.source,
      date: stated.date,
      origin: 'catalog',
      ageDays,
      freshnessDays: stated.freshnessDays,
      stale: ageDays !== null && ageDays > stated.freshnessDays,
    };
  }
  return { eurUsd: 1, source: 'no EUR catalog', date: null, origin: 'catalog', ageDays: null, freshnessDays: null, stale: false };
}

/**
 * Monthly USD total per provider for one user count (the cost curve). A provider that cannot carry
 * the load (e.g. beyond the USL peak) has no entry; `failures` says why.
 */
export function totalsFor(users: number, input: SizeInput, eurUsd: number, failures: string[] = []): Record<string, number> {
  const workload = buildWorkload({ ...input.workload, totalUsers: users, concurrentUsers: input.workload.concurrentUsers === undefined ? undefined : (input.workload.concurrentUsers * users) / input.workload.totalUsers }, input.assumptions);
  const needs = computeNeeds(workload, input.calibration, input.assumptions);
  const totals: Record<string, number> = {};
  for (const { catalog } of input.catalogs) {
    try {
      // The curve needs totals only: no runners-up.
      const plan = planProvider(catalog, needs, workload, input.assumptions, { ...input.plan, eurUsd }, false);
      totals[catalog.provider] = plan.lines.reduce((s, l) => s + l.monthlyUsd, 0);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      failures.push(`${users.toLocaleString('en-US')} users: ${error.message}`);
    }
  }
  return totals;
}

export function buildSizeReport(input: SizeInput): SizeReport {
  const exchange = eurUsdFor(input);
  const exchangeNote = exchange.stale ? [`the EUR→USD rate ${exchange.eurUsd} is older than ${exchange.freshnessDays} days (${exchange.date}, ${exchange.ageDays} d): STALE; give today's rate with --eur-usd`] : [];
  const workload = buildWorkload(input.workload, input.assumptions);
  const needs = computeNeeds(workload, input.calibration, input.assumptions);
  const providers: ProviderReport[] = input.catalogs.map(({ catalog, file }) => {
    const plan = planProvider(catalog, needs, workload, input.assumptions, { ...input.plan, eurUsd: exchange.eurUsd });
    return {
      provider: catalog.provider,
      name: catalog.name,
      currency: catalog.currency,
      region: catalog.region,
      catalog: catalogStatus(catalog, file, input.now),
      lines: plan.lines,
      totalMonthly: plan.totalMonthly,
      totalMonthlyUsd: plan.lines.reduce((s, l) => s + l.monthlyUsd, 0),
      runnersUp: plan.runnersUp,
      notes: plan.notes,
      gaps: catalog.gaps,
      sources: citedSources(catalog, plan.lines),
    };
  });
  const usl = needs.app.usl;
  const maxN = Math.max(8, Math.min(500, Math.ceil((usl.nStar ?? 64) * 1.5)));
  const unit = { sigma: usl.sigma, kappa: usl.kappa, lambda: 1 };
  const curveUsers = [...new Set([...CURVE_USERS, input.workload.totalUsers])].filter((u) => u > 0).sort((x, y) => x - y);
  const notes = [...needs.notes];
  const curveFailures: string[] = [];
  const costCurve = curveUsers.map((users) => ({ users, totalsUsd: totalsFor(users, input, exchange.eurUsd, curveFailures) }));
  if (input.calibrationSource.provisional) notes.unshift('the calibration is PROVISIONAL (not a measured run of the reference stack): treat the app, Redis and PostgreSQL CPU figures as placeholders');
  notes.push(...exchangeNote);
  for (const p of providers) if (p.catalog.stale) notes.push(`${p.provider} prices are older than ${p.catalog.freshnessDays} days (oldest ${p.catalog.oldestPriceDate}): run capacity prices refresh`);
  return {
    schemaVersion: SIZE_REPORT_SCHEMA_VERSION,
    generatedAt: input.now.toISOString(),
    calibration: input.calibrationSource,
    warnings: calibrationWarnings(input.calibration, input.calibrationSource),
    workload,
    needs: {
      app: { serviceDemandS: needs.app.serviceDemandS, busyCores: needs.app.busyCores, coresAtTarget: needs.app.coresAtTarget, memoryBytesPerProcess: needs.app.memoryBytesPerProcess },
      redis: needs.redis,
      postgres: needs.postgres,
      lb: needs.lb,
      egress: needs.egress,
    },
    usl: { sigma: usl.sigma, kappa: usl.kappa, lambda: usl.lambda, nStar: usl.nStar, origin: usl.origin, curve: uslCurve(unit, maxN, 60).map(([n]) => [n, uslThroughput(n, unit)]) },
    assumptions: assumptionTable(input.assumptions, input.origins),
    exchange,
    providers,
    costCurve,
    notes: [...notes, ...curveFailures.map((f) => `cost curve: ${f}`)],
    models: buildModelsSection(needs, input.calibration, providers),
  };
}

export type { ProviderId };
