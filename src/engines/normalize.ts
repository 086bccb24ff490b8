import type { Plan } from '../scenarios/types.js';
import type { EndpointFigures, GeneratorLoad, Interval, SetupFigures, Totals } from '../results/schema.js';
import { markPartialIntervals } from '../results/intervals.js';
import { coresUsable, judgeLimit } from '../results/limit-verdict.js';
import type { EngineTick } from './types.js';
import { createLatencyHistogram, mergeHistogram, recordLatencyMs, summarizeHistogram, type LatencyHistogram } from './histogram.js';
import { plannedRps, plannedRpsBetween } from './mix.js';

/**
 * Pure normalization shared by the adapters that see every request (k6's sample stream,
 * autocannon's response events): samples go into per-interval and per-endpoint HDR histograms,
 * totals come from merging those histograms, never from averaging percentiles.
 */

export interface RequestSample {
  /** Seconds since the run started, when the request completed. */
  t: number;
  /** Mix entry name (or "login"). */
  name: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Latency of a request that got a response. */
  latencyMs?: number;
  ok: boolean;
  /** For failures: http_5xx, timeout, econnrefused, ... */
  errorKind?: string;
}

interface Bucket {
  requests: number;
  errors: number;
  errorsByKind: Record<string, number>;
  statusCounts: Record<string, number>;
  histogram: LatencyHistogram;
  activeUsers?: number;
}

function newBucket(): Bucket {
  return { requests: 0, errors: 0, errorsByKind: {}, statusCounts: {}, histogram: createLatencyHistogram() };
}

