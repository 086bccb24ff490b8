import { describe, expect, it } from 'vitest';
import { defaultAssumptions, type Assumptions } from './assumptions.js';
import { loadDefaultCalibration } from './calibration.js';
import { builtInCatalogPath, loadCatalogs } from './catalog-load.js';
import { Catalog } from './catalog-schema.js';
import { computeNeeds } from './needs.js';
import { planProvider, type PlanOptions } from './plan.js';
import { buildSizeReport, eurUsdFor, totalsFor, type SizeInput } from './size.js';
import { buildWorkload } from './workload.js';

// The bills' rules, each checked on the shipped catalogs (what a user gets) or on a small catalog
// built for the rule. Figures asserted are the catalogs' own, read back, never measured ones.

const NOW = new Date('2026-12-01T12:00:00Z');
const OPTIONS: PlanOptions = { eurUsd: 1.16, dedicatedCpuOnly: false, managed: 'prefer' };

async function sizeInput(users: number, overrides: Partial<SizeInput> = {}): Promise<SizeInput> {
  const { calibration, source } = await loadDefaultCalibration();
  const catalogs = (await loadCatalogs()).map((catalog) => ({ catalog, file: builtInCatalogPath(catalog.provider) }));
  return { workload: { totalUsers: users }, assumptions: defaultAssumptions(), origins: {}, calibration, calibrationSource: source, catalogs, plan: { dedicatedCpuOnly: false, managed: 'prefer' }, now: NOW, ...overrides };
}

async function planFor(catalog: Catalog, users: number, assumptions: Assumptions = defaultAssumptions()) {
  const { calibration } = await loadDefaultCalibration();
  const workload = buildWorkload({ totalUsers: users }, assumptions);
  const needs = computeNeeds(workload, calibration, assumptions);
  return { plan: planProvider(catalog, needs, workload, assumptions, OPTIONS), needs };
}

async function catalogOf(provider: Catalog['provider']): Promise<Catalog> {
  return (await loadCatalogs({ providers: [provider] }))[0]!;
}

/** Provider totals at 10,000 log-spaced user counts from 1 to 3e7, and every fall between neighbours. */
function fallsOver(input: SizeInput): { falls: string[]; failures: string[]; providers: string[] } {
  const counts = Array.from({ length: 10_000 }, (_, i) => Math.max(1, Math.round(Math.exp((Math.log(3e7) * i) / 9_999))));
  const previous: Record<string, { users: number; total: number }> = {};
  const falls: string[] = [];
  const failures: string[] = [];
  for (const users of counts) {
    const totals = totalsFor(users, { ...input, workload: { totalUsers: users } }, 1.16, failures);
    for (const [provider, total] of Object.entries(totals)) {
      const before = previous[provider];
      if (before && total < before.total - 1e-6) falls.push(`${provider}: ${before.users} users $${before.total.toFixed(2)} → ${users} users $${total.toFixed(2)}`);
      previous[provider] = { users, total };
    }
  }
  return { falls, failures, providers: Object.keys(previous).sort() };
}

describe('monthly total versus users', () => {
  it('never falls as users rise, for every provider, over 10,000 user counts from 1 to 3e7', async () => {
    const { falls, failures, providers } = fallsOver(await sizeInput(1));
    expect(failures).toEqual([]);
    expect(providers).toEqual(['aws', 'digitalocean', 'hetzner']);
    expect(falls).toEqual([]);
  }, 300_000);

  it('never falls from the bills\' own rules alone (linear app scaling, no scalability limit)', async () => {
    const input = await sizeInput(1, { assumptions: { ...defaultAssumptions(), uslSigma: 0, uslKappa: 0 } });
    const { falls, failures, providers } = fallsOver(input);
    expect(failures).toEqual([]);
    expect(providers).toEqual(['aws', 'digitalocean', 'hetzner']);
    expect(falls).toEqual([]);
  }, 300_000);

  it('never plans a server busier than its cores, with or without contention (σ = κ = 0 once planned 166 %)', async () => {
    const busy: string[] = [];
    for (const [uslSigma, uslKappa] of [[0, 0], [0.03, 0.0001], [0.2, 0.001]] as const) {
      const assumptions = { ...defaultAssumptions(), uslSigma, uslKappa };
      for (const provider of ['aws', 'digitalocean', 'hetzner'] as const) {
        const catalog = await catalogOf(provider);
        for (const users of [1_000, 100_000, 1_000_000, 10_000_000]) {
          const { plan } = await planFor(catalog, users, assumptions);
          for (const l of plan.lines) {
            if (l.utilizationAtPeak !== null && l.utilizationAtPeak > 1) busy.push(`${provider} σ=${uslSigma} κ=${uslKappa} ${users} users: ${l.tier} ${l.count}×${l.type} at ${(l.utilizationAtPeak * 100).toFixed(0)} %`);
          }
        }
      }
    }
    expect(busy).toEqual([]);
  }, 120_000);
});

