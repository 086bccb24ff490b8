/**
 * Server-series vocabulary and the small pure helpers every collector shares: metric names and
 * units, counter deltas, histogram quantiles, and integrating a rate series over a window.
 */
import type { ServerSeries } from '../results/schema.js';

/** Metric names used in ServerSeries.metric by every collector, with their units. */
export const METRICS = {
  cpu: { metric: 'cpu_seconds_per_second', unit: 'cores' },
  rss: { metric: 'rss_bytes', unit: 'bytes' },
  requestRate: { metric: 'requests_per_second', unit: 'req/s' },
  errorRate: { metric: 'errors_per_second', unit: 'req/s' },
  latencyP50: { metric: 'latency_p50_seconds', unit: 's' },
  latencyP95: { metric: 'latency_p95_seconds', unit: 's' },
  latencyP99: { metric: 'latency_p99_seconds', unit: 's' },
  inFlight: { metric: 'in_flight_requests', unit: 'requests' },
  eventLoopLag: { metric: 'event_loop_lag_seconds', unit: 's' },
  pgPoolTotal: { metric: 'pg_pool_total', unit: 'connections' },
  pgPoolIdle: { metric: 'pg_pool_idle', unit: 'connections' },
  pgPoolWaiting: { metric: 'pg_pool_waiting', unit: 'clients' },
  cacheHits: { metric: 'cache_hits_per_second', unit: 'ops/s' },
  cacheMisses: { metric: 'cache_misses_per_second', unit: 'ops/s' },
  cacheHitRatio: { metric: 'cache_hit_ratio', unit: 'ratio' },
  redisOps: { metric: 'redis_ops_per_second', unit: 'ops/s' },
  redisMemory: { metric: 'redis_used_memory_bytes', unit: 'bytes' },
  redisHits: { metric: 'redis_keyspace_hits_per_second', unit: 'ops/s' },
  redisMisses: { metric: 'redis_keyspace_misses_per_second', unit: 'ops/s' },
  redisClients: { metric: 'redis_connected_clients', unit: 'connections' },
  processes: { metric: 'processes', unit: 'processes' },
  /** Times a tier's threads were put on a CPU, per second (see ProcSampler). */
  wakeups: { metric: 'wakeups_per_second', unit: 'wake-ups/s' },
} as const;

/** Responses per second with one HTTP status, e.g. responses_per_second_status_503. */
export function statusMetric(status: string): string {
  return `responses_per_second_status_${status}`;
}

/** Increase of a counter between two readings; a decrease means the counter restarted at zero. */
export function counterDelta(previous: number, current: number): number {
  if (!Number.isFinite(previous) || !Number.isFinite(current)) return 0;
  return current >= previous ? current - previous : current;
}

export interface Bucket {
  /** Upper bound; Infinity for the +Inf bucket. */
  le: number;
  /** Cumulative count of observations <= le. */
  count: number;
}

/**
 * The q-quantile of a cumulative histogram, interpolating linearly inside the bucket that holds
 * it (the same estimate Prometheus' histogram_quantile makes), so its error is bounded by that
 * bucket's width. Undefined when the histogram holds no observation.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number | undefined {
  if (buckets.length === 0 || !(q >= 0 && q <= 1)) return undefined;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  // Cumulative counts must not fall; a scrape taken mid-update can make them, so flatten.
  for (let i = 1; i < sorted.length; i += 1) {
    const previous = sorted[i - 1] as Bucket;
    const current = sorted[i] as Bucket;
    if (current.count < previous.count) sorted[i] = { le: current.le, count: previous.count };
  }
  const last = sorted[sorted.length - 1] as Bucket;
  const total = last.count;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let index = sorted.findIndex((bucket) => bucket.count >= rank);
  if (index < 0) index = sorted.length - 1;
  const bucket = sorted[index] as Bucket;
  if (bucket.le === Infinity) {
    // Above the highest finite bound: that bound is the best figure the histogram can give.
    return index > 0 ? (sorted[index - 1] as Bucket).le : undefined;
  }
  const lowerBound = index > 0 ? (sorted[index - 1] as Bucket).le : Math.min(0, bucket.le);
  const countBelow = index > 0 ? (sorted[index - 1] as Bucket).count : 0;
  const inBucket = bucket.count - countBelow;
  if (inBucket <= 0) return bucket.le;
  return lowerBound + (bucket.le - lowerBound) * ((rank - countBelow) / inBucket);
}

/**
 * Cumulative integral of a rate series, as points [t, integral since the first point]. A point
 * [t, r] stands for the mean rate over the period that ends at t (since the previous point).
 */
function cumulative(points: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let total = 0;
  points.forEach(([t, rate], index) => {
    if (index > 0) total += rate * (t - (points[index - 1] as [number, number])[0]);
    out.push([t, total]);
  });
  return out;
}

function interpolate(points: Array<[number, number]>, t: number): number {
  const first = points[0] as [number, number];
  const last = points[points.length - 1] as [number, number];
  if (t <= first[0]) return first[1];
  if (t >= last[0]) return last[1];
  let low = 0;
  let high = points.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if ((points[middle] as [number, number])[0] <= t) low = middle;
    else high = middle;
  }
  const [t0, v0] = points[low] as [number, number];
  const [t1, v1] = points[high] as [number, number];
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}

/**
 * Integral of a rate series over [from, to] (e.g. CPU-seconds from cores), treating the
 * accumulated quantity as linear between points. Undefined when the series does not cover the
 * window (it starts after `from` or ends before `to` by more than `slackS`).
 */
export function integrateRate(points: Array<[number, number]>, fromS: number, toS: number, slackS = 1.5): number | undefined {
  if (points.length < 2 || toS <= fromS) return undefined;
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const first = sorted[0] as [number, number];
  const last = sorted[sorted.length - 1] as [number, number];
  if (first[0] > fromS + slackS || last[0] < toS - slackS) return undefined;
  const accumulated = cumulative(sorted);
  return interpolate(accumulated, toS) - interpolate(accumulated, fromS);
}

/** Mean of a gauge series over [from, to] (points inside the window); undefined when none. */
export function meanInWindow(points: Array<[number, number]>, fromS: number, toS: number): number | undefined {
  const inside = points.filter(([t]) => t >= fromS && t <= toS).map(([, v]) => v);
  if (inside.length === 0) return undefined;
  return inside.reduce((sum, v) => sum + v, 0) / inside.length;
}

/** Stable identity of a series, for merging and lookups. */
export function seriesKey(series: Pick<ServerSeries, 'tier' | 'instance' | 'metric' | 'source'>): string {
  return `${series.source}\u0000${series.tier}\u0000${series.instance}\u0000${series.metric}`;
}

/** Keeps only finite points, sorted by time: the schema refuses NaN and Infinity. */
export function finitePoints(points: Array<[number, number]>): Array<[number, number]> {
  return points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
}

/**
 * Moves series onto another timeline: collectors count from the moment they were started, the
 * engine's intervals from its own start; `offsetS` is (collectors' start − engine's start).
 */
export function shiftSeries(series: ServerSeries[], offsetS: number): ServerSeries[] {
  if (!Number.isFinite(offsetS) || offsetS === 0) return series;
  return series.map((s) => ({ ...s, points: s.points.map(([t, v]): [number, number] => [t + offsetS, v]) }));
}
