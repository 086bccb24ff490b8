/**
 * The live view's state: a pure reducer over observer events (start, tick, server sample,
 * message, end) and the figures derived from it (progress, stage, planned rate). No I/O, so the
 * ink view and the plain-line fallback share it and unit tests feed it plain values.
 */
import type { EngineTick } from '../../engines/types.js';
import type { Plan } from '../../scenarios/types.js';

/** One server-side CPU reading: cores busy of one instance (or a whole tier) at second t. */
export interface ServerSample {
  t: number;
  tier: string;
  instance?: string;
  cpuCores: number;
}

/** Anything that can push server samples while a run goes on (e.g. a /proc or Prometheus sampler). */
export interface ServerSampleFeed {
  subscribe(listener: (sample: ServerSample) => void): () => void;
}

export interface RunHeading {
  engine: string;
  engineVersion?: string;
  resultDir: string;
  index: number;
  count: number;
}

export interface LiveState {
  plan?: Pick<Plan, 'scenario' | 'model' | 'baseUrl' | 'startTarget' | 'stages' | 'totalDurationS' | 'intervalS' | 'peakTarget'>;
  heading?: RunHeading;
  latest?: EngineTick;
  /** p95 of the most recent ticks, oldest first, for the sparkline. */
  p95History: number[];
  requests: number;
  errors: number;
  /** Latest reading per tier+instance. */
  server: Record<string, ServerSample>;
  messages: string[];
  /** What the run is doing before its first interval ("signing in 50 users…"); cleared by the first tick. */
  phase?: string;
  finished?: { status: string; verdict: string; requests: number; errorRate: number; p95?: number };
}

export const HISTORY_LENGTH = 60;
const MESSAGE_LENGTH = 3;

export function initialState(): LiveState {
  return { p95History: [], requests: 0, errors: 0, server: {}, messages: [] };
}

export function startRun(state: LiveState, plan: Plan, heading: RunHeading): LiveState {
  const { scenario, model, baseUrl, startTarget, stages, totalDurationS, intervalS, peakTarget } = plan;
  return { ...initialState(), messages: state.messages, plan: { scenario, model, baseUrl, startTarget, stages, totalDurationS, intervalS, peakTarget }, heading, phase: 'starting…' };
}

export function addPhase(state: LiveState, phase: string): LiveState {
  return { ...state, phase };
}

export function addTick(state: LiveState, tick: EngineTick): LiveState {
  const p95History = tick.latencyMs ? [...state.p95History, tick.latencyMs.p95].slice(-HISTORY_LENGTH) : state.p95History;
  const { phase: _measuring, ...rest } = state;
  return { ...rest, latest: tick, p95History, requests: state.requests + tick.requests, errors: state.errors + tick.errors };
}

export function addServerSample(state: LiveState, sample: ServerSample): LiveState {
  return { ...state, server: { ...state.server, [`${sample.tier}/${sample.instance ?? ''}`]: sample } };
}

export function addMessage(state: LiveState, message: string): LiveState {
  return { ...state, messages: [...state.messages, message].slice(-MESSAGE_LENGTH) };
}

export function endRun(state: LiveState, result: { status: string; verdict: string; totals: { requests: number; errorRate: number; latencyMs?: { p95: number } } }): LiveState {
  return {
    ...state,
    finished: {
      status: result.status,
      verdict: result.verdict,
      requests: result.totals.requests,
      errorRate: result.totals.errorRate,
      ...(result.totals.latencyMs ? { p95: result.totals.latencyMs.p95 } : {}),
    },
  };
}

/** Seconds elapsed according to the latest tick. */
export function elapsedS(state: LiveState): number {
  return state.latest?.t ?? 0;
}

export function progress(state: LiveState): number {
  if (state.finished) return state.finished.status === 'complete' ? 1 : Math.min(1, elapsedS(state) / (state.plan?.totalDurationS || 1));
  const total = state.plan?.totalDurationS ?? 0;
  return total > 0 ? Math.min(1, Math.max(0, elapsedS(state) / total)) : 0;
}

export interface StageAt {
  index: number;
  count: number;
  name: string;
  /** Planned target at t: req/s (open) or users (closed). */
  planned: number;
}

/** The stage running at second t and the planned target there (linear ramps, as engines run them). */
export function stageAt(plan: NonNullable<LiveState['plan']>, t: number): StageAt | undefined {
  if (plan.stages.length === 0) return undefined;
  let start = 0;
  let from = plan.startTarget;
  for (const [index, stage] of plan.stages.entries()) {
    const end = start + stage.durationS;
    if (t < end || index === plan.stages.length - 1) {
      const share = stage.durationS > 0 ? Math.min(1, Math.max(0, (t - start) / stage.durationS)) : 1;
      return { index, count: plan.stages.length, name: stage.name ?? `stage ${index + 1}`, planned: from + (stage.target - from) * share };
    }
    start = end;
    from = stage.target;
  }
  return undefined;
}

/** CPU per tier: the latest reading of each instance, summed by tier. */
export function cpuPerTier(state: LiveState): { tier: string; cores: number }[] {
  const tiers = new Map<string, number>();
  for (const sample of Object.values(state.server)) tiers.set(sample.tier, (tiers.get(sample.tier) ?? 0) + sample.cpuCores);
  return [...tiers.entries()].map(([tier, cores]) => ({ tier, cores })).sort((a, b) => b.cores - a.cores);
}

/** "app 1.42 cores" for the tier using the most CPU now (the list is sorted, busiest first). */
export function busiestText(cpu: readonly { tier: string; cores: number }[]): string {
  const [first] = cpu;
  return first ? `${first.tier} ${first.cores.toFixed(2)} cores` : '–';
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
}

export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const SPARK = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const low = Math.min(...values);
  const high = Math.max(...values);
  return values.map((value) => SPARK[high === low ? 3 : Math.round(((value - low) / (high - low)) * (SPARK.length - 1))]).join('');
}

/** The plain fallback: one line per interval, all figures on it. */
export function plainLine(state: LiveState): string {
  const tick = state.latest;
  const plan = state.plan;
  const t = elapsedS(state);
  const total = plan?.totalDurationS ?? 0;
  const parts = [`[${formatDuration(t).padStart(6)}/${formatDuration(total)} ${String(Math.round(progress(state) * 100)).padStart(3)}%]`];
  const stage = plan ? stageAt(plan, t) : undefined;
  if (stage) parts.push(`${stage.name} (${stage.index + 1}/${stage.count})`);
  if (tick) {
    const planned = tick.plannedRps ?? (plan?.model === 'open' ? stage?.planned : undefined);
    parts.push(`rate ${tick.achievedRps.toFixed(1)}${planned === undefined ? '' : `/${planned.toFixed(1)}`} req/s`);
    parts.push(tick.latencyMs ? `p50 ${formatMs(tick.latencyMs.p50)} p95 ${formatMs(tick.latencyMs.p95)} p99 ${formatMs(tick.latencyMs.p99)} ms` : 'no latency yet');
    parts.push(`errors ${tick.errors} (total ${state.errors}, ${state.requests > 0 ? ((state.errors / state.requests) * 100).toFixed(2) : '0.00'} %)`);
    if (tick.activeUsers !== undefined) parts.push(`users ${Math.round(tick.activeUsers)}${plan?.model === 'closed' && stage ? `/${Math.round(stage.planned)}` : ''}`);
  }
  const cpu = cpuPerTier(state);
  if (cpu.length > 0) parts.push(`busiest ${busiestText(cpu)}`);
  return parts.join('  ');
}
