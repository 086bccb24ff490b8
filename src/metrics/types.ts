import type { ServerSeries } from '../results/schema.js';

/**
 * A server-side collector, as `capacity run` drives it: started when the run starts, stopped
 * after the engine finishes; it returns its series with t in seconds since `runStart`.
 */
export interface Collector {
  /** Short name for messages: "proc", "prometheus", "scrape", "redis-info", "cloudwatch". */
  readonly name: string;
  start(runStart: Date): void | Promise<void>;
  stop(): Promise<ServerSeries[]>;
}

/** Injected clock and timers, so samplers are testable without waiting on wall time. */
export interface CollectorClock {
  now(): number;
}

export const systemClock: CollectorClock = { now: () => Date.now() };
