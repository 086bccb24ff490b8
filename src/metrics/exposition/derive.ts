/**
 * Turns successive scrapes of one /metrics endpoint into server series (pure): rates from counter
 * deltas, latency quantiles from the bucket deltas between two scrapes, gauges as read.
 */
import type { ServerSeries } from '../../results/schema.js';
import { type Bucket, METRICS, counterDelta, finitePoints, histogramQuantile, statusMetric } from '../series.js';
import type { Sample } from './parse.js';

export interface Scrape {
  /** Seconds since the run started, when the scrape was answered. */
  t: number;
  samples: Sample[];
}

export interface SeriesOwner {
  tier: string;
  instance: string;
  source: ServerSeries['source'];
}

function labelKey(sample: Sample): string {
  return Object.keys(sample.labels)
    .sort()
    .map((key) => `${key}=${sample.labels[key] ?? ''}`)
    .join(',');
}

type SampleIndex = Map<string, Map<string, Sample>>;

function indexSamples(samples: Sample[]): SampleIndex {
  const index: SampleIndex = new Map();
  for (const sample of samples) {
    let byLabels = index.get(sample.name);
    if (!byLabels) {
      byLabels = new Map();
      index.set(sample.name, byLabels);
    }
    byLabels.set(labelKey(sample), sample);
  }
  return index;
}

/** Counter increases between two scrapes, one per label set present in the later one. */
function deltas(previous: SampleIndex, current: SampleIndex, name: string): Array<{ labels: Record<string, string>; delta: number }> {
  const out: Array<{ labels: Record<string, string>; delta: number }> = [];
  const now = current.get(name);
  if (!now) return out;
  const before = previous.get(name);
  for (const [key, sample] of now) {
    const earlier = before?.get(key);
    // A label set seen for the first time started from zero after the previous scrape.
    out.push({ labels: sample.labels, delta: counterDelta(earlier?.value ?? 0, sample.value) });
  }
  return out;
}

function gauge(index: SampleIndex, name: string): number | undefined {
  const byLabels = index.get(name);
  if (!byLabels || byLabels.size === 0) return undefined;
  let total = 0;
  for (const sample of byLabels.values()) total += sample.value;
  return total;
}

const LATENCY_HISTOGRAM = 'http_request_duration_seconds';

/**
 * Derives the app-level series scrape by scrape, holding only the previous scrape, so an hour of
 * one-second scrapes costs the points and not every sample ever read.
 */
export class SeriesDeriver {
  private readonly collected = new Map<string, { unit: string; points: Array<[number, number]> }>();
  private previous: { t: number; index: SampleIndex } | undefined;

  constructor(private readonly owner: SeriesOwner) {}

  private add(metric: string, unit: string, t: number, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    let entry = this.collected.get(metric);
    if (!entry) {
      entry = { unit, points: [] };
      this.collected.set(metric, entry);
    }
    entry.points.push([t, value]);
  }

  /** Adds a scrape; scrapes must come in time order (an older one is ignored). */
  push(scrape: Scrape): void {
    if (this.previous && scrape.t <= this.previous.t) return;
    const current = indexSamples(scrape.samples);
    const add = this.add.bind(this);
    add(METRICS.rss.metric, METRICS.rss.unit, scrape.t, gauge(current, 'process_resident_memory_bytes'));
    add(METRICS.eventLoopLag.metric, METRICS.eventLoopLag.unit, scrape.t, gauge(current, 'nodejs_eventloop_lag_seconds'));
    add(METRICS.inFlight.metric, METRICS.inFlight.unit, scrape.t, gauge(current, 'http_requests_in_flight'));
    add(METRICS.pgPoolTotal.metric, METRICS.pgPoolTotal.unit, scrape.t, gauge(current, 'pg_pool_total'));
    add(METRICS.pgPoolIdle.metric, METRICS.pgPoolIdle.unit, scrape.t, gauge(current, 'pg_pool_idle'));
    add(METRICS.pgPoolWaiting.metric, METRICS.pgPoolWaiting.unit, scrape.t, gauge(current, 'pg_pool_waiting'));
    const before = this.previous;
    this.previous = { t: scrape.t, index: current };
    if (!before) return;

    const previous = before.index;
    const elapsed = scrape.t - before.t;
    const sum = (items: Array<{ delta: number }>): number => items.reduce((total, item) => total + item.delta, 0);
    const rateOf = (name: string): number | undefined => (current.has(name) ? sum(deltas(previous, current, name)) / elapsed : undefined);

    add(METRICS.cpu.metric, METRICS.cpu.unit, scrape.t, rateOf('process_cpu_seconds_total'));
    const hits = rateOf('cache_hits_total');
    const misses = rateOf('cache_misses_total');
    add(METRICS.cacheHits.metric, METRICS.cacheHits.unit, scrape.t, hits);
    add(METRICS.cacheMisses.metric, METRICS.cacheMisses.unit, scrape.t, misses);
    if (hits !== undefined && misses !== undefined && hits + misses > 0) {
      add(METRICS.cacheHitRatio.metric, METRICS.cacheHitRatio.unit, scrape.t, hits / (hits + misses));
    }

    if (current.has('http_requests_total')) {
      const requestDeltas = deltas(previous, current, 'http_requests_total');
      add(METRICS.requestRate.metric, METRICS.requestRate.unit, scrape.t, sum(requestDeltas) / elapsed);
      const byStatus = new Map<string, number>();
      for (const { labels, delta } of requestDeltas) {
        const status = labels.status_code ?? labels.code ?? labels.status ?? 'unknown';
        byStatus.set(status, (byStatus.get(status) ?? 0) + delta);
      }
      let errors = 0;
      for (const [status, count] of byStatus) {
        if (/^5\d\d$/.test(status)) errors += count;
        add(statusMetric(status), 'req/s', scrape.t, count / elapsed);
      }
      add(METRICS.errorRate.metric, METRICS.errorRate.unit, scrape.t, errors / elapsed);
    }

    // Latency quantiles from the observations made between the two scrapes, over all routes.
    const bucketDeltas = deltas(previous, current, `${LATENCY_HISTOGRAM}_bucket`);
    if (bucketDeltas.length > 0) {
      const byBound = new Map<number, number>();
      for (const { labels, delta } of bucketDeltas) {
        const bound = labels.le === undefined ? Number.NaN : labels.le === '+Inf' ? Infinity : Number(labels.le);
        if (Number.isNaN(bound)) continue;
        byBound.set(bound, (byBound.get(bound) ?? 0) + delta);
      }
      const buckets: Bucket[] = [...byBound].map(([le, count]) => ({ le, count }));
      add(METRICS.latencyP50.metric, METRICS.latencyP50.unit, scrape.t, histogramQuantile(0.5, buckets));
      add(METRICS.latencyP95.metric, METRICS.latencyP95.unit, scrape.t, histogramQuantile(0.95, buckets));
      add(METRICS.latencyP99.metric, METRICS.latencyP99.unit, scrape.t, histogramQuantile(0.99, buckets));
    }
  }

  series(): ServerSeries[] {
    return [...this.collected].map(([metric, { unit, points }]) => ({
      tier: this.owner.tier,
      instance: this.owner.instance,
      metric,
      unit,
      source: this.owner.source,
      points: finitePoints(points),
    }));
  }
}

/** Derives the app-level series from a list of scrapes of one endpoint. */
export function deriveSeries(scrapes: Scrape[], owner: SeriesOwner): ServerSeries[] {
  const deriver = new SeriesDeriver(owner);
  for (const scrape of [...scrapes].sort((a, b) => a.t - b.t)) deriver.push(scrape);
  return deriver.series();
}
