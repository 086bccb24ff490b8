import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { Plan } from '../../scenarios/types.js';
import type { EndpointFigures, GeneratorWorker, Interval, Totals } from '../../results/schema.js';
import { markPartialIntervals } from '../../results/intervals.js';
import { createLatencyHistogram, mergeHistogram, summarizeHistogram, type LatencyHistogram } from '../histogram.js';
import { plannedRps, plannedRpsBetween } from '../mix.js';
import { endpointShapesOf, round } from '../normalize.js';
import { RECORD_PREFIX } from './locustfile.js';

/**
 * Pure: the master's record lines (see locustfile.ts) → the run's figures. Every worker's
 * per-interval, per-endpoint HDR histograms are decoded and merged exactly (counts add; the
 * percentiles are read from the merged histogram, never averaged).
 */

export interface WorkerRecord {
  /** Interval index since the master's start. */
  i: number;
  name: string;
  n: number;
  e: number;
  s: Record<string, number>;
  k: Record<string, number>;
  /** Compressed base64 HdrHistogram of the latencies in µs; null when none had a response. */
  h: string | null;
}

export type MasterLine =
  | { type: 'start'; epoch: number; host?: string }
  | { type: 'worker'; event: 'joined' | 'lost'; worker: string; epoch: number }
  | { type: 'finish'; epoch: number }
  | {
      type: 'records';
      worker: string;
      host: string;
      pid: number;
      records: WorkerRecord[];
      dropped: number;
      /** users: the worker's running users at the sample (absent from older locustfiles). */
      sample: { epoch: number; cpu: number; rss: number; users?: number };
      done: boolean;
      /** With the last report (done): requests still unanswered at the plan's end plus its grace. */
      inFlight?: number;
      /** Users stopped since the last report because a unique data source ran out, per source. */
      exhausted?: Record<string, number>;
    };

