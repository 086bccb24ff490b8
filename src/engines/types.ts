import type { Plan } from '../scenarios/types.js';
import type { EngineInfo } from '../results/schema.js';
import type { EngineRunOutput } from '../results/engine-output.js';
import type { Translation } from './translation.js';
import type { ChildRegistry } from './child-process.js';

export type { EngineRunOutput } from '../results/engine-output.js';

/** A live progress sample, emitted once per interval while an engine runs. */
export interface EngineTick {
  /** Seconds since the run started. */
  t: number;
  plannedRps?: number;
  achievedRps: number;
  requests: number;
  errors: number;
  latencyMs?: { p50: number; p95: number; p99: number };
  activeUsers?: number;
}

export interface EngineRunInput {
  plan: Plan;
  /** Folder for the engine's raw output (script, config, report); inside the result folder. */
  outDir: string;
  signal: AbortSignal;
  onTick?: (tick: EngineTick) => void;
  /** What the engine does before its first interval (signing in, starting its process). */
  onPhase?: (phase: string) => void;
  /** Prometheus remote-write receiver of the stack, when one is up (k6 writes its series there). */
  prometheusRemoteWriteUrl?: string;
  /** Environment for finding and running engine binaries (PATH, ...); the CLI passes ctx.env.
   * Absent: no binary on PATH is found, children get a minimal PATH. */
  env?: Record<string, string | undefined>;
  /** The capacity installation (node_modules, bundled scripts), from ProcessContext. */
  projectRoot: string;
  /** The run's record of live engine child processes (by PID), for its watchdog and stale detection. */
  children?: ChildRegistry;
  /** Distributed engines (Locust): how many workers, and where the master listens for workers on
   * other hosts (none are then started here). Absent: one local worker. */
  distributed?: DistributedOptions;
  /** k6 only: the user's own script (`run --k6-script`), run instead of the plan's translation;
   * the plan then stands for it in the result (stages, model, users read from the script). */
  k6Script?: string;
}

export interface DistributedOptions {
  workers: number;
  /** host:port the master binds for workers on other hosts. */
  masterBind?: { host: string; port: number };
}

/** Where an engine is looked for: the caller's PATH and the capacity installation. */
export interface EngineLookup {
  env: Record<string, string | undefined>;
  projectRoot: string;
}

export interface EngineAvailability {
  available: boolean;
  version?: string;
  path?: string;
  /** One line telling how to install it. */
  hint: string;
}

/** Small adapter interface; a registry by name lives in src/engines/index.ts. */
export interface Engine {
  readonly name: EngineInfo['name'];
  detect(lookup: EngineLookup): Promise<EngineAvailability>;
  /** The plan in the engine's own configuration (pure; the same translation `run` uses): what was
   * adapted to fit the engine, printed before any load. Throws exit 2 when the engine cannot run it. */
  translate?(plan: Plan): Translation<unknown>;
  run(input: EngineRunInput): Promise<EngineRunOutput>;
}
