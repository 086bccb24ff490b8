import { z } from 'zod';

/**
 * Provider price catalogs as data. One schema: validation of the YAML files (with every error named
 * by file, line and field) and the TypeScript types. A price always carries its figure, unit,
 * source (an id from the catalog's `sources`) and date.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const PRICE_PERIODS = ['hour', 'month', 'GB-month', 'GB', 'GiB', 'TB', 'LCU-hour', 'vCPU-hour', 'metric-month', 'alarm-month', 'dashboard-month'] as const;
export type PricePeriod = (typeof PRICE_PERIODS)[number];

export const Price = z.object({
  figure: z.number().finite().nonnegative(),
  /** `<currency>/<period>`, e.g. USD/hour, EUR/month, USD/GB-month. */
  unit: z.string().regex(new RegExp(`^(USD|EUR)/(${PRICE_PERIODS.join('|')})$`), `CUR/period with CUR in USD|EUR and period in ${PRICE_PERIODS.join(', ')}`),
  source: z.string().min(1),
  /** When the figure was read, or the date its source says it applies (the earlier). */
  date: isoDate,
  region: z.string().optional(),
  /** Computed from sourced figures by a stated rule, not read directly. */
  derived: z.boolean().optional(),
  note: z.string().optional(),
});

export const Source = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  url: z.string().min(1),
  date: isoDate,
  /** The source states no date; `date` is when it was read. */
  undated: z.boolean().optional(),
  note: z.string().optional(),
});

const cpuKind = z.enum(['shared', 'burstable', 'dedicated']);

export const ServerOffer = z.object({
  type: z.string().min(1),
  vcpu: z.number().positive(),
  memoryGiB: z.number().positive(),
  cpu: cpuKind,
  arch: z.enum(['x86_64', 'arm64']).optional(),
  /** Outbound transfer included per server per month, pooled (DigitalOcean, Hetzner). */
  includedTransferTB: z.number().nonnegative().optional(),
  price: Price,
  /**
   * A burstable offer's CPU-credit baseline: the utilization per vCPU it holds without spending
   * credits (0.2 = 20 %), sourced and dated. With the catalog's cpuCreditSurplus it prices the
   * offer's credit charge; a burstable offer without it is left out of peak sizing by default.
   */
  creditBaseline: z.object({ perVcpu: z.number().gt(0).max(1), source: z.string().min(1), date: isoDate, note: z.string().optional() }).optional(),
});

export const ManagedDatabaseOffer = z.object({
  type: z.string().min(1),
  vcpu: z.number().positive(),
  memoryGiB: z.number().positive(),
  cpu: cpuKind,
  price: Price,
  /** Price of the highly available deployment (primary + standby), when the provider prices it so. */
  haPrice: Price.optional(),
  /** Standby nodes the plan can take (absent: no limit stated); a plan that cannot take the standbys asked for is not offered. */
  maxStandbys: z.number().int().nonnegative().optional(),
});

/**
 * A sourced rule or allowance that is not a price (a free tier, a pooling rule, a minimum): its
 * amount where it has one, the source id and the date read, like a price.
 */
export const Rule = z.object({
  amount: z.number().nonnegative().optional(),
  source: z.string().min(1),
  date: isoDate,
  note: z.string().optional(),
});

export const ManagedCacheOffer = z.object({
  type: z.string().min(1),
  engine: z.enum(['redis', 'valkey']),
  vcpu: z.number().positive(),
  memoryGiB: z.number().positive(),
  cpu: cpuKind,
  price: Price,
});

export const LoadBalancerOffer = z.object({
  type: z.string().min(1),
  /** 'lcu': one elastic balancer billed per hour plus capacity units (AWS ALB); 'per-node': fixed-size nodes. */
  kind: z.enum(['lcu', 'per-node']),
  price: Price,
  lcuPrice: Price.optional(),
  lcu: z
    .object({
      newConnectionsPerSecond: z.number().positive(),
      activeConnectionsPerMinute: z.number().positive(),
      processedGBPerHour: z.number().positive(),
      ruleEvaluationsPerSecond: z.number().positive(),
      freeRules: z.number().int().nonnegative(),
    })
    .optional(),
  maxConnections: z.number().int().positive().optional(),
});

