/**
 * Per-interval samples: what the gate compares. A RunResult and a trimmed baseline file both
 * reduce to this shape, so a baseline kept in git needs no full result.
 */
import { z } from 'zod';
import type { RunResult } from '../results/schema.js';

const finite = z.number().finite();
const nonNegative = finite.nonnegative();

export const IntervalSample = z.object({
  t: nonNegative,
  durationS: finite.positive(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  achievedRps: nonNegative,
  plannedRps: nonNegative.optional(),
  p50: nonNegative.optional(),
  p95: nonNegative.optional(),
  p99: nonNegative.optional(),
});
export type IntervalSample = z.infer<typeof IntervalSample>;

export const RunSamples = z.object({
  id: z.string().min(1),
  createdAt: z.string(),
  scenario: z.string(),
  /** RunResult schema version the samples were taken from. */
  schemaVersion: z.number().int().positive(),
  engine: z.object({ name: z.string(), version: z.string() }),
  totals: z.object({
    requests: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    errorRate: nonNegative,
    achievedRps: nonNegative,
    p50: nonNegative.optional(),
    p95: nonNegative.optional(),
    p99: nonNegative.optional(),
  }),
  intervals: z.array(IntervalSample),
});
export type RunSamples = z.infer<typeof RunSamples>;

export function samplesOf(result: RunResult): RunSamples {
  return {
    id: result.id,
    createdAt: result.createdAt,
    scenario: result.scenario.name,
    schemaVersion: result.schemaVersion,
    engine: { name: result.engine.name, version: result.engine.version },
    totals: {
      requests: result.totals.requests,
      errors: result.totals.errors,
      errorRate: result.totals.errorRate,
      achievedRps: result.totals.achievedRps,
      ...(result.totals.latencyMs
        ? { p50: result.totals.latencyMs.p50, p95: result.totals.latencyMs.p95, p99: result.totals.latencyMs.p99 }
        : {}),
    },
    intervals: result.intervals.map((interval) => ({
      t: interval.t,
      durationS: interval.durationS,
      requests: interval.requests,
      errors: interval.errors,
      achievedRps: interval.achievedRps,
      ...(interval.plannedRps === undefined ? {} : { plannedRps: interval.plannedRps }),
      ...(interval.latencyMs
        ? { p50: interval.latencyMs.p50, p95: interval.latencyMs.p95, p99: interval.latencyMs.p99 }
        : {}),
    })),
  };
}

/** Accepts either shape; RunResult is recognised by its nested scenario object. */
export function toRunSamples(input: RunResult | RunSamples): RunSamples {
  return typeof input.scenario === 'string' ? (input as RunSamples) : samplesOf(input as RunResult);
}
