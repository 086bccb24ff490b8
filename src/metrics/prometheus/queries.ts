/**
 * The PromQL the reports need, by name, over the reference app's metrics (prom-client names).
 * Pure: each query is text built from the rate window; results become ServerSeries.
 */
import type { ServerSeries } from '../../results/schema.js';
import { METRICS, counterDelta, finitePoints, statusMetric } from '../series.js';
import type { PrometheusSeries } from './client.js';

export interface NamedQuery {
  /** ServerSeries metric name; for `splitBy` queries, a function of that label's value. */
  metric: string | ((label: string) => string);
  unit: string;
  promql: (rateWindow: string) => string;
  /** A label kept apart besides instance and job (e.g. status_code). */
  splitBy?: string;
}

const BY = 'by (instance, job, component)';

function quantile(q: number): (w: string) => string {
  return (w) => `histogram_quantile(${q}, sum by (instance, job, component, le) (rate(http_request_duration_seconds_bucket[${w}])))`;
}

/** The app-tier and runtime queries, one series per scraped instance. */
export const NAMED_QUERIES: NamedQuery[] = [
  { ...METRICS.requestRate, promql: (w) => `sum ${BY} (rate(http_requests_total[${w}]))` },
  { ...METRICS.errorRate, promql: (w) => `sum ${BY} (rate(http_requests_total{status_code=~"5.."}[${w}]))` },
  { metric: statusMetric, unit: 'req/s', splitBy: 'status_code', promql: (w) => `sum by (instance, job, component, status_code) (rate(http_requests_total[${w}]))` },
  { ...METRICS.latencyP50, promql: quantile(0.5) },
  { ...METRICS.latencyP95, promql: quantile(0.95) },
  { ...METRICS.latencyP99, promql: quantile(0.99) },
  { ...METRICS.cpu, promql: (w) => `sum ${BY} (rate(process_cpu_seconds_total[${w}]))` },
  { ...METRICS.rss, promql: () => `sum ${BY} (process_resident_memory_bytes)` },
  { ...METRICS.eventLoopLag, promql: () => `max ${BY} (nodejs_eventloop_lag_seconds)` },
  { ...METRICS.inFlight, promql: () => `sum ${BY} (http_requests_in_flight)` },
  { ...METRICS.pgPoolTotal, promql: () => `sum ${BY} (pg_pool_total)` },
  { ...METRICS.pgPoolIdle, promql: () => `sum ${BY} (pg_pool_idle)` },
  { ...METRICS.pgPoolWaiting, promql: () => `sum ${BY} (pg_pool_waiting)` },
  { ...METRICS.cacheHits, promql: (w) => `sum ${BY} (rate(cache_hits_total[${w}]))` },
  { ...METRICS.cacheMisses, promql: (w) => `sum ${BY} (rate(cache_misses_total[${w}]))` },
  {
    ...METRICS.cacheHitRatio,
    promql: (w) => `sum ${BY} (rate(cache_hits_total[${w}])) / (sum ${BY} (rate(cache_hits_total[${w}])) + sum ${BY} (rate(cache_misses_total[${w}])))`,
  },
];

/** Tier-wide latency quantiles over every app instance (histograms summed, never averaged). */
export const TIER_LATENCY_QUERIES: NamedQuery[] = [0.5, 0.95, 0.99].map((q) => ({
  metric: `latency_p${Math.round(q * 100)}_seconds`,
  unit: 's',
  promql: (w: string) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket[${w}])))`,
}));

/** Who a Prometheus series belongs to: the stack component scraped at that instance, if known. */
export interface InstanceOwner {
  tier: string;
  instance: string;
}

export type OwnerLookup = (labels: Record<string, string>) => InstanceOwner;

/** Maps instance labels (host:port) to stack components; other series keep their job as tier. */
export function ownerLookup(components: Array<{ name: string; tier: string; metricsUrl?: string }>, defaultTier = 'app'): OwnerLookup {
  const byAddress = new Map<string, InstanceOwner>();
  for (const component of components) {
    if (!component.metricsUrl) continue;
    try {
      const url = new URL(component.metricsUrl);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      const owner = { tier: component.tier, instance: component.name };
      byAddress.set(`${url.hostname}:${port}`, owner);
      if (url.hostname === 'localhost') byAddress.set(`127.0.0.1:${port}`, owner);
      if (url.hostname === '127.0.0.1') byAddress.set(`localhost:${port}`, owner);
    } catch {
      // a component without a parsable URL is simply not mapped
    }
  }
  const byName = new Map(components.map((component) => [component.name, { tier: component.tier, instance: component.name }]));
  return (labels) => {
    const instance = labels.instance ?? 'all';
    // The local stack labels each target with its component name; other setups only have host:port.
    const named = labels.component !== undefined ? byName.get(labels.component) : undefined;
    return named ?? byAddress.get(instance) ?? { tier: labels.job ?? defaultTier, instance };
  };
}

/** Converts one named query's answer into ServerSeries, t relative to the run start. */
export function toServerSeries(
  named: NamedQuery,
  answer: PrometheusSeries[],
  runStartMs: number,
  owner: OwnerLookup,
): ServerSeries[] {
  return answer.flatMap((series) => {
    const who = owner(series.metric);
    const metric =
      typeof named.metric === 'function' ? named.metric(series.metric[named.splitBy ?? ''] ?? 'unknown') : named.metric;
    const points = finitePoints(series.values.map(([time, value]) => [time - runStartMs / 1000, value]));
    if (points.length === 0) return [];
    return [{ tier: who.tier, instance: who.instance, metric, unit: named.unit, source: 'prometheus' as const, points }];
  });
}

/** Rate window for a given scrape interval and step: four scrapes at least, and no gap between steps. */
export function rateWindowFor(scrapeIntervalS: number, stepS: number): string {
  const seconds = Math.max(4 * scrapeIntervalS, stepS);
  return `${Math.ceil(seconds * 1000)}ms`;
}

export interface CounterIncrease {
  labels: Record<string, string>;
  /** Unix seconds of the first and last raw samples inside the window. */
  fromS: number;
  toS: number;
  increase: number;
}

/**
 * Exact increase of counters between the first and last raw samples in a window, from the answer
 * to `counter[range]` (a matrix of raw samples), so it can be compared with another source over
 * the same instants — unlike rate(), which extrapolates to the window edges.
 */
export function counterIncreases(answer: PrometheusSeries[]): CounterIncrease[] {
  return answer.flatMap((series) => {
    const values = [...series.values].sort((a, b) => a[0] - b[0]);
    if (values.length < 2) return [];
    let increase = 0;
    for (let i = 1; i < values.length; i += 1) {
      increase += counterDelta((values[i - 1] as [number, number])[1], (values[i] as [number, number])[1]);
    }
    return [{ labels: series.metric, fromS: (values[0] as [number, number])[0], toS: (values[values.length - 1] as [number, number])[0], increase }];
  });
}
