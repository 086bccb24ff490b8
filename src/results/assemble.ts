import type { EngineRunOutput } from './engine-output.js';
import type { Plan } from '../scenarios/types.js';
import { RUN_RESULT_SCHEMA_VERSION, type Calibration, type FailoverFigures, type Machine, type RunResult, type ServerSeries } from './schema.js';
import { evaluateSlos, verdictOf } from './slo.js';

/** Everything `capacity run` knows besides the engine's figures. */
export interface RunContext {
  id: string;
  createdAt: Date;
  scenario: { name: string; description: string; source: string; definition: unknown };
  plan: Plan;
  target: RunResult['target'];
  machine: Machine;
  server?: ServerSeries[];
  calibration?: Calibration;
  failover?: FailoverFigures;
  /** Set when the run was cut short outside the engine (Ctrl-C, a collector failing). */
  partialReason?: string;
  /** Notes added by the orchestration (e.g. a failover action that failed). */
  notes?: string[];
}

/** RunResult from an engine's normalized output and the run's context. Pure. */
export function assembleRunResult(output: EngineRunOutput, context: RunContext): RunResult {
  const durationS = Math.max(0, (output.endedAt.getTime() - output.startedAt.getTime()) / 1000);
  const slos = evaluateSlos(context.plan.slos, { totals: output.totals, endpoints: output.endpoints, durationS });
  const partialReason = context.partialReason ?? (output.interrupted ? 'the engine stopped before the end of the plan' : undefined);
  return {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    id: context.id,
    createdAt: context.createdAt.toISOString(),
    status: partialReason === undefined ? 'complete' : 'partial',
    ...(partialReason === undefined ? {} : { partialReason }),
    scenario: { ...context.scenario },
    plan: context.plan,
    engine: { ...output.engine, notes: [...output.engine.notes, ...(context.notes ?? [])] },
    target: context.target,
    machine: context.machine,
    window: { startedAt: output.startedAt.toISOString(), endedAt: output.endedAt.toISOString(), durationS },
    totals: output.totals,
    intervals: output.intervals,
    endpoints: output.endpoints,
    ...(output.setup && output.setup.requests > 0 ? { setup: output.setup } : {}),
    generator: output.generator,
    slos,
    verdict: verdictOf(slos),
    server: context.server ?? [],
    ...(context.calibration ? { calibration: context.calibration } : {}),
    ...(context.failover ? { failover: context.failover } : {}),
    rawFiles: output.rawFiles,
  };
}