describe('DigitalOcean', () => {
  it('credits the pooled droplet allowance against egress (the load balancer is bandwidth-neutral)', async () => {
    const catalog = await catalogOf('digitalocean');
    const { plan, needs } = await planFor(catalog, 1_000_000);
    const byType = new Map(catalog.servers.map((s) => [s.type, s.includedTransferTB ?? 0]));
    const poolTB = plan.lines.filter((l) => l.tier === 'app' || l.item.startsWith('self-hosted')).reduce((sum, l) => sum + l.count * byType.get(l.type)!, 0);
    const egress = plan.lines.find((l) => l.tier === 'egress')!;
    const overage = catalog.transfer.overage!;
    // a droplet's "TB" of allowance is 1,000 GiB
    expect(catalog.transfer.allowanceGiBPerTB).toBe(1000);
    const billableGiB = Math.max(0, needs.egress.monthlyBytes / 1024 ** 3 - poolTB * 1000);
    expect(egress.monthly).toBeCloseTo(billableGiB * overage.figure, 6);
    expect(egress.sources).toContain(catalog.transfer.pooledAllowance!.source);
    expect(egress.detail).toMatch(/pooled allowance/);
  });

  it('charges the overage beyond the pool, at the sourced price', async () => {
    const catalog = await catalogOf('digitalocean');
    const tiny = { ...catalog, servers: catalog.servers.map((s) => ({ ...s, includedTransferTB: s.includedTransferTB === undefined ? undefined : 0.001 })) };
    const { plan, needs } = await planFor(tiny, 1_000_000);
    const egress = plan.lines.find((l) => l.tier === 'egress')!;
    expect(egress.monthly).toBeGreaterThan(0);
    expect(egress.monthly).toBeLessThanOrEqual((needs.egress.monthlyBytes / 1024 ** 3) * catalog.transfer.overage!.figure);
  });

  it('buys droplets for their allowance where they cost less than the overage they save', async () => {
    const catalog = await catalogOf('digitalocean');
    // Every droplet brings almost no transfer, except a tiny one that cannot host a tier but brings a lot.
    const filler = { type: 'test-filler', vcpu: 1, memoryGiB: 0.25, cpu: 'shared' as const, includedTransferTB: 5, price: { ...catalog.servers[0]!.price, figure: 4 } };
    const scarce = { ...catalog, servers: [...catalog.servers.map((s) => ({ ...s, includedTransferTB: s.includedTransferTB === undefined ? undefined : 0.01 })), filler] };
    const { plan, needs } = await planFor(scarce, 1_000_000);
    const bought = plan.lines.find((l) => l.item === 'servers for transfer')!;
    expect(bought.type).toBe('test-filler');
    expect(bought.flags).toContain('bought for transfer');
    const egress = plan.lines.find((l) => l.tier === 'egress' && l.item === 'data transfer out')!;
    const overageOnly = (needs.egress.monthlyBytes / 1024 ** 3) * catalog.transfer.overage!.figure;
    // the droplets and the remaining overage cost less than the overage alone
    expect(bought.monthly + egress.monthly).toBeLessThan(overageOnly);
    // and enough: the overage left costs no more than one more droplet would
    expect(egress.monthly).toBeLessThanOrEqual(4 + 1e-9);
  });

  it('offers managed PostgreSQL only as it can be bought: no standby on the 1 GB plan', async () => {
    const catalog = await catalogOf('digitalocean');
    const { plan } = await planFor(catalog, 1_000_000);
    const postgres = plan.lines.find((l) => l.tier === 'postgres')!;
    expect(postgres.type).not.toBe('db-s-1vcpu-1gb');
    expect(plan.runnersUp.some((r) => r.type === 'db-s-1vcpu-1gb')).toBe(false);
    expect(plan.notes.join('\n')).toMatch(/db-s-1vcpu-1gb left out: the plan takes no standby node/);
    // without a standby the 1 GB plan is allowed again
    const solo = await planFor(catalog, 1_000_000, { ...defaultAssumptions(), dbStandby: 0 });
    expect(solo.plan.notes.join('\n')).not.toMatch(/left out: the plan takes no standby/);
  });

  it('says "no single class is large enough" only when none is', async () => {
    const catalog = await catalogOf('digitalocean');
    const { plan } = await planFor(catalog, 1_000_000);
    const postgres = plan.lines.find((l) => l.tier === 'postgres')!;
    const flags = postgres.flags.join('; ');
    expect(flags).not.toMatch(/no single sourced class is large enough/);
    // db-s-4vcpu-8gb holds the 1M-user database alone: a split says so, naming it
    if (/partitioned/.test(flags)) expect(flags).toMatch(/cost less than one db-s-\S+ .*which would hold it unsplit/);
    // with only the smallest purchasable plan, nothing holds it alone
    const small = { ...catalog, managedPostgres: catalog.managedPostgres.filter((o) => o.type === 'db-s-1vcpu-2gb') };
    const split = (await planFor(small, 1_000_000)).plan.lines.find((l) => l.tier === 'postgres')!;
    expect(split.flags).toContain('partitioned: no single sourced class is large enough');
  });
});

