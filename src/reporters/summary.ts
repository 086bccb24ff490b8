/** Small pure helpers shared by the reporters: labels, number formatting, derived series. */
import type { RunLimit, RunResult, ServerSeries } from '../results/schema.js';

export function resultLabel(result: RunResult): string {
  return `${result.engine.name} · ${result.id}`;
}

export function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

export function percent(fraction: number | undefined): string {
  return fraction === undefined ? '–' : `${(fraction * 100).toFixed(2)} %`;
}

export function rate(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(1)} req/s`;
}

export function count(value: number | undefined): string {
  return value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
}

export function sloObserved(slo: RunResult['slos'][number]): string {
  if (slo.observed === null) return 'not measured';
  if (slo.metric === 'errorRate') return percent(slo.observed);
  if (slo.metric === 'minRps') return rate(slo.observed);
  return ms(slo.observed);
}

export function sloThreshold(slo: RunResult['slos'][number]): string {
  if (slo.metric === 'errorRate') return `≤ ${percent(slo.threshold)}`;
  if (slo.metric === 'minRps') return `≥ ${rate(slo.threshold)}`;
  return `≤ ${ms(slo.threshold)}`;
}

const CPU_METRICS = new Set(['cpu_seconds_per_second', 'cpu_cores', 'cpu']);

export function isCpuSeries(series: ServerSeries): boolean {
  return CPU_METRICS.has(series.metric);
}

const SOURCE_PREFERENCE: readonly ServerSeries['source'][] = ['proc', 'prometheus', 'scrape', 'cloudwatch'];

/**
 * CPU per tier: the instances of a tier summed at each time (points aligned by second). A tier
 * measured by several sources (the /proc sampler and Prometheus) counts once, from the first
 * source in SOURCE_PREFERENCE, so the same CPU is not added twice.
 */
export function cpuByTier(result: Pick<RunResult, 'server'>): { tier: string; points: [number, number][] }[] {
  const cpuSeries = result.server.filter(isCpuSeries);
  const chosenSource = new Map<string, ServerSeries['source']>();
  for (const series of cpuSeries) {
    const current = chosenSource.get(series.tier);
    if (current === undefined || SOURCE_PREFERENCE.indexOf(series.source) < SOURCE_PREFERENCE.indexOf(current)) chosenSource.set(series.tier, series.source);
  }
  const tiers = new Map<string, Map<number, number>>();
  for (const series of cpuSeries) {
    if (chosenSource.get(series.tier) !== series.source) continue;
    const byTime = tiers.get(series.tier) ?? new Map<number, number>();
    for (const [t, value] of series.points) {
      const key = Math.round(t);
      byTime.set(key, (byTime.get(key) ?? 0) + value);
    }
    tiers.set(series.tier, byTime);
  }
  return [...tiers.entries()].map(([tier, byTime]) => ({ tier, points: [...byTime.entries()].sort((a, b) => a[0] - b[0]) }));
}

/** The label of the headline percentiles: over every request of the measured load, unlike the
 * gate's statistic (the median of the per-interval p95s, see src/regression/format.ts). */
export const WHOLE_RUN = 'whole run';

/** The server tier that used the most CPU (mean cores over the run; the generator is not a tier of the system). */
export function busiestTier(server: readonly ServerSeries[]): { tier: string; meanCores: number; maxCores: number } | undefined {
  let best: { tier: string; meanCores: number; maxCores: number } | undefined;
  for (const { tier, points } of cpuByTier({ server: [...server] })) {
    if (tier === 'generator' || points.length === 0) continue;
    const values = points.map(([, value]) => value);
    const meanCores = values.reduce((sum, value) => sum + value, 0) / values.length;
    if (!best || meanCores > best.meanCores) best = { tier, meanCores, maxCores: Math.max(...values) };
  }
  return best;
}

/** Unicode block sparkline of a series (for Markdown and the terminal). */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return '';
  const blocks = '▁▂▃▄▅▆▇█';
  const step = Math.max(1, Math.ceil(values.length / width));
  const buckets: number[] = [];
  for (let index = 0; index < values.length; index += step) {
    const slice = values.slice(index, index + step);
    buckets.push(Math.max(...slice));
  }
  const low = Math.min(...buckets);
  const high = Math.max(...buckets);
  return buckets.map((value) => blocks[high === low ? 3 : Math.round(((value - low) / (high - low)) * (blocks.length - 1))]).join('');
}

/** USL throughput X(N) = λN / (1 + σ(N−1) + κN(N−1)). */
export function uslThroughput(usl: { sigma: number; kappa: number; lambda: number }, users: number): number {
  return (usl.lambda * users) / (1 + usl.sigma * (users - 1) + usl.kappa * users * (users - 1));
}

/** The verdict's name as a person reads it. */
export const LIMIT_LABELS: Readonly<Record<RunLimit['verdict'], string>> = {
  'generator-bound': 'generator-bound',
  'system-bound': 'system-bound',
  'machine-bound': 'machine-bound',
  'kept-up': 'kept up',
};

function cores(value: number | undefined): string {
  return value === undefined ? '–' : `${Number(value.toFixed(2))}`;
}

/** One line of the figures the verdict weighed: the generator's CPU against what it may use, the machine, the event loop. */
export function limitFigures(limit: RunLimit): string {
  const parts = [`generator ${cores(limit.generatorCoresMean)} cores mean, ${cores(limit.generatorCoresMax)} max, of ${cores(limit.coresUsable)} usable (${limit.coresUsableBecause})`];
  if (limit.busiestProcessCoresMean !== undefined) {
    parts.push(`busiest process ${cores(limit.busiestProcessCoresMean)} cores mean, ${cores(limit.busiestProcessCoresMax)} max, of ${cores(limit.processCeilingCores)} per process`);
  }
  if (limit.machineBusyCoresMean !== undefined) {
    parts.push(`machine ${cores(limit.machineBusyCoresMean)} of ${limit.machineCores} cores busy on average, ${cores(limit.machineBusyCoresMax)} max`);
  }
  if (limit.eventLoopLagMsMedian !== undefined) parts.push(`event loop delay p99 ${limit.eventLoopLagMsMedian} ms median, ${limit.eventLoopLagMsMax} ms max`);
  if (limit.droppedIterations !== undefined && limit.droppedIterations > 0) parts.push(`${count(limit.droppedIterations)} dropped iterations`);
  return parts.join(' · ');
}

/**
 * Warnings a reader must not miss: a partial run, and a run the generator or the machine limited
 * (its figures do not measure the system alone). A system-bound run is a finding, not a warning.
 */
export function generatorWarnings(result: RunResult, options: { limit?: boolean } = {}): string[] {
  const warnings: string[] = [];
  if (result.status === 'partial') warnings.push(`partial run: ${result.partialReason ?? 'cut short'}`);
  const limit = result.generator?.limit;
  if (options.limit === false) return warnings;
  if (limit) {
    if (limit.verdict === 'generator-bound' || limit.verdict === 'machine-bound') warnings.push(`${limit.summary}: ${limit.reasons.join('; ')}`);
  } else if (result.generator?.saturated) {
    // A result written before the verdict: its reasons as they were recorded.
    warnings.push(`the load generator could not keep the plan: ${result.generator.reasons.join('; ') || 'it could not keep the planned rate'}`);
  }
  return warnings;
}

/** Lines of the verdict on what limited the run, for plain-text renderings (terminal, run summary). */
export function limitLines(result: RunResult): string[] {
  const generator = result.generator;
  const limit = generator?.limit;
  if (!generator || !limit) return [];
  const lines = [`${LIMIT_LABELS[limit.verdict]}: ${limit.summary}`, ...limit.reasons.map((reason) => `  - ${reason}`), `  ${limitFigures(limit)}`];
  const points = generator.cpu ?? [];
  if (points.length > 1) {
    const generatorCores = points.map((point) => point.generatorCores);
    lines.push(`  generator cpu  ${sparkline(generatorCores, 40)}  (${cores(Math.min(...generatorCores))} … ${cores(Math.max(...generatorCores))} cores of ${cores(limit.coresUsable)} usable)`);
    const machine = points.flatMap((point) => (point.machineBusyCores === undefined ? [] : [point.machineBusyCores]));
    if (machine.length > 1) lines.push(`  machine cpu    ${sparkline(machine, 40)}  (${cores(Math.min(...machine))} … ${cores(Math.max(...machine))} cores of ${limit.machineCores})`);
  }
  return lines;
}
