import type { EngineTick } from '../engines/types.js';
import type { RunResult } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';

/**
 * What a view of a running test hears: the plan as it starts, one tick per interval, the result
 * at the end. The plain observer prints lines to stderr; the live terminal view plugs in here.
 */
export interface RunStartInfo {
  engine: string;
  engineVersion?: string;
  resultId: string;
  resultDir: string;
  /** 1-based position when several engines run one after another (`--engine all`). */
  index: number;
  count: number;
}

/** One server-side CPU reading taken while the run goes on: cores busy of one instance at second t. */
export interface ServerCpuSample {
  t: number;
  tier: string;
  instance?: string;
  cpuCores: number;
}

export interface RunObserver {
  onStart(plan: Plan, info: RunStartInfo): void;
  onTick(tick: EngineTick): void;
  onEnd(result: RunResult): void;
  /** Progress outside the engine: stack, preflight, failover actions. */
  onMessage?(message: string): void;
  /** What the run is doing while no interval has been measured yet ("starting the stack",
   * "signing in 50 users…"); a view shows it in place of empty figures. */
  onPhase?(phase: string): void;
  /** Server CPU read from the collectors during the run. */
  onServerSample?(sample: ServerCpuSample): void;
}

function fixed(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** One tick as a plain line: "  12s  planned 20.0/s  achieved 19.8/s  p95 12.3 ms  errors 0  users 3". */
export function formatTick(tick: EngineTick): string {
  const parts = [
    `${fixed(tick.t, 0).padStart(5)}s`,
    tick.plannedRps === undefined ? undefined : `planned ${fixed(tick.plannedRps)}/s`,
    `achieved ${fixed(tick.achievedRps)}/s`,
    tick.latencyMs ? `p50 ${fixed(tick.latencyMs.p50)} ms  p95 ${fixed(tick.latencyMs.p95)} ms  p99 ${fixed(tick.latencyMs.p99)} ms` : 'no latency yet',
    `requests ${tick.requests}`,
    `errors ${tick.errors}`,
    tick.activeUsers === undefined ? undefined : `users ${fixed(tick.activeUsers, 0)}`,
  ];
  return parts.filter((part) => part !== undefined).join('  ');
}

/** Plain lines to a stream (stderr): one per interval; nothing but messages when quiet. */
export function plainObserver(write: (line: string) => void, options: { quiet: boolean }): RunObserver {
  return {
    onStart(plan, info) {
      if (options.quiet) return;
      const engine = info.engineVersion ? `${info.engine} ${info.engineVersion}` : info.engine;
      const counter = info.count > 1 ? ` (${info.index}/${info.count})` : '';
      write(`running ${plan.scenario} with ${engine}${counter} against ${plan.baseUrl} for ${plan.totalDurationS}s → ${info.resultDir}`);
    },
    onTick(tick) {
      if (!options.quiet) write(formatTick(tick));
    },
    onEnd(result) {
      if (!options.quiet) write(`${result.engine.name}: ${result.status}, ${result.totals.requests} requests, verdict ${result.verdict}`);
    },
    onMessage(message) {
      if (!options.quiet) write(message);
    },
    onPhase(phase) {
      if (!options.quiet) write(phase);
    },
  };
}
