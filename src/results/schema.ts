import { z } from 'zod';

/**
 * RunResult: the single source for every report, gate and calibration. One schema source:
 * validation, TypeScript types and the published JSON Schema (docs/schema/run-result.json)
 * all come from here. Bump RUN_RESULT_SCHEMA_VERSION on any incompatible change.
 */
export const RUN_RESULT_SCHEMA_VERSION = 1;

const finite = z.number().finite();
const nonNegative = finite.nonnegative();

/** Latency figures in milliseconds. Percentiles come from merged histograms, never averages. */
export const LatencySummary = z.object({
  min: nonNegative.optional(),
  mean: nonNegative.optional(),
  p50: nonNegative,
  p90: nonNegative.optional(),
  p95: nonNegative,
  p99: nonNegative,
  max: nonNegative.optional(),
});

export const Interval = z.object({
  /** Seconds since the start of the run, at the interval's start. */
  t: nonNegative,
  durationS: finite.positive(),
  plannedRps: nonNegative.optional(),
  achievedRps: nonNegative,
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  /** Absent when the interval had no completed request. */
  latencyMs: LatencySummary.optional(),
  activeUsers: nonNegative.optional(),
  /** Start-up (the first interval, while the engine opens its connections) or tail (cut short by, or
   * running past, the end of the plan): figures are real, but the rate verdicts leave it out. */
  partial: z.enum(['start', 'end']).optional(),
  /** e.g. { "http_5xx": 3, "timeout": 1, "econnrefused": 2 } */
  errorsByKind: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** HTTP status code (as a string) -> count. */
  statusCounts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

export const EndpointFigures = z.object({
  name: z.string(),
  method: z.string(),
  path: z.string(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  latencyMs: LatencySummary.optional(),
  statusCounts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

export const Totals = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  errorRate: nonNegative,
  achievedRps: nonNegative,
  plannedRps: nonNegative.optional(),
  latencyMs: LatencySummary.optional(),
  bytesReceived: nonNegative.optional(),
  /** k6 dropped_iterations, or planned minus sent for the other engines. */
  droppedIterations: nonNegative.optional(),
  maxActiveUsers: nonNegative.optional(),
  /** Requests sent but not answered when the run stopped at the plan's end plus its grace: neither
   * in `requests` nor in `errors` (docs/results.md, "In flight"). Absent when the engine cannot tell. */
  inFlightAtEnd: z.number().int().nonnegative().optional(),
  errorsByKind: z.record(z.string(), z.number().int().nonnegative()).default({}),
  statusCounts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

/** Traffic before the measured load (the sign-in of the token pool): never in totals, intervals or endpoints. */
export const SetupFigures = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  latencyMs: LatencySummary.optional(),
  statusCounts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

export const EngineInfo = z.object({
  name: z.enum(['k6', 'autocannon', 'artillery', 'locust']),
  version: z.string(),
  /** 'histogram': percentiles from merged histograms; 'per-period': the engine gave only
   * per-period percentiles, kept per period (totals then come from the engine's own aggregate). */
  percentileSource: z.enum(['histogram', 'per-period']),
  notes: z.array(z.string()).default([]),
});

/** What limited the run (src/results/limit-verdict.ts): the verdict, its reasons and the figures it weighed. */
export const RunLimit = z.object({
  verdict: z.enum(['generator-bound', 'system-bound', 'machine-bound', 'kept-up']),
  summary: z.string(),
  reasons: z.array(z.string()).default([]),
  /** Cores the generator may use: the fewest of its engine's threads, its CPU affinity, its cgroup quota and the machine. */
  coresUsable: nonNegative,
  coresUsableBecause: z.string(),
  generatorCoresMean: nonNegative,
  generatorCoresMax: nonNegative,
  /** Share of the run's seconds with the generator at >= 85 % of its usable cores (samples weighted by the seconds they cover). */
  generatorBusyShare: nonNegative,
  /** Engines of single-threaded processes (Locust): the busiest process's CPU, the most one process can use, and the share of the seconds it was at >= 85 % of that. */
  busiestProcessCoresMean: nonNegative.optional(),
  busiestProcessCoresMax: nonNegative.optional(),
  processCeilingCores: nonNegative.optional(),
  processBusyShare: nonNegative.optional(),
  machineCores: z.number().int().positive(),
  /** The whole machine's CPU (every process, from /proc/stat), in cores. */
  machineBusyCoresMean: nonNegative.optional(),
  machineBusyCoresMax: nonNegative.optional(),
  /** Share of the samples with every core of the machine busy (>= 85 %). */
  machineBusyShare: nonNegative.optional(),
  /** Event-loop delay of an in-process engine (p99 per second, ms). */
  eventLoopLagMsMedian: nonNegative.optional(),
  eventLoopLagMsMax: nonNegative.optional(),
  eventLoopLateShare: nonNegative.optional(),
  /** Seconds per second the generator waited for a CPU (mean), and the share of the samples in which it was held back. */
  generatorWaitCoresMean: nonNegative.optional(),
  generatorHeldBackShare: nonNegative.optional(),
  achievedToPlannedRatio: nonNegative.optional(),
  /** Closed model: requests over what the users could send at their measured cycle, users / (think + response). */
  achievedToCycleRatio: nonNegative.optional(),
  droppedIterations: nonNegative.optional(),
  /** Open model: share of the full intervals in which every user the engine had was waiting for an answer (in flight = rate x mean response). */
  usersBusyShare: nonNegative.optional(),
  /** p95 at the start (lowest of the first third of the full intervals) and at the end (median of the last third). */
  p95EarlyMs: nonNegative.optional(),
  p95LateMs: nonNegative.optional(),
  /** The lowest median latency of any interval (the target's latency with little load), and the median p95 of the full intervals. */
  noLoadLatencyMs: nonNegative.optional(),
  p95TypicalMs: nonNegative.optional(),
});

/** One sample of the generator's and the machine's CPU, about once a second. */
export const GeneratorCpuPoint = z.object({
  /** Seconds since the start of the run. */
  t: finite,
  generatorCores: nonNegative,
  machineBusyCores: nonNegative.optional(),
  eventLoopLagMs: nonNegative.optional(),
  /** Seconds per second the generator's threads were runnable but waited for a CPU (schedstat). */
  waitCores: nonNegative.optional(),
});

/** One worker of a distributed engine: where it ran, what it sent, its own CPU, and when it was lost. */
export const GeneratorWorker = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int().positive().optional(),
  requests: z.number().int().nonnegative(),
  cpuPercentMean: nonNegative,
  cpuPercentMax: nonNegative,
  rssBytesMax: nonNegative,
  /** Seconds since the start of the run (negative: it joined before the load started). */
  joinedAtS: finite.optional(),
  /** Seconds since the start of the run when the master stopped hearing from it; the run went on without it. */
  lostAtS: nonNegative.optional(),
});

export const GeneratorLoad = z.object({
  cpuPercentMean: nonNegative,
  cpuPercentMax: nonNegative,
  rssBytesMax: nonNegative,
  /** achieved / planned request rate over the full intervals of the planned duration (open model), when planned is known. */
  achievedToPlannedRatio: nonNegative.optional(),
  /** True when the generator or the machine limited the run (limit.verdict): its figures do not measure the system alone. */
  saturated: z.boolean(),
  reasons: z.array(z.string()).default([]),
  /** Absent in results written before the verdict existed. */
  limit: RunLimit.optional(),
  /** The generator's and the machine's CPU over the run (absent in older results). */
  cpu: z.array(GeneratorCpuPoint).optional(),
  /** Distributed engines (Locust): one block per worker, including those lost mid-run. */
  workers: z.array(GeneratorWorker).optional(),
});

export const SloVerdict = z.object({
  name: z.string(),
  metric: z.enum(['p50', 'p90', 'p95', 'p99', 'errorRate', 'minRps']),
  endpoint: z.string().optional(),
  /** Milliseconds for latency, a fraction for errorRate, req/s for minRps. */
  threshold: finite,
  observed: finite.nullable(),
  pass: z.boolean(),
});

export const ServerSeries = z.object({
  /** 'lb' | 'app' | 'redis' | 'postgres' | 'prometheus' | 'generator' | a user's own label */
  tier: z.string(),
  instance: z.string(),
  /** e.g. cpu_seconds_per_second, rss_bytes, requests_per_second, event_loop_lag_seconds */
  metric: z.string(),
  unit: z.string(),
  source: z.enum(['proc', 'prometheus', 'scrape', 'cloudwatch']),
  /** [seconds since the start of the run, value] */
  points: z.array(z.tuple([finite, finite])),
});

export const Spread = z.object({ value: finite, min: finite, max: finite, stdev: nonNegative });

/** The forms of a tier's CPU model (src/sizing/cpu-model.ts). */
export const CPU_MODEL_KINDS = ['proportional', 'affine', 'power-law', 'power', 'wake-ups'] as const;
export type CpuModelKind = (typeof CPU_MODEL_KINDS)[number];

export const TierCalibration = z.object({
  tier: z.string(),
  instances: z.number().int().positive(),
  /** Service demand D: CPU-seconds per request, for the tier as a whole. */
  cpuSecondsPerRequest: Spread,
  /** Measured utilization of the tier in cores (sum over instances) during the window. */
  coresBusy: nonNegative,
  memoryBytesPerInstance: nonNegative,
  memoryBytesPerUser: nonNegative.optional(),
  /**
   * How the tier's busy cores grow with throughput, fitted from several rates (src/sizing/cpu-model.ts):
   * U = floorCores + coefficient · X^exponent; absent when the run had one rate.
   */
  cpuModel: z
    .object({
      kind: z.enum(CPU_MODEL_KINDS),
      floorCores: nonNegative,
      coefficient: nonNegative,
      exponent: finite.positive(),
      instances: z.number().int().positive(),
      rateRangeRps: z.tuple([nonNegative, nonNegative]),
      /** RMS relative residual on the points. */
      fitError: nonNegative,
      /** Relative error predicting the highest rate from the others; null when too few rates. */
      heldOutError: nonNegative.nullable(),
      alternatives: z.array(z.object({ kind: z.enum(CPU_MODEL_KINDS), heldOutError: nonNegative.nullable() })),
      /** [req/s, busy cores] */
      points: z.array(z.tuple([finite, finite])),
      /** Kind 'wake-ups': U = cpuSecondsPerWakeup · W, W = X/(base + slope·X) wake-ups/s of the tier; present whenever the wake-ups were counted at 3+ rates. */
      wakeups: z
        .object({
          base: finite.positive(),
          slope: nonNegative,
          cpuSecondsPerWakeup: nonNegative,
          fitError: nonNegative,
          requestFitError: nonNegative,
          /** [req/s, wake-ups/s] */
          points: z.array(z.tuple([finite, finite])),
        })
        .optional(),
    })
    .optional(),
});

const Interval95 = z.object({ low: finite, high: finite });

export const Calibration = z.object({
  /** The steady part of the run the figures were measured over. */
  window: z.object({ fromS: nonNegative, toS: nonNegative }),
  throughputRps: nonNegative,
  concurrentUsers: nonNegative.optional(),
  bytesPerResponse: nonNegative.optional(),
  tiers: z.array(TierCalibration),
  /** Universal Scalability Law fit from a stepped run, when the run had steps. */
  usl: z
    .object({
      sigma: finite,
      kappa: finite,
      lambda: finite,
      nStar: finite.nullable(),
      /** [N, X req/s] per step. */
      points: z.array(z.tuple([finite, finite])),
      /** 95 % intervals (null with 3 steps: no residual degrees of freedom); nStar.high null when unbounded. */
      intervals: z
        .object({ sigma: Interval95, kappa: Interval95, lambda: Interval95, nStar: z.object({ low: finite.nullable(), high: finite.nullable() }) })
        .nullable()
        .optional(),
      rSquared: finite.optional(),
      /** What N counts in the points: concurrent users of a closed-model run (no other unit is measured yet). */
      unit: z.enum(['users']).optional(),
      /** Where the fit came from: scenario, run id, engine. */
      provenance: z.string().optional(),
    })
    .optional(),
  /** Rates of a stepped run's hold stages, each measured alone (the CPU models' points). */
  steps: z.array(z.object({ fromS: nonNegative, toS: nonNegative, throughputRps: nonNegative })).optional(),
  /** Cores of the machine the run measured (all tiers and the generator shared them on a local stack). */
  machineCores: z.number().int().positive().optional(),
  /** The load generator's CPU over the run, when it ran on the same machine: cores busy at a mean rate. */
  generator: z.object({ coresBusy: nonNegative, throughputRps: nonNegative }).optional(),
  machine: z.string().optional(),
});

/** What the failover scenario measured: the error burst after one app server stopped, and the recovery. */
export const FailoverFigures = z.object({
  instance: z.string(),
  /** Seconds since the start of the run; null when the stop did not happen (run cut short). */
  stoppedAtS: nonNegative.nullable(),
  restoredAtS: nonNegative.nullable(),
  /** Error rate over the intervals before the stop. */
  baselineErrorRate: nonNegative,
  /** An interval counts as recovered when its error rate is at most this. */
  recoveryThreshold: nonNegative,
  /** Errors from the stop until the error rate was back under the threshold (or the end of the run). */
  errorBurst: z.number().int().nonnegative(),
  peakErrorRate: nonNegative,
  /** From the stop to the start of the first interval back under the threshold; null if it never was. */
  timeToRecoverS: nonNegative.nullable(),
  events: z
    .array(z.object({ atS: nonNegative, action: z.enum(['stop', 'start']), ok: z.boolean(), detail: z.string() }))
    .default([]),
});

export const Machine = z.object({
  hostname: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number().int().positive(),
  cpuModel: z.string(),
  memoryBytes: nonNegative,
  node: z.string(),
});

export const RunResult = z.object({
  schemaVersion: z.literal(RUN_RESULT_SCHEMA_VERSION),
  id: z.string().min(1),
  createdAt: z.string(),
  status: z.enum(['complete', 'partial']),
  partialReason: z.string().optional(),
  scenario: z.object({
    name: z.string(),
    description: z.string().default(''),
    source: z.string(),
    /** The validated scenario as run (after overrides). */
    definition: z.unknown(),
  }),
  /** The plan the engine executed (see src/scenarios/plan.ts). */
  plan: z.unknown(),
  engine: EngineInfo,
  target: z.object({ kind: z.enum(['local', 'compose', 'url']), baseUrl: z.string() }),
  machine: Machine,
  window: z.object({ startedAt: z.string(), endedAt: z.string(), durationS: nonNegative }),
  totals: Totals,
  intervals: z.array(Interval),
  endpoints: z.array(EndpointFigures).default([]),
  setup: SetupFigures.optional(),
  generator: GeneratorLoad.optional(),
  slos: z.array(SloVerdict).default([]),
  verdict: z.enum(['pass', 'fail']),
  server: z.array(ServerSeries).default([]),
  calibration: Calibration.optional(),
  failover: FailoverFigures.optional(),
  /** Engine raw output files, relative to the result folder. */
  rawFiles: z.array(z.string()).default([]),
});

export type LatencySummary = z.infer<typeof LatencySummary>;
export type Interval = z.infer<typeof Interval>;
export type EndpointFigures = z.infer<typeof EndpointFigures>;
export type Totals = z.infer<typeof Totals>;
export type EngineInfo = z.infer<typeof EngineInfo>;
export type SetupFigures = z.infer<typeof SetupFigures>;
export type GeneratorLoad = z.infer<typeof GeneratorLoad>;
export type GeneratorWorker = z.infer<typeof GeneratorWorker>;
export type RunLimit = z.infer<typeof RunLimit>;
export type GeneratorCpuPoint = z.infer<typeof GeneratorCpuPoint>;
export type SloVerdict = z.infer<typeof SloVerdict>;
export type ServerSeries = z.infer<typeof ServerSeries>;
export type TierCalibration = z.infer<typeof TierCalibration>;
export type Calibration = z.infer<typeof Calibration>;
export type Machine = z.infer<typeof Machine>;
export type FailoverFigures = z.infer<typeof FailoverFigures>;
export type RunResult = z.infer<typeof RunResult>;