/** A master's stdout line that carries a record, parsed; undefined for Locust's own log lines. */
export function parseMasterLine(line: string): MasterLine | undefined {
  const at = line.indexOf(RECORD_PREFIX);
  if (at < 0) return undefined;
  try {
    const value = JSON.parse(line.slice(at + RECORD_PREFIX.length)) as MasterLine;
    return typeof value === 'object' && value !== null && typeof value.type === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

interface Bucket {
  requests: number;
  errors: number;
  statusCounts: Record<string, number>;
  errorsByKind: Record<string, number>;
  histogram: LatencyHistogram;
}

const newBucket = (): Bucket => ({ requests: 0, errors: 0, statusCounts: {}, errorsByKind: {}, histogram: createLatencyHistogram() });

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

function addRecord(bucket: Bucket, record: WorkerRecord, histogram: LatencyHistogram | undefined): void {
  bucket.requests += record.n;
  bucket.errors += record.e;
  add(bucket.statusCounts, record.s);
  add(bucket.errorsByKind, record.k);
  if (histogram) mergeHistogram(bucket.histogram, histogram);
}

export function decodeLatencies(encoded: string): LatencyHistogram {
  return decodeFromCompressedBase64(encoded, 32, false) as LatencyHistogram;
}

export interface WorkerEvent {
  worker: string;
  event: 'joined' | 'lost';
  /** Seconds since the master's start (negative: before it, while the workers connected). */
  atS: number;
}

export interface LocustFigures {
  /** The master's start (ms since the epoch); undefined when the load never started. */
  startMs?: number;
  intervals: Interval[];
  endpoints: EndpointFigures[];
  totals: Totals;
  workers: GeneratorWorker[];
  events: WorkerEvent[];
  /** Per-second CPU of every worker, summed (100 = one core), for the generator's verdict. */
  cpuSamples: Array<{ t: number; cpuPercent: number; rssBytes: number; busiestProcessPercent: number }>;
  /** Virtual users that found no row left in a unique data source, per source (over all workers). */
  exhausted: Record<string, number>;
}

/** All of a run's figures from the master's lines, for a run that lasted `durationS` seconds. */
export function figuresFromLines(plan: Plan, lines: readonly MasterLine[], durationS: number): LocustFigures {
  const start = lines.find((line): line is Extract<MasterLine, { type: 'start' }> => line.type === 'start');
  const startEpoch = start?.epoch ?? 0;
  const intervalS = plan.intervalS > 0 ? plan.intervalS : 1;
  const buckets: Bucket[] = [];
  const endpointBuckets = new Map<string, Bucket>();
  const all = newBucket();
  const workers = new Map<string, { host: string; pid: number; requests: number; cpu: number[]; rss: number; joinedAtS?: number; lostAtS?: number }>();
  const cpuBySecond = new Map<number, { cpu: number; rss: number; busiest: number }>();
  // Each worker's latest running users; their sum after each report is the run's active users then.
  const usersByWorker = new Map<string, number>();
  let maxActiveUsers: number | undefined;
  const events: WorkerEvent[] = [];
  let dropped = 0;
  let inFlight: number | undefined;
  const exhausted: Record<string, number> = {};
  const workerOf = (id: string) => {
    let found = workers.get(id);
    if (!found) {
      found = { host: '', pid: 0, requests: 0, cpu: [], rss: 0 };
      workers.set(id, found);
    }
    return found;
  };
  for (const line of lines) {
    if (line.type === 'worker') {
      const atS = round(line.epoch - startEpoch);
      events.push({ worker: line.worker, event: line.event, atS });
      if (line.event === 'joined') workerOf(line.worker).joinedAtS ??= atS;
      else workerOf(line.worker).lostAtS ??= Math.max(0, atS);
      continue;
    }
    if (line.type !== 'records') continue;
    const worker = workerOf(line.worker);
    worker.host = line.host;
    worker.pid = line.pid;
    worker.cpu.push(line.sample.cpu);
    worker.rss = Math.max(worker.rss, line.sample.rss);
    const second = Math.max(0, Math.floor(line.sample.epoch - startEpoch));
    const summed = cpuBySecond.get(second) ?? { cpu: 0, rss: 0, busiest: 0 };
    // The busiest worker too: each is one Python process, capped at one core on whatever host it runs.
    cpuBySecond.set(second, { cpu: summed.cpu + line.sample.cpu, rss: summed.rss + line.sample.rss, busiest: Math.max(summed.busiest, line.sample.cpu) });
    if (line.sample.users !== undefined) {
      usersByWorker.set(line.worker, line.sample.users);
      const active = [...usersByWorker.values()].reduce((sum, users) => sum + users, 0);
      maxActiveUsers = Math.max(maxActiveUsers ?? 0, active);
    }
    dropped += line.dropped;
    if (line.inFlight !== undefined) inFlight = (inFlight ?? 0) + line.inFlight;
    for (const [source, users] of Object.entries(line.exhausted ?? {})) exhausted[source] = (exhausted[source] ?? 0) + users;
    for (const record of line.records) {
      const histogram = record.h ? decodeLatencies(record.h) : undefined;
      while (buckets.length <= record.i) buckets.push(newBucket());
      addRecord(buckets[record.i] as Bucket, record, histogram);
      let endpoint = endpointBuckets.get(record.name);
      if (!endpoint) endpointBuckets.set(record.name, (endpoint = newBucket()));
      addRecord(endpoint, record, histogram);
      addRecord(all, record, histogram);
      worker.requests += record.n;
    }
  }
  const duration = durationS > 0 ? durationS : buckets.length * intervalS;
  const intervals: Interval[] = buckets.map((bucket, index) => {
    const t = index * intervalS;
    const length = Math.max(Math.min(intervalS, duration - t), Math.min(intervalS, 0.001));
    const planned = plannedRpsBetween(plan, t, t + length);
    const summary = summarizeHistogram(bucket.histogram);
    return {
      t,
      durationS: length,
      ...(planned === undefined ? {} : { plannedRps: round(planned) }),
      achievedRps: round(bucket.requests / length),
      requests: bucket.requests,
      errors: bucket.errors,
      ...(summary ? { latencyMs: summary } : {}),
      errorsByKind: bucket.errorsByKind,
      statusCounts: bucket.statusCounts,
    };
  });
  const shapes = endpointShapesOf(plan);
  const names = [...shapes.map((shape) => shape.name), ...[...endpointBuckets.keys()].filter((name) => !shapes.some((shape) => shape.name === name))];
  const endpoints: EndpointFigures[] = names.map((name) => {
    const shape = shapes.find((entry) => entry.name === name) ?? { name, method: '', path: '' };
    const bucket = endpointBuckets.get(name) ?? newBucket();
    const summary = summarizeHistogram(bucket.histogram);
    return { name, method: shape.method, path: shape.path, requests: bucket.requests, errors: bucket.errors, ...(summary ? { latencyMs: summary } : {}), statusCounts: bucket.statusCounts };
  });
  const planned = plannedRps(plan);
  const summary = summarizeHistogram(all.histogram);
  const totals: Totals = {
    requests: all.requests,
    errors: all.errors,
    errorRate: all.requests > 0 ? all.errors / all.requests : 0,
    achievedRps: duration > 0 ? round(all.requests / duration) : 0,
    ...(planned === undefined ? {} : { plannedRps: round(planned) }),
    ...(summary ? { latencyMs: summary } : {}),
    ...(plan.model === 'open' ? { droppedIterations: dropped } : {}),
    ...(inFlight === undefined ? {} : { inFlightAtEnd: inFlight }),
    ...(maxActiveUsers === undefined ? {} : { maxActiveUsers }),
    errorsByKind: all.errorsByKind,
    statusCounts: all.statusCounts,
  };
  const workerBlocks: GeneratorWorker[] = [...workers.entries()].map(([id, worker]) => ({
    id,
    host: worker.host,
    ...(worker.pid > 0 ? { pid: worker.pid } : {}),
    requests: worker.requests,
    cpuPercentMean: worker.cpu.length > 0 ? round(worker.cpu.reduce((a, b) => a + b, 0) / worker.cpu.length, 1) : 0,
    cpuPercentMax: worker.cpu.length > 0 ? round(Math.max(...worker.cpu), 1) : 0,
    rssBytesMax: worker.rss,
    ...(worker.joinedAtS === undefined ? {} : { joinedAtS: worker.joinedAtS }),
    ...(worker.lostAtS === undefined ? {} : { lostAtS: worker.lostAtS }),
  }));
  const cpuSamples = [...cpuBySecond.entries()].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ t, cpuPercent: round(value.cpu, 1), rssBytes: value.rss, busiestProcessPercent: round(value.busiest, 1) }));
  return {
    ...(start ? { startMs: startEpoch * 1000 } : {}),
    intervals: markPartialIntervals(intervals, plan.totalDurationS),
    endpoints,
    totals,
    workers: workerBlocks,
    events,
    cpuSamples,
    exhausted,
  };
}