export const Catalog = z
  .object({
    provider: z.enum(['aws', 'digitalocean', 'hetzner']),
    name: z.string().min(1),
    currency: z.enum(['USD', 'EUR']),
    region: z.string().min(1),
    readAt: isoDate,
    freshnessDays: z.number().int().positive(),
    hoursPerMonth: z.number().positive(),
    sources: z.array(Source).min(1),
    servers: z.array(ServerOffer).default([]),
    managedPostgres: z.array(ManagedDatabaseOffer).default([]),
    /** How standby nodes are billed: 'deployment' (haPrice per offer) or 'per-node' (each node at the node price). */
    managedPostgresHa: z.enum(['deployment', 'per-node']).default('per-node'),
    managedCaches: z.array(ManagedCacheOffer).default([]),
    loadBalancers: z.array(LoadBalancerOffer).default([]),
    /** Price of one surplus CPU-credit vCPU-hour of burstable servers in unlimited mode (AWS T3: per vCPU-hour). */
    cpuCreditSurplus: Price.optional(),
    /** Charges every server carries besides its own price (Hetzner's primary IPv4), on each server line. */
    perServer: z.array(z.object({ item: z.string().min(1), price: Price })).default([]),
    storage: z
      .object({
        block: Price.optional(),
        database: Price.optional(),
        databaseHa: Price.optional(),
        /** Smallest managed-database volume per instance (RDS: 20 GiB), in GB; each partition pays at least this. */
        databaseMinimumGB: Rule.optional(),
      })
      .default({}),
    transfer: z
      .object({
        includedPerServer: z.boolean().default(false),
        /**
         * The servers' included transfer is pooled across the account, and traffic leaving through
         * the provider's load balancer counts against that pool (DigitalOcean): credited against egress.
         * Absent: allowances are shown, not credited.
         */
        pooledAllowance: Rule.optional(),
        /** How many GiB one "TB" of includedTransferTB is (DigitalOcean: 1,000 GiB); absent: 10^12 bytes. */
        allowanceGiBPerTB: z.number().positive().optional(),
        /** Free outbound transfer per month before the first tier (AWS: 100 GB, aggregated across services), in GB. */
        freeGB: Rule.optional(),
        /** Tiers in order; the last may omit upToTB (no upper bound). */
        tiers: z.array(z.object({ upToTB: z.number().positive().optional(), price: Price })).default([]),
        overage: Price.optional(),
      })
      .default({ includedPerServer: false, tiers: [] }),
    monitoring: z
      .object({
        metric: Price,
        alarm: Price,
        dashboard: Price,
        /** Free tier per month: metrics, alarms and dashboards not billed (CloudWatch: 10, 10, 3). */
        freeTier: z
          .object({ metrics: z.number().int().nonnegative(), alarms: z.number().int().nonnegative(), dashboards: z.number().int().nonnegative(), source: z.string().min(1), date: isoDate })
          .optional(),
      })
      .optional(),
    /** EUR→USD: the rate, its source id and date, and how long it may be used before it is flagged stale. */
    exchange: z.object({ eurUsd: z.number().positive(), source: z.string().min(1), date: isoDate, freshnessDays: z.number().int().positive() }).optional(),
    gaps: z.array(z.string()).default([]),
  })
  .superRefine((catalog, ctx) => {
    // Every price must name a declared source and be in the catalog's currency.
    const ids = new Set(catalog.sources.map((s) => s.id));
    const visit = (value: unknown, path: Array<string | number>): void => {
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        // A sourced fact that is not a price (a rule, an allowance, the exchange rate) names a declared source too.
        if (typeof record.source === 'string' && typeof record.date === 'string' && record.figure === undefined) {
          if (!ids.has(record.source as string)) ctx.addIssue({ code: 'custom', path: [...path, 'source'], message: `unknown source "${String(record.source)}" (declare it under sources)` });
          return;
        }
        if (typeof record.figure === 'number' && typeof record.unit === 'string' && typeof record.source === 'string') {
          if (!ids.has(record.source)) {
            ctx.addIssue({ code: 'custom', path: [...path, 'source'], message: `unknown source "${record.source}" (declare it under sources)` });
          }
          if (!record.unit.startsWith(`${catalog.currency}/`)) {
            ctx.addIssue({ code: 'custom', path: [...path, 'unit'], message: `unit ${record.unit} is not in the catalog currency ${catalog.currency}` });
          }
          return;
        }
        for (const [key, child] of Object.entries(record)) visit(child, [...path, Array.isArray(value) ? Number(key) : key]);
      }
    };
    const { sources: _sources, ...rest } = catalog;
    visit(rest, []);
    if (catalog.currency === 'EUR' && !catalog.exchange) {
      ctx.addIssue({ code: 'custom', path: ['exchange'], message: 'a EUR catalog needs exchange.eurUsd with its source and date' });
    }
  });

export type Price = z.infer<typeof Price>;
export type Rule = z.infer<typeof Rule>;
export type Source = z.infer<typeof Source>;
export type ServerOffer = z.infer<typeof ServerOffer>;
export type ManagedDatabaseOffer = z.infer<typeof ManagedDatabaseOffer>;
export type ManagedCacheOffer = z.infer<typeof ManagedCacheOffer>;
export type LoadBalancerOffer = z.infer<typeof LoadBalancerOffer>;
export type Catalog = z.infer<typeof Catalog>;
export type ProviderId = Catalog['provider'];
export { PROVIDERS, monthly } from './catalog-price.js';
