/**
 * Server-side collection for `capacity run`: which collectors a run gets (from the stack and the
 * flags), stopping them without losing the run, and the calibration of the finished run.
 */
import type { Calibration, Interval, ServerSeries, Totals } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';
import type { StackState } from '../stack/types.js';
import { badInput } from '../core/errors.js';
import { type UslFitter, calibrate } from './calibration.js';
import { ExpositionScraper, type ScrapeTarget } from './exposition/scraper.js';
import { PrometheusClient } from './prometheus/client.js';
import { PrometheusCollector } from './prometheus/collector.js';
import { ownerLookup } from './prometheus/queries.js';
import { type TierMapping, tierQueries } from './prometheus/tiers.js';
import { ProcSampler, type ProcTarget } from './proc/sampler.js';
import { RedisInfoCollector } from './redis/collector.js';
import { parseRedisUrl } from './redis/info.js';
import type { Collector } from './types.js';

export type { Collector } from './types.js';
export { METRICS } from './series.js';
export { calibrate, chooseSteadyWindow, utilizationLawCheck } from './calibration.js';

export interface CollectionOptions {
  /** The stack under test, when the run targets one we started (local or compose). */
  stack?: StackState;
  /** A user's own Prometheus (--prometheus); else the stack's. */
  prometheusUrl?: string;
  /** /metrics endpoints to scrape directly (--metrics-url), for a service without Prometheus. */
  metricsUrls?: string[];
  /** Sample /proc for the stack's processes (default: on for the local driver on Linux). */
  proc?: boolean;
  /** Read Redis INFO every second (default: on when the stack has Redis). */
  redisInfo?: boolean;
  /** Also scrape the stack apps' /metrics directly (default: off; Prometheus already does). */
  scrapeStackApps?: boolean;
  intervalMs?: number;
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
  /** The user's tiers mapped to their own Prometheus selectors (--prometheus-tier). */
  tierMappings?: TierMapping[];
  /** Non-fatal problems (a failed scrape, Redis unreachable): collection goes on. */
  onProblem?: (message: string) => void;
}

function checkedUrl(text: string, flag: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  throw badInput(`${flag} is not an http(s) URL: ${text}`, [], `for example ${flag} http://127.0.0.1:9090`);
}

/** The collectors a run gets. Throws exit 2 on a malformed URL; nothing is started here. */
export function createCollectors(options: CollectionOptions): Collector[] {
  const collectors: Collector[] = [];
  const stack = options.stack;
  const components = stack?.components ?? [];
  const platform = options.platform ?? process.platform;
  const intervalMs = options.intervalMs ?? 1000;

  const wantProc = options.proc ?? (stack?.driver === 'local' && platform === 'linux');
  const procTargets: ProcTarget[] = components
    .filter((c) => c.pid !== undefined)
    .map((c) => ({ name: c.name, tier: c.tier, pid: c.pid as number }));
  if (wantProc && procTargets.length > 0) collectors.push(new ProcSampler({ targets: procTargets, intervalMs }));

  const prometheusUrl = options.prometheusUrl ? checkedUrl(options.prometheusUrl, '--prometheus') : stack?.prometheusUrl;
  if (prometheusUrl) {
    const client = new PrometheusClient({ baseUrl: prometheusUrl, signal: options.signal });
    const tierQueriesOfRun = options.tierMappings && options.tierMappings.length > 0 ? { tierQueries: tierQueries(options.tierMappings) } : {};
    collectors.push(new PrometheusCollector({ client, owner: ownerLookup(components), ...tierQueriesOfRun }));
  } else if (options.tierMappings && options.tierMappings.length > 0) {
    throw badInput('--prometheus-tier needs a Prometheus to ask', [], 'add --prometheus http://your-prometheus:9090');
  }

  const scrapeTargets: ScrapeTarget[] = (options.metricsUrls ?? []).map((url) => ({ url: checkedUrl(url, '--metrics-url'), tier: 'app' }));
  if (options.scrapeStackApps) {
    for (const component of components) {
      if (component.tier === 'app' && component.metricsUrl) scrapeTargets.push({ url: component.metricsUrl, tier: 'app', instance: component.name });
    }
  }
  if (scrapeTargets.length > 0) {
    collectors.push(
      new ExpositionScraper({
        targets: scrapeTargets,
        intervalMs,
        onProblem: (problem) => options.onProblem?.(`scrape ${problem.url} at ${problem.t.toFixed(1)} s: ${problem.message}`),
      }),
    );
  }

  const redis = components.find((c) => c.tier === 'redis');
  const redisUrl = stack?.redisUrl ?? redis?.url;
  if ((options.redisInfo ?? true) && redisUrl) {
    try {
      collectors.push(
        new RedisInfoCollector({ address: parseRedisUrl(redisUrl), tier: 'redis', instance: redis?.name ?? 'redis', intervalMs, onProblem: options.onProblem }),
      );
    } catch {
      options.onProblem?.(`redis URL of the stack is not a redis:// URL: ${redisUrl}`);
    }
  }
  return collectors;
}

