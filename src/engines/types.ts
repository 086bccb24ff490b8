import type { Plan } from '../scenarios/types.js';
import type { EndpointFigures, EngineInfo, GeneratorLoad, Interval, Totals } from '../results/schema.js';

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
  /** Prometheus remote-write receiver of the stack, when one is up (k6 writes its series there). */
  prometheusRemoteWriteUrl?: string;
  /** Environment for finding and running engine binaries (PATH, ...); the CLI passes ctx.env.
   * Absent: k6 is looked for in <project root>/.tools/bin only, children get a minimal PATH. */
  env?: Record<string, string | undefined>;
}

/** What an engine returns, already normalized; `capacity run` adds scenario, target, SLOs, server series. */
export interface EngineRunOutput {
  engine: EngineInfo;
  startedAt: Date;
  endedAt: Date;
  totals: Totals;
  intervals: Interval[];
  endpoints: EndpointFigures[];
  generator: GeneratorLoad;
  /** Paths relative to the result folder. */
  rawFiles: string[];
  /** True when the run was cut short (signal); figures cover what ran. */
  interrupted: boolean;
  /** Requests made before the run proper (token-pool logins of autocannon and Artillery):
   * counted in totals and per endpoint, not in the intervals. */
  setupRequests?: number;
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
  detect(env: Record<string, string | undefined>): Promise<EngineAvailability>;
  run(input: EngineRunInput): Promise<EngineRunOutput>;
}
