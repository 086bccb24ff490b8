import type { Calibration, RunResult, ServerSeries } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';
import type { StackState } from '../stack/types.js';

/**
 * A server-side collector, as `capacity run` drives it: started when the run starts, stopped
 * after the engine finishes; it returns its series with t in seconds since `runStart`.
 */
export interface Collector {
  /** Short name for messages: "proc", "prometheus", "scrape", "redis-info", "cloudwatch". */
  readonly name: string;
  start(runStart: Date): void | Promise<void>;
  stop(): Promise<ServerSeries[]>;
  /** The series so far, while the run goes on (for the live view); collectors that only read at
   * the end (Prometheus, CloudWatch) have none. */
  snapshot?(): ServerSeries[];
}

/** Injected clock and timers, so samplers are testable without waiting on wall time. */
export interface CollectorClock {
  now(): number;
}

export const systemClock: CollectorClock = { now: () => Date.now() };

/** What a run tells the collector factories: the plan, the target and the stack when there is one. */
export interface CollectorContext {
  plan: Plan;
  target: RunResult['target'];
  /** The stack when the run targets it (PIDs, /metrics URLs, Prometheus). */
  stack?: StackState;
  env: Record<string, string | undefined>;
}

/** The collectors a run gets; `capacity run` passes the ones its flags ask for. */
export type CollectorFactory = (context: CollectorContext) => Collector[] | Promise<Collector[]>;

/** Per-tier service demands of a finished run. */
export type Calibrator = (input: { result: RunResult; stack?: StackState }) => Calibration | undefined | Promise<Calibration | undefined>;