describe('Hetzner', () => {
  it('prices LB11 after the 2026-04-01 increase and puts the primary IPv4 on every server line', async () => {
    const catalog = await catalogOf('hetzner');
    expect(catalog.loadBalancers.find((l) => l.type === 'lb11')!.price.figure).toBe(7.49);
    const ipv4 = catalog.perServer.find((c) => c.item === 'primary IPv4')!;
    expect(ipv4.price.figure).toBe(0.5);
    const { plan } = await planFor(catalog, 1_000_000);
    const serverLines = plan.lines.filter((l) => l.tier === 'app' || l.item.startsWith('self-hosted'));
    expect(serverLines.length).toBeGreaterThan(0);
    for (const l of serverLines) {
      const server = catalog.servers.find((s) => s.type === l.type)!;
      expect(l.unitMonthly).toBeCloseTo(server.price.figure + 0.5, 9);
      expect(l.monthly).toBeCloseTo((server.price.figure + 0.5) * l.count, 9);
      expect(l.sources).toContain(ipv4.price.source);
    }
  });

  it('the EUR→USD rate is sourced, dated and flagged stale past its freshness like a price', async () => {
    const input = await sizeInput(1_000_000);
    const hetzner = input.catalogs.find((c) => c.catalog.provider === 'hetzner')!.catalog;
    const stated = hetzner.exchange!;
    expect(hetzner.sources.map((s) => s.id)).toContain(stated.source);
    const fresh = eurUsdFor({ ...input, now: new Date(Date.parse(`${stated.date}T00:00:00Z`) + 86_400_000) });
    expect(fresh).toMatchObject({ eurUsd: stated.eurUsd, date: stated.date, ageDays: 1, stale: false });
    const old = eurUsdFor({ ...input, now: new Date(Date.parse(`${stated.date}T00:00:00Z`) + (stated.freshnessDays + 1) * 86_400_000) });
    expect(old.stale).toBe(true);
    const report = buildSizeReport({ ...input, now: new Date(Date.parse(`${stated.date}T00:00:00Z`) + (stated.freshnessDays + 1) * 86_400_000) });
    expect(report.notes.join('\n')).toMatch(/EUR→USD rate .* STALE/);
    // a rate given on the command line is the user's: no age
    expect(eurUsdFor({ ...input, eurUsd: 1.1, now: NOW })).toMatchObject({ origin: 'option', stale: false, ageDays: null });
  });
});

