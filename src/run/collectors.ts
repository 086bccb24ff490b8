import type { RunResult, Calibration, ServerSeries } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';
import type { StackState } from '../stack/types.js';

/**
 * The seam for server-side metrics. A collector starts when the engine starts and returns its
 * series when the engine stops; calibration is computed from the finished result afterwards.
 * The run orchestration calls every factory in `collectorFactories` and, when set, `calibrator`:
 * the metrics module registers itself here; nothing else in the run needs to change.
 */
export interface Collector {
  readonly name: string;
  start(runStart: Date): void | Promise<void>;
  /** Stops sampling and returns the series, timestamps in seconds since runStart. */
  stop(): Promise<ServerSeries[]>;
}

export interface CollectorContext {
  plan: Plan;
  target: RunResult['target'];
  /** The stack when the run targets it (PIDs, /metrics URLs, Prometheus). */
  stack?: StackState;
  env: Record<string, string | undefined>;
}

export type CollectorFactory = (context: CollectorContext) => Collector[] | Promise<Collector[]>;

export type Calibrator = (input: { result: RunResult; stack?: StackState }) => Calibration | undefined | Promise<Calibration | undefined>;

/** Empty until the metrics module adds its collectors (Prometheus, /metrics scrape, /proc). */
export const collectorFactories: CollectorFactory[] = [];

/** Unset until the metrics module provides calibration (per-tier service demands). */
export const calibrator: { compute?: Calibrator } = {};
