/**
 * Join of client intervals and server series, and the calibration `capacity size` consumes
 * (pure): over the steady part of the run, each tier's service demand D (CPU-seconds per request),
 * the cores it kept busy, its memory per instance and per concurrent user, and bytes per response.
 */
import type { Calibration, Interval, ServerSeries, TierCalibration } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';
import { METRICS, integrateRate, meanInWindow } from './series.js';
import { median } from '../core/statistics.js';
import { fitCpuModel } from '../sizing/cpu-model.js';

export interface Window {
  fromS: number;
  toS: number;
}

export type UslFitter = (points: ReadonlyArray<readonly [number, number]>) => {
  sigma: number;
  kappa: number;
  lambda: number;
  nStar: number | null;
  rSquared?: number;
  intervals?: NonNullable<Calibration['usl']>['intervals'];
};

export interface CalibrationInput {
  intervals: Interval[];
  server: ServerSeries[];
  /** The plan run: its hold stages give the steady window and the steps of a stepped run. */
  plan?: Pick<Plan, 'stages' | 'startTarget' | 'model'>;
  /** Engine totals, for bytes per response. */
  bytesReceived?: number;
  totalRequests?: number;
  /**
   * Use this window instead of choosing one; several windows (e.g. interleaved blocks, leaving the
   * others for a check) are measured together and each counts as a sub-window for the spread.
   */
  window?: Window | Window[];
  /** Allowed deviation of the achieved rate from the stretch's median (default 0.1). */
  tolerance?: number;
  /** Sub-windows the spread of D is measured over (default 5, fewer on short windows). */
  subWindows?: number;
  machine?: string;
  /**
   * Tiers whose memory grows with users (default app and redis: sessions, cached profiles).
   * PostgreSQL's RSS grows as its shared buffers are first touched and Prometheus' with the series
   * it ingests: dividing that growth by users would invent a per-user figure.
   */
  memoryPerUserTiers?: string[];
  /**
   * Tiers whose CPU model may follow their wake-ups (src/sizing/cpu-model.ts, WakeupDriver), when
   * the /proc sampler counted them. Default redis: one thread whose commands take microseconds, so
   * a wake-up costs more than the work it brings, and its clients' auto-pipelining batches the
   * commands as the rate rises. nginx, the app and Prometheus do not qualify: on the recorded runs
   * their wake-ups did not keep to the batching line above the steps, and the rate forms predicted
   * them better (docs/sizing.md, Prediction check).
   */
  wakeupDrivenTiers?: string[];
  /** The USL fit (src/sizing/usl-fit.ts); a stepped run gets a fit only when given. */
  fitUsl?: UslFitter;
  /** Where the run came from (scenario, run id, engine), recorded with the USL fit. */
  provenance?: string;
  /** Cores of the measured machine. */
  machineCores?: number;
  /** The load generator's CPU when it shared the machine. */
  generator?: Calibration['generator'];
}

/** Each hold stage of a stepped plan as a window, its first interval left out (the step's transient). */
export function stepWindows(intervals: Interval[], plan: Pick<Plan, 'stages' | 'startTarget'>): Window[] {
  const windows: Window[] = [];
  for (const hold of holdStages(plan)) {
    const inside = intervals.filter((i) => i.t >= hold.fromS - 1e-9 && intervalEnd(i) <= hold.toS + 1e-9).sort((a, b) => a.t - b.t).slice(1);
    if (inside.length < 2) continue;
    windows.push({ fromS: (inside[0] as Interval).t, toS: intervalEnd(inside[inside.length - 1] as Interval) });
  }
  return windows;
}

/** Where CPU figures come from, best first: /proc is exact per process tree. */
const SOURCE_PREFERENCE: ReadonlyArray<ServerSeries['source']> = ['proc', 'prometheus', 'scrape', 'cloudwatch'];