describe('AWS', () => {
  it('credits the 100 GB egress free tier and prices above 150 TB at 0.05 $/GB', async () => {
    const catalog = await catalogOf('aws');
    const free = catalog.transfer.freeGB!.amount!;
    const top = catalog.transfer.tiers.at(-1)!;
    expect(free).toBe(100);
    expect(top.upToTB).toBeUndefined();
    expect(top.price.figure).toBe(0.05);
    // 30M users move well over 150 TB a month: the last tier applies, nothing is flagged beyond it
    const { plan, needs } = await planFor(catalog, 30_000_000);
    const egress = plan.lines.find((l) => l.tier === 'egress')!;
    const gb = needs.egress.monthlyBytes / 1e9;
    expect(gb).toBeGreaterThan(150_000);
    const expected = (10_000 - free) * 0.09 + 40_000 * 0.085 + 100_000 * 0.07 + (gb - 150_000) * 0.05;
    expect(egress.monthly).toBeCloseTo(expected, 3);
    expect(egress.flags).not.toContain('volume beyond the last priced tier');
  });

  it('credits the CloudWatch free tier', async () => {
    const catalog = await catalogOf('aws');
    const { plan } = await planFor(catalog, 1_000_000);
    const line = plan.lines.find((l) => l.tier === 'monitoring')!;
    const a = defaultAssumptions();
    const servers = plan.lines.filter((l) => l.tier === 'app' || l.item.startsWith('self-hosted')).reduce((s, l) => s + l.count, 0);
    const m = catalog.monitoring!;
    const expected = Math.max(0, servers * a.cwMetricsPerServer - m.freeTier!.metrics) * m.metric.figure
      + Math.max(0, servers * a.cwAlarmsPerServer - m.freeTier!.alarms) * m.alarm.figure
      + Math.max(0, a.cwDashboards - m.freeTier!.dashboards) * m.dashboard.figure;
    expect(line.monthly).toBeCloseTo(expected, 9);
  });

  it('prices RDS storage per partition at its 20 GiB minimum per instance', async () => {
    const catalog = await catalogOf('aws');
    const minimum = catalog.storage.databaseMinimumGB!.amount!;
    expect(minimum).toBeCloseTo(21.47, 2);
    // burstable RDS classes are the only ones in the catalog: include them for this rule
    const a = { ...defaultAssumptions(), burstableForPeak: 1 };
    const { plan, needs } = await planFor(catalog, 1_000_000, a);
    const postgres = plan.lines.find((l) => l.tier === 'postgres')!;
    expect(postgres.item).toBe('managed PostgreSQL');
    const storage = plan.lines.find((l) => l.tier === 'storage')!;
    const partitions = postgres.count / (1 + a.dbStandby + a.dbReadReplicas);
    const perPartition = Math.max(minimum, needs.postgres.storageBytes / 1e9 / partitions);
    expect(storage.monthly).toBeCloseTo(perPartition * partitions * catalog.storage.databaseHa!.figure, 9);
    expect(perPartition * partitions).toBeGreaterThanOrEqual(minimum * partitions);
  });

  it('gives every burstable server tier its CPU-credit line and leaves the offers without a sourced baseline out, saying why', async () => {
    const catalog = await catalogOf('aws');
    const { plan } = await planFor(catalog, 1_000_000);
    for (const l of plan.lines.filter((x) => x.flags.includes('burstable vCPU'))) {
      expect(plan.lines.some((c) => c.item === 'CPU credits (unlimited mode)' && c.tier === l.tier && c.type === l.type), `${l.tier} ${l.type}`).toBe(true);
    }
    const leftOut = plan.notes.find((n) => n.startsWith('burstable offers left out of peak sizing'));
    expect(leftOut).toMatch(/db\.t4g\.medium.*no sourced CPU-credit baseline.*burstableForPeak=1/);
    expect(leftOut).not.toMatch(/t3\.small/);
    const included = await planFor(catalog, 1_000_000, { ...defaultAssumptions(), burstableForPeak: 1 });
    expect(included.plan.notes.join('\n')).not.toMatch(/burstable offers left out/);
  });
});

