/**
 * Baseline files: a trimmed, git-friendly JSON holding, per baseline run, the per-interval
 * samples and the totals the gate needs (a few kilobytes instead of a full result).
 */
import { z } from 'zod';
import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../results/schema.js';
import { badInput } from '../core/errors.js';
import { RunSamples, toRunSamples } from './samples.js';

export const BASELINE_KIND = 'capacity-baseline';
export const BASELINE_FORMAT_VERSION = 1;

export const BaselineFile = z.object({
  kind: z.literal(BASELINE_KIND),
  formatVersion: z.literal(BASELINE_FORMAT_VERSION),
  /** RunResult schema version of the runs it holds. */
  schemaVersion: z.number().int().positive(),
  scenario: z.string().min(1),
  createdAt: z.string(),
  runs: z.array(RunSamples).min(1),
});
export type BaselineFile = z.infer<typeof BaselineFile>;

/** Builds a baseline from one or more runs of the same scenario (throws exit 2 otherwise). */
export function buildBaseline(runs: readonly (RunResult | RunSamples)[], createdAt: string): BaselineFile {
  const samples = runs.map(toRunSamples);
  const first = samples[0];
  if (!first) throw badInput('a baseline needs at least one run');
  for (const run of samples) {
    if (run.scenario !== first.scenario) {
      throw badInput(`cannot mix scenarios in one baseline: run ${run.id} is "${run.scenario}", run ${first.id} is "${first.scenario}"`);
    }
    if (run.schemaVersion !== RUN_RESULT_SCHEMA_VERSION) {
      throw badInput(`run ${run.id} has result schema version ${run.schemaVersion}; this capacity reads version ${RUN_RESULT_SCHEMA_VERSION}`);
    }
  }
  return {
    kind: BASELINE_KIND,
    formatVersion: BASELINE_FORMAT_VERSION,
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    scenario: first.scenario,
    createdAt,
    runs: samples,
  };
}

export function isBaselineDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === BASELINE_KIND;
}