function stdev(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

function intervalEnd(interval: Interval): number {
  return interval.t + interval.durationS;
}

/** Hold stages of a plan (the target does not move), as windows in seconds since the start. */
export function holdStages(plan: Pick<Plan, 'stages' | 'startTarget'>): Array<Window & { target: number }> {
  const holds: Array<Window & { target: number }> = [];
  let at = 0;
  let target = plan.startTarget;
  for (const stage of plan.stages) {
    if (stage.target === target && stage.durationS > 0 && stage.target > 0) holds.push({ fromS: at, toS: at + stage.durationS, target });
    at += stage.durationS;
    target = stage.target;
  }
  return holds;
}

/** Achieved rates smoothed by a centred moving mean over `width` intervals (generators jitter per second). */
function smoothedRates(intervals: Interval[], width: number): number[] {
  const half = Math.max(0, Math.floor(width / 2));
  return intervals.map((_, index) => {
    const around = intervals.slice(Math.max(0, index - half), index + half + 1);
    return around.reduce((sum, i) => sum + i.achievedRps, 0) / around.length;
  });
}

/**
 * The longest run of consecutive intervals whose achieved rate (smoothed over `smoothing`
 * intervals) stays within ±tolerance of the stretch's median, leaving out the first and last
 * intervals of the run (ramp-up, the partial last period) and intervals with no request.
 */
export function steadyStretch(intervals: Interval[], tolerance = 0.1, smoothing = 3): Window | undefined {
  const sorted = [...intervals].sort((a, b) => a.t - b.t);
  const rates = smoothedRates(sorted, smoothing).slice(1, -1);
  const candidates = sorted.slice(1, -1);
  let best: { start: number; end: number } | undefined;
  for (let start = 0; start < candidates.length; start += 1) {
    // No later start can give a longer stretch than the best one already found.
    if (best && candidates.length - start <= best.end - best.start + 1) break;
    if ((candidates[start] as Interval).requests === 0) continue;
    let low = Infinity;
    let high = -Infinity;
    let end = start;
    for (let j = start; j < candidates.length; j += 1) {
      if ((candidates[j] as Interval).requests === 0) break;
      const rate = rates[j] as number;
      const nextLow = Math.min(low, rate);
      const nextHigh = Math.max(high, rate);
      // Every value within ±tol of some centre is possible only if high/low ≤ (1+tol)/(1−tol).
      if (nextHigh > nextLow * ((1 + tolerance) / (1 - tolerance))) break;
      low = nextLow;
      high = nextHigh;
      end = j;
    }
    const stretch = rates.slice(start, end + 1);
    const centre = median(stretch);
    const within = stretch.every((rate) => Math.abs(rate - centre) <= tolerance * centre);
    if (within && (!best || end - start > best.end - best.start)) best = { start, end };
  }
  if (!best) return undefined;
  return { fromS: (candidates[best.start] as Interval).t, toS: intervalEnd(candidates[best.end] as Interval) };
}

/** The steady window: the plan's longest hold stage (first interval left out), else the steady stretch. */
export function chooseSteadyWindow(intervals: Interval[], plan?: Pick<Plan, 'stages' | 'startTarget'>, tolerance = 0.1): Window | undefined {
  if (plan) {
    const holds = holdStages(plan);
    // Longest hold; on a tie the later one (a stepped run's highest step).
    const longest = holds.reduce<(typeof holds)[number] | undefined>((best, hold) => (!best || hold.toS - hold.fromS >= best.toS - best.fromS ? hold : best), undefined);
    if (longest) {
      const inside = intervals.filter((i) => i.t >= longest.fromS - 1e-9 && intervalEnd(i) <= longest.toS + 1e-9).sort((a, b) => a.t - b.t);
      const trimmed = inside.slice(1);
      if (trimmed.length >= 2) return { fromS: (trimmed[0] as Interval).t, toS: intervalEnd(trimmed[trimmed.length - 1] as Interval) };
    }
  }
  return steadyStretch(intervals, tolerance);
}

/** Requests completed in a window, from the intervals that lie inside it (pro rata at its edges). */
export function requestsInWindow(intervals: Interval[], window: Window): number {
  let total = 0;
  for (const interval of intervals) {
    const overlap = Math.min(intervalEnd(interval), window.toS) - Math.max(interval.t, window.fromS);
    if (overlap > 0) total += interval.requests * (overlap / interval.durationS);
  }
  return total;
}

interface TierSeries {
  tier: string;
  source: ServerSeries['source'];
  cpu: ServerSeries[];
  rss: ServerSeries[];
  /** Wake-ups per second (the /proc sampler's), empty when that source does not count them. */
  wakeups: ServerSeries[];
}

/** For each tier, the CPU, memory and wake-up series of the best source that has CPU for it. */
export function tierSeries(server: ServerSeries[]): TierSeries[] {
  const tiers = [...new Set(server.map((s) => s.tier))];
  const out: TierSeries[] = [];
  for (const tier of tiers) {
    for (const source of SOURCE_PREFERENCE) {
      const cpu = server.filter((s) => s.tier === tier && s.source === source && s.metric === METRICS.cpu.metric && s.instance !== 'all');
      if (cpu.length === 0) continue;
      const of = (metric: string) => server.filter((s) => s.tier === tier && s.source === source && s.metric === metric && s.instance !== 'all');
      out.push({ tier, source, cpu, rss: of(METRICS.rss.metric), wakeups: of(METRICS.wakeups.metric) });
      break;
    }
  }
  return out;
}

/** A per-second series integrated over a window, summed over the tier's instances (CPU: CPU-seconds); undefined if no instance covers it. */
export function tierTotal(series: ServerSeries[], window: Window): number | undefined {
  let total: number | undefined;
  for (const instance of series) {
    const used = integrateRate(instance.points, window.fromS, window.toS);
    if (used !== undefined) total = (total ?? 0) + Math.max(0, used);
  }
  return total;
}

function sumOver(windows: Window[], measure: (window: Window) => number | undefined): number | undefined {
  let total = 0;
  for (const window of windows) {
    const value = measure(window);
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

function totalDuration(windows: Window[]): number {
  return windows.reduce((sum, w) => sum + Math.max(0, w.toS - w.fromS), 0);
}

function splitWindow(window: Window, parts: number): Window[] {
  const width = (window.toS - window.fromS) / parts;
  return Array.from({ length: parts }, (_, k) => ({ fromS: window.fromS + k * width, toS: window.fromS + (k + 1) * width }));
}

/** Mean active users in a window, when the engine reported them. */
function usersInWindow(intervals: Interval[], window: Window): number | undefined {
  const users = intervals
    .filter((i) => i.t >= window.fromS - 1e-9 && intervalEnd(i) <= window.toS + 1e-9 && i.activeUsers !== undefined)
    .map((i) => i.activeUsers as number);
  if (users.length === 0) return undefined;
  const mean = users.reduce((s, v) => s + v, 0) / users.length;
  return mean > 0 ? mean : undefined;
}

/** Stepped-run points (N, X): N from the engine's active users, else by Little's law X·R. */
export function uslPoints(intervals: Interval[], plan: Pick<Plan, 'stages' | 'startTarget'>): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const hold of holdStages(plan)) {
    const inside = intervals.filter((i) => i.t >= hold.fromS - 1e-9 && intervalEnd(i) <= hold.toS + 1e-9).sort((a, b) => a.t - b.t).slice(1);
    if (inside.length < 2) continue;
    const seconds = inside.reduce((s, i) => s + i.durationS, 0);
    const x = inside.reduce((s, i) => s + i.requests, 0) / seconds;
    const users = inside.filter((i) => i.activeUsers !== undefined).map((i) => i.activeUsers as number);
    const latencies = inside.filter((i) => i.latencyMs?.mean !== undefined).map((i) => (i.latencyMs?.mean as number) / 1000);
    const n =
      users.length > 0
        ? users.reduce((s, v) => s + v, 0) / users.length
        : latencies.length > 0
          ? x * (latencies.reduce((s, v) => s + v, 0) / latencies.length)
          : undefined;
    if (n !== undefined && n > 0 && x > 0) points.push([n, x]);
  }
  return points;
}

/** Calibration over the steady window; undefined when there is no steady window or no server CPU. */
export function calibrate(input: CalibrationInput): Calibration | undefined {
  const given = input.window === undefined ? [] : Array.isArray(input.window) ? input.window : [input.window];
  const chosen = given.length > 0 ? undefined : chooseSteadyWindow(input.intervals, input.plan, input.tolerance);
  const windows = (chosen ? [chosen] : given).filter((w) => w.toS > w.fromS).sort((a, b) => a.fromS - b.fromS);
  if (windows.length === 0) return undefined;
  const span: Window = { fromS: (windows[0] as Window).fromS, toS: Math.max(...windows.map((w) => w.toS)) };
  const duration = totalDuration(windows);
  const requests = sumOver(windows, (w) => requestsInWindow(input.intervals, w)) ?? 0;
  if (!(requests > 0)) return undefined;
  const throughput = requests / duration;
  const users = usersInWindow(input.intervals, span);
  const subWindows =
    windows.length > 1 ? windows : splitWindow(span, Math.max(1, Math.min(input.subWindows ?? 5, Math.floor(duration / 2))));

  const tiers: TierCalibration[] = [];
  for (const { tier, cpu, rss } of tierSeries(input.server)) {
    const cpuSeconds = sumOver(windows, (w) => tierTotal(cpu, w));
    if (cpuSeconds === undefined) continue;
    const demands = subWindows
      .map((sub) => {
        const used = tierTotal(cpu, sub);
        const served = requestsInWindow(input.intervals, sub);
        return used !== undefined && served > 0 ? used / served : undefined;
      })
      .filter((d): d is number => d !== undefined);
    const demand = cpuSeconds / requests;
    const memories = rss.map((s) => meanInWindow(s.points, span.fromS, span.toS)).filter((m): m is number => m !== undefined);
    const memoryPerInstance = memories.length > 0 ? memories.reduce((s, v) => s + v, 0) / memories.length : 0;
    const calibration: TierCalibration = {
      tier,
      instances: Math.max(1, new Set(cpu.map((s) => s.instance)).size),
      cpuSecondsPerRequest: {
        value: demand,
        min: demands.length > 0 ? Math.min(...demands) : demand,
        max: demands.length > 0 ? Math.max(...demands) : demand,
        stdev: stdev(demands),
      },
      coresBusy: cpuSeconds / duration,
      memoryBytesPerInstance: memoryPerInstance,
    };
    if (users !== undefined && (input.memoryPerUserTiers ?? ['app', 'redis']).includes(tier)) {
      // Memory that load added: the tier's mean in the window over its first reading, per user.
      const added = rss.reduce((total, s) => {
        const first = s.points[0];
        const during = meanInWindow(s.points, span.fromS, span.toS);
        return first && during !== undefined ? total + Math.max(0, during - first[1]) : total;
      }, 0);
      calibration.memoryBytesPerUser = added / users;
    }
    tiers.push(calibration);
  }
  if (tiers.length === 0) return undefined;

  // A stepped run measures each tier at several rates: fit how its CPU grows with throughput.
  const steps = input.plan ? stepWindows(input.intervals, input.plan) : [];
  const stepRates = steps.map((w) => ({ ...w, throughputRps: requestsInWindow(input.intervals, w) / (w.toS - w.fromS) })).filter((w) => w.throughputRps > 0);
  if (stepRates.length >= 2) {
    const seriesByTier = new Map(tierSeries(input.server).map((t) => [t.tier, t]));
    // Per step, [req/s, the tier's rate of a per-second series] (CPU cores, wake-ups/s); a step no instance covers is left out.
    const perStep = (series: ServerSeries[]) =>
      stepRates
        .map((w) => {
          const total = tierTotal(series, w);
          return total === undefined ? undefined : ([w.throughputRps, total / (w.toS - w.fromS)] as [number, number]);
        })
        .filter((p): p is [number, number] => p !== undefined);
    for (const tier of tiers) {
      const series = seriesByTier.get(tier.tier);
      const points = perStep(series?.cpu ?? []);
      const wakeups = (input.wakeupDrivenTiers ?? ['redis']).includes(tier.tier) ? perStep(series?.wakeups ?? []) : [];
      if (new Set(points.map(([x]) => x)).size >= 2) tier.cpuModel = fitCpuModel(points, tier.instances, wakeups);
    }
  }

  const result: Calibration = { window: span, throughputRps: throughput, tiers };
  if (stepRates.length >= 2) result.steps = stepRates;
  if (input.machineCores !== undefined) result.machineCores = input.machineCores;
  if (input.generator !== undefined) result.generator = input.generator;
  if (users !== undefined) result.concurrentUsers = users;
  if (input.bytesReceived !== undefined && input.totalRequests !== undefined && input.totalRequests > 0) {
    result.bytesPerResponse = input.bytesReceived / input.totalRequests;
  }
  if (input.machine) result.machine = input.machine;
  if (input.plan && input.fitUsl) {
    const points = uslPoints(input.intervals, input.plan);
    if (points.length >= 3) {
      try {
        const fit = input.fitUsl(points);
        result.usl = {
          sigma: fit.sigma,
          kappa: fit.kappa,
          lambda: fit.lambda,
          nStar: fit.nStar,
          points,
          ...(fit.intervals !== undefined ? { intervals: fit.intervals } : {}),
          ...(fit.rSquared !== undefined ? { rSquared: fit.rSquared } : {}),
          unit: 'users',
          provenance: `${points.length} steps of ${input.provenance ?? 'a stepped run'}: N = concurrent users per step (the engine's active users, else X·R by Little's law), X = achieved req/s`,
        };
      } catch {
        // too few distinct steps for a fit: the calibration stands without it
      }
    }
  }
  return result;
}

export interface UtilizationCheck {
  tier: string;
  throughputRps: number;
  demandS: number;
  /** U = X · D, in cores. */
  predictedCores: number;
  /** From the tier's CPU series over the same window. */
  measuredCores: number;
  /** |predicted − measured| / measured. */
  relativeError: number;
}

/**
 * Utilization law check: the calibrated demands times the throughput of `window` (one or several
 * windows taken together) against each tier's CPU measured there. On the calibration window
 * itself this holds by construction; on other windows (held-out blocks, another load level) it
 * tests the demands.
 */
export function utilizationLawCheck(calibration: Calibration, intervals: Interval[], server: ServerSeries[], window: Window | Window[]): UtilizationCheck[] {
  const windows = (Array.isArray(window) ? window : [window]).filter((w) => w.toS > w.fromS);
  const duration = totalDuration(windows);
  if (!(duration > 0)) return [];
  const throughput = (sumOver(windows, (w) => requestsInWindow(intervals, w)) ?? 0) / duration;
  const byTier = new Map(tierSeries(server).map((t) => [t.tier, t]));
  const out: UtilizationCheck[] = [];
  for (const tier of calibration.tiers) {
    const series = byTier.get(tier.tier);
    const cpuSeconds = series ? sumOver(windows, (w) => tierTotal(series.cpu, w)) : undefined;
    if (cpuSeconds === undefined) continue;
    const measured = cpuSeconds / duration;
    const predicted = throughput * tier.cpuSecondsPerRequest.value;
    out.push({
      tier: tier.tier,
      throughputRps: throughput,
      demandS: tier.cpuSecondsPerRequest.value,
      predictedCores: predicted,
      measuredCores: measured,
      relativeError: measured > 0 ? Math.abs(predicted - measured) / measured : predicted === 0 ? 0 : Infinity,
    });
  }
  return out;
}

/** Alternate blocks of a window: [even blocks, odd blocks], for calibrating on one and checking on the other. */
export function interleavedBlocks(window: Window, blockS: number): [Window[], Window[]] {
  const even: Window[] = [];
  const odd: Window[] = [];
  for (let k = 0, from = window.fromS; from + blockS <= window.toS + 1e-9; k += 1, from += blockS) {
    (k % 2 === 0 ? even : odd).push({ fromS: from, toS: from + blockS });
  }
  return [even, odd];
}