describe('burstable CPU credits', () => {
  // "nobase" is the cheapest server but has no sourced baseline; "burst" has one; "steady" is dedicated.
  const credits = (surplus: number) => Catalog.parse({
    provider: 'aws', name: 'Test', currency: 'USD', region: 'test', readAt: '2026-12-01', freshnessDays: 90, hoursPerMonth: 730,
    sources: [{ id: 'Z', title: 'test figures', url: 'test', date: '2026-12-01' }],
    servers: [
      { type: 'nobase', vcpu: 2, memoryGiB: 8, cpu: 'burstable', price: { figure: 1, unit: 'USD/month', source: 'Z', date: '2026-12-01' } },
      { type: 'burst', vcpu: 2, memoryGiB: 8, cpu: 'burstable', price: { figure: 10, unit: 'USD/month', source: 'Z', date: '2026-12-01' }, creditBaseline: { perVcpu: 0.1, source: 'Z', date: '2026-12-01' } },
      { type: 'steady', vcpu: 2, memoryGiB: 8, cpu: 'dedicated', price: { figure: 30, unit: 'USD/month', source: 'Z', date: '2026-12-01' } },
    ],
    cpuCreditSurplus: { figure: surplus, unit: 'USD/vCPU-hour', source: 'Z', date: '2026-12-01' },
  });
  const flat = { ...defaultAssumptions(), averageToPeak: 1 };

  it('leaves the offer without a sourced baseline out by default, with the reason in the notes', async () => {
    const { plan } = await planFor(credits(0.05), 1_000_000);
    expect(plan.lines.some((l) => l.type === 'nobase')).toBe(false);
    expect(plan.notes.join('\n')).toMatch(/burstable offers left out of peak sizing \(nobase\): .*no sourced CPU-credit baseline.*burstableForPeak=1/);
    const included = await planFor(credits(0.05), 1_000_000, { ...defaultAssumptions(), burstableForPeak: 1 });
    const nobase = included.plan.lines.find((l) => l.type === 'nobase');
    expect(nobase?.flags).toContain('CPU-credit charges not priced (no sourced baseline)');
  });

  it('prices the surplus above the baseline as its own line: (mean − baseline) × vCPU × hours × count × price', async () => {
    const { plan } = await planFor(credits(0.01), 1_000_000, flat);
    const app = plan.lines.find((l) => l.tier === 'app' && l.item === 'app servers')!;
    expect(app.type).toBe('burst');
    const line = plan.lines.find((l) => l.tier === 'app' && l.item === 'CPU credits (unlimited mode)')!;
    // averageToPeak 1: the mean is the peak utilization
    const expected = (app.utilizationAtPeak! - 0.1) * 2 * 730 * app.count * 0.01;
    expect(expected).toBeGreaterThan(0);
    expect(line.monthly).toBeCloseTo(expected, 9);
    expect(line.sources).toEqual(['Z']);
    expect(plan.totalMonthly).toBeCloseTo(plan.lines.reduce((s, l) => s + l.monthly, 0), 9);
  });

  it('chooses a dedicated offer when the credits make the burstable one cost more', async () => {
    const { plan } = await planFor(credits(5), 1_000_000, flat);
    expect(plan.lines.find((l) => l.tier === 'app' && l.item === 'app servers')!.type).toBe('steady');
    expect(plan.lines.some((l) => l.item === 'CPU credits (unlimited mode)')).toBe(false);
    const burst = plan.runnersUp.find((r) => r.tier === 'app' && r.type === 'burst')!;
    expect(burst.billMonthlyUsd).toBeGreaterThan(plan.totalMonthly);
  });
});

describe('the optimiser', () => {
  // Two server types: "cheap" costs less alone but carries a large per-server charge; the bill,
  // not the server price, must decide.
  const catalog = Catalog.parse({
    provider: 'hetzner', name: 'Test', currency: 'EUR', region: 'test', readAt: '2026-12-01', freshnessDays: 90, hoursPerMonth: 730,
    sources: [{ id: 'Z', title: 'test figures', url: 'test', date: '2026-12-01' }],
    servers: [
      { type: 'small', vcpu: 1, memoryGiB: 2, cpu: 'shared', price: { figure: 1, unit: 'EUR/month', source: 'Z', date: '2026-12-01' } },
      { type: 'big', vcpu: 8, memoryGiB: 16, cpu: 'shared', price: { figure: 9, unit: 'EUR/month', source: 'Z', date: '2026-12-01' } },
    ],
    perServer: [{ item: 'fee', price: { figure: 5, unit: 'EUR/month', source: 'Z', date: '2026-12-01' } }],
    exchange: { eurUsd: 1, source: 'Z', date: '2026-12-01', freshnessDays: 30 },
  });

  it('chooses each tier by the total it adds to the bill, per-server charges included', async () => {
    const { plan } = await planFor(catalog, 1_000_000);
    const app = plan.lines.find((l) => l.tier === 'app')!;
    const total = plan.lines.reduce((s, l) => s + l.monthly, 0);
    expect(plan.totalMonthly).toBeCloseTo(total, 9);
    // every runner-up would have made the bill at least as large
    for (const r of plan.runnersUp) expect(r.billMonthlyUsd).toBeGreaterThanOrEqual(total - 1e-9);
    // with a fee of 5 a server, the 8-vCPU type wins although 8 small ones cost less before fees
    expect(app.type).toBe('big');
  });
});