function increment(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

function addSample(bucket: Bucket, sample: RequestSample): void {
  bucket.requests += 1;
  if (sample.status > 0) increment(bucket.statusCounts, String(sample.status));
  if (!sample.ok) {
    bucket.errors += 1;
    increment(bucket.errorsByKind, sample.errorKind ?? 'error');
  }
  if (sample.latencyMs !== undefined) recordLatencyMs(bucket.histogram, sample.latencyMs);
}

export interface EndpointShape {
  name: string;
  method: string;
  path: string;
}

export interface AggregateResult {
  intervals: Interval[];
  endpoints: EndpointFigures[];
  totals: Totals;
  setup: SetupFigures;
}

/** Setup traffic (the sign-in before the load) as reported apart from the measured load. */
export function setupFiguresOf(requests: readonly Omit<RequestSample, 't'>[]): SetupFigures {
  const bucket = newBucket();
  for (const request of requests) addSample(bucket, { ...request, t: 0 });
  return setupFiguresOfBucket(bucket);
}

function setupFiguresOfBucket(bucket: Bucket): SetupFigures {
  const summary = summarizeHistogram(bucket.histogram);
  return { requests: bucket.requests, errors: bucket.errors, ...(summary ? { latencyMs: summary } : {}), statusCounts: bucket.statusCounts };
}

export class RunAggregator {
  private readonly buckets: Bucket[] = [];
  private readonly endpointBuckets = new Map<string, Bucket>();
  private dropped = 0;
  private maxUsers = 0;
  private readonly setupBucket = newBucket();

  constructor(
    private readonly plan: Plan,
    private readonly endpointShapes: readonly EndpointShape[],
    private readonly intervalS: number = plan.intervalS > 0 ? plan.intervalS : 1,
  ) {}

  private bucketAt(t: number): Bucket {
    const index = Math.max(0, Math.floor(t / this.intervalS));
    while (this.buckets.length <= index) this.buckets.push(newBucket());
    return this.buckets[index] as Bucket;
  }

  private endpointBucket(name: string): Bucket {
    let bucket = this.endpointBuckets.get(name);
    if (!bucket) {
      bucket = newBucket();
      this.endpointBuckets.set(name, bucket);
    }
    return bucket;
  }

  record(sample: RequestSample): void {
    addSample(this.bucketAt(sample.t), sample);
    addSample(this.endpointBucket(sample.name), sample);
  }

  /**
   * A response already recorded as a success that then failed a check (or a capture): one more
   * error of kind `check` in its interval and endpoint, the request itself already counted. For
   * engines that report the check apart from the request (k6's custom counter).
   */
  recordCheckFailure(t: number, name: string): void {
    for (const bucket of [this.bucketAt(t), this.endpointBucket(name)]) {
      bucket.errors += 1;
      increment(bucket.errorsByKind, 'check');
    }
  }

  /** A request made before the measured load (a login for the token pool): reported apart, in
   * no total, interval or endpoint, so every engine's figures are those of the load alone. */
  recordSetup(sample: Omit<RequestSample, 't'>): void {
    addSample(this.setupBucket, { ...sample, t: 0 });
  }

  get setupRequestCount(): number {
    return this.setupBucket.requests;
  }

  recordActiveUsers(t: number, users: number): void {
    const bucket = this.bucketAt(t);
    bucket.activeUsers = Math.max(bucket.activeUsers ?? 0, users);
    this.maxUsers = Math.max(this.maxUsers, users);
  }

  recordDropped(count: number): void {
    this.dropped += count;
  }

  get droppedIterations(): number {
    return this.dropped;
  }

  /** Progress for the interval with this index (for live ticks). */
  tick(index: number): EngineTick | undefined {
    const bucket = this.buckets[index];
    if (!bucket) return undefined;
    const from = index * this.intervalS;
    const summary = summarizeHistogram(bucket.histogram);
    return {
      t: from + this.intervalS,
      plannedRps: plannedRpsBetween(this.plan, from, from + this.intervalS),
      achievedRps: bucket.requests / this.intervalS,
      requests: bucket.requests,
      errors: bucket.errors,
      latencyMs: summary ? { p50: summary.p50, p95: summary.p95, p99: summary.p99 } : undefined,
      activeUsers: bucket.activeUsers,
    };
  }

  get intervalCount(): number {
    return this.buckets.length;
  }

  /** Final figures for a run that lasted `durationS` seconds. */
  finish(durationS: number): AggregateResult {
    const duration = durationS > 0 ? durationS : this.buckets.length * this.intervalS;
    const intervals: Interval[] = [];
    const all = createLatencyHistogram();
    const totalsErrorsByKind: Record<string, number> = {};
    const totalsStatus: Record<string, number> = {};
    let requests = 0;
    let errors = 0;
    this.buckets.forEach((bucket, index) => {
      const t = index * this.intervalS;
      // The last interval may be cut short by the end of the run.
      const length = Math.max(Math.min(this.intervalS, duration - t), Math.min(this.intervalS, 0.001));
      mergeHistogram(all, bucket.histogram);
      requests += bucket.requests;
      errors += bucket.errors;
      for (const [kind, count] of Object.entries(bucket.errorsByKind)) increment(totalsErrorsByKind, kind, count);
      for (const [status, count] of Object.entries(bucket.statusCounts)) increment(totalsStatus, status, count);
      const planned = plannedRpsBetween(this.plan, t, t + length);
      intervals.push({
        t,
        durationS: length,
        ...(planned === undefined ? {} : { plannedRps: round(planned) }),
        achievedRps: round(bucket.requests / length),
        requests: bucket.requests,
        errors: bucket.errors,
        ...(bucket.histogram.totalCount > 0 ? { latencyMs: summarizeHistogram(bucket.histogram) } : {}),
        ...(bucket.activeUsers === undefined ? {} : { activeUsers: bucket.activeUsers }),
        errorsByKind: bucket.errorsByKind,
        statusCounts: bucket.statusCounts,
      });
    });
    const planned = plannedRps(this.plan);
    const totals: Totals = {
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : 0,
      achievedRps: duration > 0 ? round(requests / duration) : 0,
      ...(planned === undefined ? {} : { plannedRps: round(planned) }),
      ...(all.totalCount > 0 ? { latencyMs: summarizeHistogram(all) } : {}),
      ...(this.plan.model === 'open' ? { droppedIterations: this.dropped } : {}),
      ...(this.maxUsers > 0 ? { maxActiveUsers: this.maxUsers } : {}),
      errorsByKind: totalsErrorsByKind,
      statusCounts: totalsStatus,
    };
    const endpoints = endpointFigures(this.endpointShapes, this.endpointBuckets);
    return { intervals: markPartialIntervals(intervals, this.plan.totalDurationS), endpoints, totals, setup: setupFiguresOfBucket(this.setupBucket) };
  }
}

function endpointFigures(shapes: readonly EndpointShape[], buckets: Map<string, Bucket>): EndpointFigures[] {
  const byName = new Map(shapes.map((shape) => [shape.name, shape]));
  const names = [...shapes.map((shape) => shape.name), ...[...buckets.keys()].filter((name) => !byName.has(name))];
  return names.flatMap((name) => {
    const bucket = buckets.get(name);
    const shape = byName.get(name) ?? { name, method: '', path: '' };
    if (!bucket && !byName.has(name)) return [];
    const summary = bucket ? summarizeHistogram(bucket.histogram) : undefined;
    return [
      {
        name,
        method: shape.method,
        path: shape.path,
        requests: bucket?.requests ?? 0,
        errors: bucket?.errors ?? 0,
        ...(summary ? { latencyMs: summary } : {}),
        statusCounts: bucket?.statusCounts ?? {},
      },
    ];
  });
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The endpoints a plan can produce: its mix or flow, plus its sign-in (counted per user, setup in a pool). */
export function endpointShapesOf(plan: Plan): EndpointShape[] {
  const shapes: EndpointShape[] = plan.requests.map((request) => ({ name: request.name, method: request.method, path: request.path }));
  const login = plan.auth?.login;
  if (login && !shapes.some((shape) => shape.name === login.name)) shapes.push({ name: login.name, method: login.method, path: login.path });
  // Plans stored before schema 2 signed in at the reference app's route.
  if (!login && plan.requests.some((request) => request.auth) && !shapes.some((shape) => shape.name === 'login')) {
    shapes.push({ name: 'login', method: 'POST', path: '/auth/login' });
  }
  return shapes;
}

export interface CpuSample {
  /** Seconds since the run started. */
  t: number;
  /** 100 = one core busy. */
  cpuPercent: number;
  /** The busiest one of the sampled processes (100 = one core), for engines whose processes are each single-threaded. */
  busiestProcessPercent?: number;
  rssBytes: number;
  /** The whole machine's busy cores over the same second (/proc/stat), and its core count. */
  machineBusyCores?: number;
  machineCores?: number;
  /** The generator's CPU affinity and cgroup quota, in cores, when they narrow what it may use. */
  affinityCores?: number;
  quotaCores?: number;
  /** An in-process engine's event-loop delay over the second (p99, ms). */
  eventLoopLagMs?: number;
  /** Seconds per second the generator's threads were runnable but waited for a CPU (schedstat). */
  runQueueWaitCores?: number;
}

/** What an adapter hands over for the verdict on what limited the run: figures any engine can give. */
export interface SaturationInput {
  samples: readonly CpuSample[];
  /** The most cores the engine itself can keep busy: 1 for one Node.js or Python process, the
   * machine's cores for k6; CPU affinity and cgroup quota narrow it further (from the samples). */
  coreLimit: number;
  model: Plan['model'];
  /** Closed model: the plan's think time (to check the users kept their cycle). */
  thinkTimeS?: number;
  /** Mean planned request rate over the plan (open model). */
  plannedRps?: number;
  /** Requests sent during the run proper, divided by how long it really took. */
  achievedRps: number;
  /** The run's intervals, `partial` marked (markPartialIntervals): when some are full, the
   * achieved/planned ratio is taken over those alone, so neither the start-up nor the tail past
   * the plan's end reads as a shortfall. */
  intervals?: readonly Interval[];
  droppedIterations?: number;
  /** Iterations the plan asked for (to weigh dropped iterations). */
  plannedIterations?: number;
  /** Cores of this machine when the samples could not read /proc/stat (os.cpus().length). */
  machineCores?: number;
  /** Engines made of single-threaded processes (Locust: a Python process per worker): the most one
   * process can use, and why; weighed against each sample's busiest process. */
  processCeiling?: { cores: number; because: string };
}

function smallest(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.filter((value): value is number => value !== undefined && value > 0);
  return known.length > 0 ? Math.min(...known) : undefined;
}

/** The generator's load and the verdict on what limited the run (src/results/limit-verdict.ts). */
export function judgeGenerator(input: SaturationInput): GeneratorLoad {
  const { samples } = input;
  const cpu = samples.map((sample) => sample.cpuPercent);
  const max = cpu.length > 0 ? Math.max(...cpu) : 0;
  const rss = samples.length > 0 ? Math.max(...samples.map((sample) => sample.rssBytes)) : 0;
  // From /proc/stat when the samples have it; else what the adapter says, else the engine's own limit.
  const sampledCores = Math.max(0, ...samples.map((sample) => sample.machineCores ?? 0));
  const machineCores = Math.max(1, sampledCores > 0 ? sampledCores : (input.machineCores ?? input.coreLimit));
  const usable = coresUsable({
    machineCores,
    engineThreads: input.coreLimit,
    ...optional('affinityCores', smallest(samples.map((sample) => sample.affinityCores))),
    ...optional('quotaCores', smallest(samples.map((sample) => sample.quotaCores))),
  });
  const fallback = input.model === 'open' && input.plannedRps !== undefined && input.plannedRps > 0 ? input.achievedRps / input.plannedRps : undefined;
  const limit = judgeLimit({
    model: input.model,
    ...optional('thinkTimeS', input.thinkTimeS),
    samples: samples.map((sample) => ({
      t: sample.t,
      generatorCores: sample.cpuPercent / 100,
      ...optional('machineBusyCores', sample.machineBusyCores),
      ...optional('eventLoopLagMs', sample.eventLoopLagMs),
      ...optional('generatorWaitCores', sample.runQueueWaitCores),
      ...optional('busiestProcessCores', input.processCeiling === undefined || sample.busiestProcessPercent === undefined ? undefined : sample.busiestProcessPercent / 100),
    })),
    ...optional('processCeiling', input.processCeiling),
    coresUsable: usable.cores,
    coresUsableBecause: usable.because,
    machineCores,
    intervals: (input.intervals ?? []).map((interval) => ({
      t: interval.t,
      durationS: interval.durationS,
      requests: interval.requests,
      ...optional('plannedRps', interval.plannedRps),
      ...optional('partial', interval.partial),
      ...optional('p95Ms', interval.latencyMs?.p95),
      ...optional('meanMs', interval.latencyMs?.mean),
      ...optional('p50Ms', interval.latencyMs?.p50),
      ...optional('activeUsers', interval.activeUsers),
    })),
    ...optional('achievedToPlannedFallback', fallback),
    ...optional('droppedIterations', input.droppedIterations),
    ...optional('plannedIterations', input.plannedIterations),
  });
  // The open model's rate ratio as before; the closed model's is in limit (users / think time is an upper bound).
  const ratio = input.model === 'open' ? limit.figures.achievedToPlannedRatio : undefined;
  const saturated = limit.verdict === 'generator-bound' || limit.verdict === 'machine-bound';
  return {
    // Over time, as the verdict weighs it: a sample stretched over a stalled event loop's seconds counts for those seconds.
    cpuPercentMean: round(limit.figures.generatorCoresMean * 100, 1),
    cpuPercentMax: round(max, 1),
    rssBytesMax: rss,
    ...(ratio === undefined ? {} : { achievedToPlannedRatio: ratio }),
    saturated,
    reasons: saturated ? limit.reasons : [],
    limit: { verdict: limit.verdict, summary: limit.summary, reasons: limit.reasons, ...limit.figures },
    cpu: samples.map((sample) => ({
      t: sample.t,
      generatorCores: round(sample.cpuPercent / 100, 3),
      ...optional('machineBusyCores', sample.machineBusyCores),
      ...optional('eventLoopLagMs', sample.eventLoopLagMs),
      ...optional('waitCores', sample.runQueueWaitCores),
    })),
  };
}

/** `{ key: value }` when the value is known, else nothing (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