export interface StoppedCollection {
  series: ServerSeries[];
  /** One line per collector that failed; its series are missing, the run keeps the rest. */
  problems: string[];
}

/** Starts every collector; one that cannot start is reported and left out, the run goes on. */
export async function startAll(collectors: Collector[], runStart: Date, onProblem?: (message: string) => void): Promise<Collector[]> {
  const started: Collector[] = [];
  for (const collector of collectors) {
    try {
      await collector.start(runStart);
      started.push(collector);
    } catch (error) {
      onProblem?.(`${collector.name} collector did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return started;
}

/** Stops every collector, keeping what each gathered; failures become problems, never a lost run. */
export async function stopAll(collectors: Collector[]): Promise<StoppedCollection> {
  const results = await Promise.allSettled(collectors.map((collector) => collector.stop()));
  const series: ServerSeries[] = [];
  const problems: string[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') series.push(...result.value);
    else {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      problems.push(`${collectors[index]?.name ?? 'a'} collector failed: ${reason}`);
    }
  });
  return { series, problems };
}

export interface RunForCalibration {
  intervals: Interval[];
  server: ServerSeries[];
  totals: Pick<Totals, 'requests' | 'bytesReceived'>;
  plan?: unknown;
  machine?: { hostname: string; cpus: number; cpuModel: string };
  /** For the USL fit's provenance. */
  id?: string;
  scenario?: { name: string };
  engine?: { name: string };
  window?: { durationS: number };
  /** The generator's CPU: per-second samples when recorded, else its mean percent of one core. */
  generator?: { cpuPercentMean: number; cpu?: ReadonlyArray<{ t: number; generatorCores: number }> };
}

function isPlan(value: unknown): value is Pick<Plan, 'stages' | 'startTarget' | 'model'> {
  const candidate = value as Partial<Plan> | undefined;
  return Array.isArray(candidate?.stages) && typeof candidate?.startTarget === 'number';
}

/**
 * The calibration of a finished run (the function `capacity run` calls after the engine):
 * service demands over the steady window, with a USL fit when the run was stepped.
 */
export async function calibrateRun(run: RunForCalibration): Promise<Calibration | undefined> {
  const plan = isPlan(run.plan) ? run.plan : undefined;
  const { fitUsl } = await import('../sizing/usl-fit.js');
  const provenance = [run.scenario ? `scenario ${run.scenario.name}` : undefined, run.id ? `run ${run.id}` : undefined, run.engine ? run.engine.name : undefined].filter(Boolean).join(', ');
  const calibration = calibrate({
    intervals: run.intervals,
    server: run.server,
    plan,
    bytesReceived: run.totals.bytesReceived,
    totalRequests: run.totals.requests,
    machine: run.machine ? `${run.machine.hostname} (${run.machine.cpus} × ${run.machine.cpuModel})` : undefined,
    fitUsl: fitUsl as UslFitter,
    ...(provenance ? { provenance } : {}),
    ...(run.machine ? { machineCores: run.machine.cpus } : {}),
  });
  if (calibration && run.generator) {
    const generator = generatorInWindow(run, calibration.window);
    if (generator) calibration.generator = generator;
  }
  return calibration;
}

/** The generator's cores at the calibration's rate: its samples in the window, else its run mean at the run's mean rate. */
function generatorInWindow(run: RunForCalibration, window: { fromS: number; toS: number }): Calibration['generator'] | undefined {
  const samples = (run.generator?.cpu ?? []).filter((p) => p.t > window.fromS && p.t <= window.toS);
  const inside = run.intervals.filter((i) => i.t >= window.fromS - 1e-9 && i.t + i.durationS <= window.toS + 1e-9);
  const seconds = inside.reduce((s, i) => s + i.durationS, 0);
  if (samples.length > 0 && seconds > 0) {
    return { coresBusy: samples.reduce((s, p) => s + p.generatorCores, 0) / samples.length, throughputRps: inside.reduce((s, i) => s + i.requests, 0) / seconds };
  }
  const duration = run.window?.durationS ?? 0;
  if (run.generator && duration > 0 && run.totals.requests > 0) return { coresBusy: run.generator.cpuPercentMean / 100, throughputRps: run.totals.requests / duration };
  return undefined;
}
