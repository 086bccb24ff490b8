/**
 * Collector that reads the run's window back from Prometheus once the run is over: one range
 * query per named query, mapped to the stack's components by their instance label.
 */
import type { ServerSeries } from '../../results/schema.js';
import type { Collector, CollectorClock } from '../types.js';
import { METRICS } from '../series.js';
import { systemClock } from '../types.js';
import { PrometheusClient, boundedStep } from './client.js';
import { NAMED_QUERIES, type NamedQuery, type OwnerLookup, TIER_LATENCY_QUERIES, rateWindowFor, toServerSeries } from './queries.js';

export interface PrometheusCollectorOptions {
  client: PrometheusClient;
  owner: OwnerLookup;
  /** Resolution wanted (seconds); default: the scrape interval. */
  stepS?: number;
  /** Wait this long after the run so the last scrape is in; default: one scrape interval (≤ 5 s). */
  settleMs?: number;
  clock?: CollectorClock;
  sleep?: (ms: number) => Promise<void>;
  /** The user's tiers mapped to their own CPU (and memory) selectors (tiers.ts): these replace the
   * generic per-job CPU and memory queries, so no tier's CPU is counted twice. */
  tierQueries?: Array<NamedQuery & { tier: string }>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class PrometheusCollector implements Collector {
  readonly name = 'prometheus';
  private runStart: Date | undefined;
  private readonly clock: CollectorClock;

  constructor(private readonly options: PrometheusCollectorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(runStart: Date): void {
    this.runStart = runStart;
  }

  async stop(): Promise<ServerSeries[]> {
    const runStart = this.runStart;
    if (!runStart) return [];
    const client = this.options.client;
    const scrapeS = (await client.scrapeIntervalS()) ?? 15;
    const settleMs = this.options.settleMs ?? Math.min(5000, scrapeS * 1000 + 250);
    await (this.options.sleep ?? defaultSleep)(settleMs);
    const end = new Date(this.clock.now());
    if (end.getTime() - runStart.getTime() < 1000) return [];
    const stepS = boundedStep(runStart, end, this.options.stepS ?? scrapeS, client.maxPoints);
    const window = rateWindowFor(scrapeS, stepS);
    const out: ServerSeries[] = [];
    const mapped = this.options.tierQueries ?? [];
    const replaced = new Set<string>(mapped.length > 0 ? [METRICS.cpu.metric, METRICS.rss.metric] : []);
    for (const named of NAMED_QUERIES) {
      if (typeof named.metric === 'string' && replaced.has(named.metric)) continue;
      const answer = await client.queryRange({ query: named.promql(window), start: runStart, end, stepS });
      out.push(...toServerSeries(named, answer, runStart.getTime(), this.options.owner));
    }
    for (const named of mapped) {
      const answer = await client.queryRange({ query: named.promql(window), start: runStart, end, stepS });
      out.push(...toServerSeries(named, answer, runStart.getTime(), (labels) => ({ tier: named.tier, instance: labels.instance ?? labels.job ?? named.tier })));
    }
    for (const named of TIER_LATENCY_QUERIES) {
      const answer = await client.queryRange({ query: named.promql(window), start: runStart, end, stepS });
      out.push(...toServerSeries(named, answer, runStart.getTime(), () => ({ tier: 'app', instance: 'all' })));
    }
    return out;
  }
}
