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
  name: z.enum(['k6', 'autocannon', 'artillery']),
  version: z.string(),
  /** 'histogram': percentiles from merged histograms; 'per-period': the engine gave only
   * per-period percentiles, kept per period (totals then come from the engine's own aggregate). */
  percentileSource: z.enum(['histogram', 'per-period']),
  notes: z.array(z.string()).default([]),
});

export const GeneratorLoad = z.object({
  cpuPercentMean: nonNegative,
  cpuPercentMax: nonNegative,
  rssBytesMax: nonNegative,
  /** achieved / planned request rate over the full intervals of the planned duration (open model), when planned is known. */
  achievedToPlannedRatio: nonNegative.optional(),
  saturated: z.boolean(),
  reasons: z.array(z.string()).default([]),
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

export const TierCalibration = z.object({
  tier: z.string(),
  instances: z.number().int().positive(),
  /** Service demand D: CPU-seconds per request, for the tier as a whole. */
  cpuSecondsPerRequest: Spread,
  /** Measured utilization of the tier in cores (sum over instances) during the window. */
  coresBusy: nonNegative,
  memoryBytesPerInstance: nonNegative,
  memoryBytesPerUser: nonNegative.optional(),
});

export const Calibration = z.object({
  /** The steady part of the run the figures were measured over. */
  window: z.object({ fromS: nonNegative, toS: nonNegative }),
  throughputRps: nonNegative,
  concurrentUsers: nonNegative.optional(),
  bytesPerResponse: nonNegative.optional(),
  tiers: z.array(TierCalibration),
  /** Universal Scalability Law fit from a stepped run, when the run had steps. */
  usl: z
    .object({ sigma: finite, kappa: finite, lambda: finite, nStar: finite.nullable(), points: z.array(z.tuple([finite, finite])) })
    .optional(),
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
export type SloVerdict = z.infer<typeof SloVerdict>;
export type ServerSeries = z.infer<typeof ServerSeries>;
export type TierCalibration = z.infer<typeof TierCalibration>;
export type Calibration = z.infer<typeof Calibration>;
export type Machine = z.infer<typeof Machine>;
export type FailoverFigures = z.infer<typeof FailoverFigures>;
export type RunResult = z.infer<typeof RunResult>;
