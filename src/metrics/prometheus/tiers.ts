/**
 * The user's own servers as sizing tiers: each tier (app, database, cache, load balancer) mapped
 * to a PromQL selector of its CPU-seconds counter (and optionally its resident memory), so a run
 * against their staging yields the per-tier service demands `capacity size --calibration` reads.
 * Pure: parsing the mappings and building the queries.
 */
import { badInput } from '../../core/errors.js';
import { METRICS } from '../series.js';
import type { NamedQuery } from './queries.js';

/** The tier names sizing reads (src/sizing/needs.ts), with the words users say for them. */
export const TIER_ALIASES: Readonly<Record<string, string>> = {
  app: 'app',
  application: 'app',
  database: 'postgres',
  db: 'postgres',
  postgres: 'postgres',
  postgresql: 'postgres',
  cache: 'redis',
  redis: 'redis',
  lb: 'lb',
  'load-balancer': 'lb',
  loadbalancer: 'lb',
};

export interface TierMapping {
  /** Sizing's tier name: app, postgres, redis or lb. */
  tier: string;
  /** A CPU-seconds counter selector (`process_cpu_seconds_total{job="api"}`), or a whole PromQL expression in cores. */
  cpu: string;
  /** A resident-memory gauge selector (bytes), or a whole expression. */
  memory?: string;
}

/** A whole expression (it calls a function) rather than a bare selector. */
function isExpression(text: string): boolean {
  return /[A-Za-z_:][A-Za-z0-9_:]*\s*\(/.test(text.replace(/\{[^}]*\}/g, ''));
}

/**
 * `app=process_cpu_seconds_total{job="api"}`, `database.memory=pg_memory_bytes{...}`: tier, what
 * (cpu by default) and the selector. Every malformed entry is listed (exit 2).
 */
export function parseTierMappings(entries: readonly string[], flag = '--prometheus-tier'): TierMapping[] {
  const problems: string[] = [];
  const byTier = new Map<string, Partial<TierMapping>>();
  for (const entry of entries) {
    const match = /^\s*([A-Za-z-]+)(?:\.(cpu|memory))?\s*=\s*(.+)$/s.exec(entry);
    if (!match) {
      problems.push(`${flag} ${entry}: expected <tier>=<selector> or <tier>.memory=<selector>, e.g. app=process_cpu_seconds_total{job="api"}`);
      continue;
    }
    const tier = TIER_ALIASES[(match[1] as string).toLowerCase()];
    if (!tier) {
      problems.push(`${flag} ${entry}: unknown tier "${match[1] as string}" (one of: ${Object.keys(TIER_ALIASES).join(', ')})`);
      continue;
    }
    const selector = (match[3] as string).trim();
    if (!/^[A-Za-z_:(]/.test(selector) || (selector.match(/\(/g)?.length ?? 0) !== (selector.match(/\)/g)?.length ?? 0)) {
      problems.push(`${flag} ${entry}: "${selector}" is not a PromQL selector or expression`);
      continue;
    }
    const what = (match[2] ?? 'cpu') as 'cpu' | 'memory';
    const mapping = byTier.get(tier) ?? { tier };
    if (mapping[what] !== undefined) problems.push(`${flag} ${entry}: ${tier} ${what} given twice`);
    mapping[what] = selector;
    byTier.set(tier, mapping);
  }
  for (const mapping of byTier.values()) {
    if (mapping.cpu === undefined) problems.push(`${flag}: tier ${mapping.tier} has memory but no CPU selector (service demand is CPU-seconds per request)`);
  }
  if (problems.length > 0) throw badInput(`invalid ${flag}`, problems, `e.g. ${flag} 'app=process_cpu_seconds_total{job="api"}' ${flag} 'database=rate(pg_cpu_seconds_total[$window])'`);
  return [...byTier.values()] as TierMapping[];
}

/**
 * The queries of the mapped tiers, one series per instance: a selector's counter as a rate over the
 * collector's window; a whole expression as given, `$window` replaced by that window.
 */
export function tierQueries(mappings: readonly TierMapping[]): Array<NamedQuery & { tier: string }> {
  return mappings.flatMap((mapping) => {
    const cpu: NamedQuery & { tier: string } = {
      ...METRICS.cpu,
      tier: mapping.tier,
      promql: (w) => (isExpression(mapping.cpu) ? mapping.cpu.replaceAll('$window', w) : `sum by (instance) (rate(${mapping.cpu}[${w}]))`),
    };
    const memory = mapping.memory;
    if (memory === undefined) return [cpu];
    return [cpu, { ...METRICS.rss, tier: mapping.tier, promql: (w: string) => (isExpression(memory) ? memory.replaceAll('$window', w) : `sum by (instance) (${memory})`) }];
  });
}
