/**
 * What limited a run: the load generator, the system under test, or the machine they share; or
 * nothing (the generator kept up). Pure: plain figures in (any engine's adapter can give them),
 * a verdict with its reasons and the figures it weighed out. No clock, process or file here.
 *
 * The order of the checks is the point. A generator at its own CPU ceiling (or with a late event
 * loop) measures itself, whatever else happened. Failing that, a machine whose every core was busy
 * while the run fell short or slowed starved both sides, so neither the generator nor the target
 * can be blamed. Failing that, latency that climbed while the generator had room is the target's,
 * and so is an open-model shortfall with every user the engine had waiting for an answer.
 * An open-model shortfall with none of these causes is still the generator's (its connection or
 * virtual-user cap, or its pacing): an open model must send on schedule whatever the answers.
 */

export type LimitName = 'generator-bound' | 'system-bound' | 'machine-bound' | 'kept-up';

/** One sample of the run, about once a second. */
export interface LimitSample {
  /** Seconds since the run started. */
  t: number;
  /** CPU of the generator's processes, in cores (1 = one core busy). */
  generatorCores: number;
  /** CPU of the whole machine (every process), in cores; absent when /proc/stat could not be read. */
  machineBusyCores?: number;
  /** Event-loop delay of an in-process engine over the sample (p99, ms). */
  eventLoopLagMs?: number;
  /** Seconds per second the generator's threads were runnable but waited for a CPU (schedstat). */
  generatorWaitCores?: number;
  /** CPU of the busiest one of the generator's processes, in cores (engines whose processes are each single-threaded: Locust's workers). */
  busiestProcessCores?: number;
}

/** One reporting interval of the run, as the result holds it. */
export interface LimitInterval {
  t: number;
  durationS: number;
  plannedRps?: number;
  requests: number;
  /** Start-up or tail interval: left out of the rate and latency comparisons. */
  partial?: 'start' | 'end';
  p95Ms?: number;
  /** The interval's median latency: the lowest over the run stands for the target's no-load latency. */
  p50Ms?: number;
  meanMs?: number;
  activeUsers?: number;
}

export interface LimitFigures {
  model: 'open' | 'closed';
  /** Closed model: the think time each user waits between requests. */
  thinkTimeS?: number;
  samples: readonly LimitSample[];
  /** Cores the generator may use (see coresUsable). */
  coresUsable: number;
  /** Why that many: "one Node.js thread", "CPU affinity: 1 core", "cgroup quota: 0.3 cores", "the machine's 2 cores". */
  coresUsableBecause: string;
  /** Cores of the machine the generator ran on. */
  machineCores: number;
  /** The most one generator process can use, when each is single-threaded (a Locust worker: one
   * Python process, one core), whatever the cores of the whole generator: with the reason. */
  processCeiling?: { cores: number; because: string };
  intervals: readonly LimitInterval[];
  /** Used when no full interval has a plan: the run's achieved over planned rate. */
  achievedToPlannedFallback?: number;
  droppedIterations?: number;
  plannedIterations?: number;
}

export interface LimitVerdict {
  verdict: LimitName;
  /** One line for a person. */
  summary: string;
  /** The evidence, one line each; for kept-up, why nothing counted as a limit. */
  reasons: string[];
  figures: {
    coresUsable: number;
    coresUsableBecause: string;
    generatorCoresMean: number;
    generatorCoresMax: number;
    /** Share of the samples with the generator at or above GENERATOR_BUSY_SHARE of its usable cores. */
    generatorBusyShare: number;
    /** Single-threaded generator processes: the busiest one's CPU, its ceiling, and the share of the time it was at GENERATOR_BUSY_SHARE of it. */
    busiestProcessCoresMean?: number;
    busiestProcessCoresMax?: number;
    processCeilingCores?: number;
    processBusyShare?: number;
    machineCores: number;
    machineBusyCoresMean?: number;
    machineBusyCoresMax?: number;
    /** Share of the samples with every core of the machine busy (MACHINE_BUSY_SHARE). */
    machineBusyShare?: number;
    eventLoopLagMsMedian?: number;
    eventLoopLagMsMax?: number;
    /** Share of the samples whose event-loop delay was at least EVENT_LOOP_LATE_MS. */
    eventLoopLateShare?: number;
    generatorWaitCoresMean?: number;
    /** Share of the samples in which the generator waited for a CPU (HELD_BACK_SHARE, HELD_BACK_MIN_CORES). */
    generatorHeldBackShare?: number;
    /** Achieved over planned requests in the full intervals. */
    achievedToPlannedRatio?: number;
    /** Closed model: achieved over what the users could send at their measured cycle, users / (think + response). */
    achievedToCycleRatio?: number;
    droppedIterations?: number;
    /** Open model: share of the full intervals in which every user was waiting for an answer. */
    usersBusyShare?: number;
    /** p95 at the start (lowest of the first third of the full intervals, or of all when fewer than three) and at the end (median of the last third). */
    p95EarlyMs?: number;
    p95LateMs?: number;
    /** The lowest median latency of any interval (the target's latency with little or no load), and the median p95 of the full intervals. */
    noLoadLatencyMs?: number;
    p95TypicalMs?: number;
  };
}

/** The generator counts as busy at this share of the cores it may use (below 100 %: /proc counts
 * in 10 ms ticks, and a CPU quota is spent in bursts). */
export const GENERATOR_BUSY_SHARE = 0.85;
/** The machine counts as busy (all cores) at this share of its cores: /proc/stat's idle time is under 15 %. */
export const MACHINE_BUSY_SHARE = 0.85;
/** A condition holds over a run when it held in at least this share of the samples. */
export const TIME_SHARE = 0.25;
/** An in-process engine's timers are late by this much: its requests leave late. */
export const EVENT_LOOP_LATE_MS = 50;
/** The generator was held back by the machine in a sample when its threads waited for a CPU at
 * least this share of the time they wanted one, and at least HELD_BACK_MIN_CORES in all (on a
 * loaded machine every wake-up waits a little: a light generator's few milliseconds are no limit). */
export const HELD_BACK_SHARE = 1 / 3;
export const HELD_BACK_MIN_CORES = 0.2;
/** ... in at least this share of the samples. */
export const HELD_BACK_TIME_SHARE = 0.5;
/** Below this share of the planned rate, the run fell short. */
export const MIN_ACHIEVED_RATIO = 0.95;
/** Open model: every user was waiting for an answer when the requests in flight reached this share of them. */
export const USERS_BUSY_SHARE = 0.8;
/** Closed model: below this share of users / (think + response), the users did not cycle on time. */
export const MIN_CYCLE_RATIO = 0.9;
/** Dropped iterations count from this share of the planned ones. */
export const DROPPED_SHARE = 0.005;
/** Latency rose when the late p95 is this many times the early one, and at least LATENCY_RISE_MS more. */
export const LATENCY_RISE_FACTOR = 2;
export const LATENCY_RISE_MS = 10;
/** Latency is high when the run's typical p95 is this many times the no-load latency (the lowest
 * median of any interval), and at least HIGH_LATENCY_MS more: a closed run short of its plan with
 * such latency waited for answers, whatever the shape of the latency over time. */
export const HIGH_LATENCY_FACTOR = 10;
export const HIGH_LATENCY_MS = 50;
/** Co-located on busy cores, the generator shared them in earnest when it used at least this share of the busy cores. */
export const GENERATOR_SHARE_OF_BUSY = 0.25;

/**
 * A share as a percentage that keeps a comparison true: a figure said to be below a line is
 * rounded down (94.96 % prints 94.9 %, never 95 %), one said to be at or above it is rounded up.
 */
export function percentText(fraction: number, side: 'below' | 'at-least' = 'below'): string {
  const tenths = fraction * 1000;
  // Rounding error of the multiplication must not flip an exact figure (0.943 * 1000 = 942.99...).
  const nearest = Math.round(tenths);
  const value = Math.abs(tenths - nearest) < 1e-6 ? nearest : side === 'below' ? Math.floor(tenths) : Math.ceil(tenths);
  return `${(value / 10).toFixed(1)} %`;
}

function coresText(cores: number): string {
  const rounded = Math.round(cores * 100) / 100;
  return `${rounded} core${rounded === 1 ? '' : 's'}`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The cores a generator may use: the fewest of what its engine can run on (one Node.js thread, a
 * Python process), its CPU affinity, its cgroup quota, and the machine. The reason names the cap.
 */
export function coresUsable(input: { machineCores: number; engineThreads?: number; affinityCores?: number; quotaCores?: number }): { cores: number; because: string } {
  const candidates: Array<{ cores: number; because: string }> = [{ cores: input.machineCores, because: `the machine's ${coresText(input.machineCores)}` }];
  if (input.affinityCores !== undefined && input.affinityCores > 0) candidates.push({ cores: input.affinityCores, because: `CPU affinity: ${coresText(input.affinityCores)}` });
  if (input.quotaCores !== undefined && input.quotaCores > 0) candidates.push({ cores: input.quotaCores, because: `cgroup CPU quota: ${coresText(input.quotaCores)}` });
  if (input.engineThreads !== undefined && input.engineThreads > 0) {
    candidates.push({ cores: input.engineThreads, because: input.engineThreads === 1 ? 'one thread runs the engine' : `the engine runs ${input.engineThreads} processes` });
  }
  // The first of equal caps wins, so the machine is named only when nothing else binds.
  return candidates.reduce((best, candidate) => (candidate.cores < best.cores ? candidate : best));
}

interface RateFigures {
  ratio?: number;
  cycleRatio?: number;
  /** Full intervals with users, and those in which every user was waiting for an answer. */
  usersKnown: number;
  usersBusy: number;
  p95EarlyMs?: number;
  p95LateMs?: number;
  noLoadLatencyMs?: number;
  p95TypicalMs?: number;
}

function rateFigures(figures: LimitFigures): RateFigures {
  const full = figures.intervals.filter((interval) => interval.partial === undefined);
  const planned = full.filter((interval) => interval.plannedRps !== undefined && interval.plannedRps > 0);
  const plannedRequests = planned.reduce((sum, interval) => sum + (interval.plannedRps ?? 0) * interval.durationS, 0);
  const ratio = plannedRequests > 0 ? planned.reduce((sum, interval) => sum + interval.requests, 0) / plannedRequests : figures.achievedToPlannedFallback;
  const out: RateFigures = { usersKnown: 0, usersBusy: 0 };
  if (ratio !== undefined) out.ratio = ratio;

  // Little's law per interval: requests in flight = rate x mean response time. When that is about
  // every user (connection, virtual user) the engine had, each was waiting for an answer: the
  // target's response time capped what they could send.
  for (const interval of full) {
    if (interval.activeUsers === undefined || interval.activeUsers <= 0 || interval.meanMs === undefined) continue;
    out.usersKnown += 1;
    const inFlight = (interval.requests / interval.durationS) * (interval.meanMs / 1000);
    if (inFlight >= USERS_BUSY_SHARE * interval.activeUsers) out.usersBusy += 1;
  }

  // Closed model: Little's law over each interval, X = N / (Z + R), with the interval's own users and mean response.
  if (figures.model === 'closed' && figures.thinkTimeS !== undefined && figures.thinkTimeS > 0) {
    let expected = 0;
    let sent = 0;
    for (const interval of full) {
      if (interval.activeUsers === undefined || interval.meanMs === undefined || interval.activeUsers <= 0) continue;
      expected += (interval.activeUsers / (figures.thinkTimeS + interval.meanMs / 1000)) * interval.durationS;
      sent += interval.requests;
    }
    if (expected > 0) out.cycleRatio = sent / expected;
  }

  // Latency is real in the start-up and tail intervals too (only their rates are not): with few
  // long periods (Artillery's 10 s), they are the start and the end.
  const timed = full.filter((interval) => interval.p95Ms !== undefined).length >= 3 ? full : figures.intervals;
  const withLatency = timed.filter((interval) => interval.p95Ms !== undefined).map((interval) => interval.p95Ms as number);
  if (withLatency.length >= 2) {
    const third = Math.max(1, Math.floor(withLatency.length / 3));
    out.p95EarlyMs = Math.min(...withLatency.slice(0, third));
    out.p95LateMs = median(withLatency.slice(-third));
  }
  // Every interval counts for the no-load latency, the start-up included: its few first users are
  // the closest a run comes to an idle target.
  const medians = figures.intervals.filter((interval) => interval.p50Ms !== undefined && interval.requests > 0).map((interval) => interval.p50Ms as number);
  if (medians.length > 0) out.noLoadLatencyMs = Math.min(...medians);
  const fullP95 = full.filter((interval) => interval.p95Ms !== undefined).map((interval) => interval.p95Ms as number);
  if (fullP95.length > 0) out.p95TypicalMs = median(fullP95);
  return out;
}

/**
 * The seconds each sample covers: from the one before it (the first: the median span). An
 * in-process engine's sampler shares the engine's event loop, so a stalled loop stretches a
 * sample over several seconds, and those busy seconds must weigh as seconds, not as one sample.
 */
export function sampleSpans(samples: readonly LimitSample[]): number[] {
  if (samples.length === 0) return [];
  const gaps = samples.slice(1).map((sample, index) => sample.t - (samples[index] as LimitSample).t);
  const positive = gaps.filter((gap) => gap > 0);
  const typical = positive.length > 0 ? median(positive) : 1;
  return [typical, ...gaps.map((gap) => (gap > 0 ? gap : typical))];
}

/** Seconds covered by the samples that have a figure, and by those where it meets a condition. */
function timeShare(samples: readonly LimitSample[], spans: readonly number[], has: (sample: LimitSample) => boolean, meets: (sample: LimitSample) => boolean): { seconds: number; met: number; share?: number } {
  let seconds = 0;
  let met = 0;
  samples.forEach((sample, index) => {
    if (!has(sample)) return;
    const span = spans[index] ?? 1;
    seconds += span;
    if (meets(sample)) met += span;
  });
  return { seconds, met, ...(seconds > 0 ? { share: met / seconds } : {}) };
}

/** The mean of a figure over time (each sample weighted by the seconds it covers). */
function timeMean(samples: readonly LimitSample[], spans: readonly number[], value: (sample: LimitSample) => number | undefined): number | undefined {
  let seconds = 0;
  let sum = 0;
  samples.forEach((sample, index) => {
    const figure = value(sample);
    if (figure === undefined) return;
    const span = spans[index] ?? 1;
    seconds += span;
    sum += figure * span;
  });
  return seconds > 0 ? sum / seconds : undefined;
}

/** Whole seconds for a person ("in 12 of 40 s"). */
function wholeSeconds(seconds: number): number {
  return Math.round(seconds);
}

/** The verdict on what limited a run, with its reasons. */
export function judgeLimit(figures: LimitFigures): LimitVerdict {
  const { samples, coresUsable: usable } = figures;
  const spans = sampleSpans(samples);
  const always = (): boolean => true;
  const generatorCores = samples.map((sample) => sample.generatorCores);
  const busyLine = GENERATOR_BUSY_SHARE * usable;
  const generatorTime = timeShare(samples, spans, always, (sample) => sample.generatorCores >= busyLine);
  const generatorBusy = wholeSeconds(generatorTime.met);
  const generatorBusyShare = generatorTime.share ?? 0;

  // Single-threaded processes (Locust's workers): one at its core's ceiling limits its share of the users.
  const ceiling = figures.processCeiling;
  const hasProcess = (sample: LimitSample): boolean => sample.busiestProcessCores !== undefined;
  const processes = samples.filter(hasProcess).map((sample) => sample.busiestProcessCores as number);
  const processTime = ceiling === undefined ? undefined : timeShare(samples, spans, hasProcess, (sample) => (sample.busiestProcessCores as number) >= GENERATOR_BUSY_SHARE * ceiling.cores);

  const hasMachine = (sample: LimitSample): boolean => sample.machineBusyCores !== undefined;
  const machine = samples.filter(hasMachine).map((sample) => sample.machineBusyCores as number);
  const machineTime = timeShare(samples, spans, hasMachine, (sample) => (sample.machineBusyCores as number) >= MACHINE_BUSY_SHARE * figures.machineCores);
  const machineBusy = wholeSeconds(machineTime.met);
  const machineSeconds = wholeSeconds(machineTime.seconds);
  const machineBusyShare = machineTime.share;

  const hasLag = (sample: LimitSample): boolean => sample.eventLoopLagMs !== undefined;
  const lags = samples.filter(hasLag).map((sample) => sample.eventLoopLagMs as number);
  const lagTime = timeShare(samples, spans, hasLag, (sample) => (sample.eventLoopLagMs as number) >= EVENT_LOOP_LATE_MS);
  const lateLags = wholeSeconds(lagTime.met);
  const eventLoopLateShare = lagTime.share;

  const hasWait = (sample: LimitSample): boolean => sample.generatorWaitCores !== undefined;
  const waits = samples.filter(hasWait);
  const waitTime = timeShare(samples, spans, hasWait, (sample) => {
    const wait = sample.generatorWaitCores as number;
    return wait >= HELD_BACK_MIN_CORES && wait >= HELD_BACK_SHARE * (wait + sample.generatorCores);
  });
  const heldBack = wholeSeconds(waitTime.met);
  const heldBackShare = waitTime.share;
  const generatorMean = timeMean(samples, spans, (sample) => sample.generatorCores) ?? 0;
  const machineMean = timeMean(samples, spans, (sample) => sample.machineBusyCores);

  const rates = rateFigures(figures);
  const dropped = figures.droppedIterations ?? 0;
  const droppedCounts = dropped > 0 && (figures.plannedIterations === undefined || dropped >= DROPPED_SHARE * figures.plannedIterations);
  const waitMean = timeMean(samples, spans, (sample) => sample.generatorWaitCores);

  const result: LimitVerdict['figures'] = {
    coresUsable: round(usable, 3),
    coresUsableBecause: figures.coresUsableBecause,
    generatorCoresMean: round(generatorMean, 3),
    generatorCoresMax: round(generatorCores.length > 0 ? Math.max(...generatorCores) : 0, 3),
    generatorBusyShare: round(generatorBusyShare, 3),
    ...(ceiling !== undefined && processes.length > 0
      ? {
          busiestProcessCoresMean: round(timeMean(samples, spans, (sample) => sample.busiestProcessCores) ?? 0, 3),
          busiestProcessCoresMax: round(Math.max(...processes), 3),
          processCeilingCores: round(ceiling.cores, 3),
          processBusyShare: round(processTime?.share ?? 0, 3),
        }
      : {}),
    machineCores: figures.machineCores,
    ...(machine.length > 0 ? { machineBusyCoresMean: round(machineMean ?? 0, 3), machineBusyCoresMax: round(Math.max(...machine), 3), machineBusyShare: round(machineBusyShare ?? 0, 3) } : {}),
    ...(lags.length > 0 ? { eventLoopLagMsMedian: round(median(lags), 1), eventLoopLagMsMax: round(Math.max(...lags), 1), eventLoopLateShare: round(eventLoopLateShare ?? 0, 3) } : {}),
    ...(waits.length > 0 ? { generatorWaitCoresMean: round(waitMean ?? 0, 3), generatorHeldBackShare: round(heldBackShare ?? 0, 3) } : {}),
    ...(rates.ratio === undefined ? {} : { achievedToPlannedRatio: round(rates.ratio, 4) }),
    ...(rates.cycleRatio === undefined ? {} : { achievedToCycleRatio: round(rates.cycleRatio, 4) }),
    ...(figures.droppedIterations === undefined ? {} : { droppedIterations: figures.droppedIterations }),
    ...(rates.usersKnown > 0 && figures.model === 'open' ? { usersBusyShare: round(rates.usersBusy / rates.usersKnown, 3) } : {}),
    ...(rates.p95EarlyMs === undefined ? {} : { p95EarlyMs: round(rates.p95EarlyMs, 1), p95LateMs: round(rates.p95LateMs ?? 0, 1) }),
    ...(rates.noLoadLatencyMs === undefined ? {} : { noLoadLatencyMs: round(rates.noLoadLatencyMs, 3) }),
    ...(rates.p95TypicalMs === undefined ? {} : { p95TypicalMs: round(rates.p95TypicalMs, 1) }),
  };

  const totalSeconds = wholeSeconds(generatorTime.seconds);
  const generatorLine =
    samples.length === 0
      ? `no CPU sample was taken during the run, so the generator's CPU (and the machine's) is unknown, not zero`
      : `the generator used ${coresText(result.generatorCoresMean)} on average, at most ${coresText(result.generatorCoresMax)}, of the ${coresText(usable)} it may use (${figures.coresUsableBecause})`;
  const cpuAtLimit = samples.length > 0 && generatorBusyShare >= TIME_SHARE;
  const processAtLimit = processTime?.share !== undefined && processTime.share >= TIME_SHARE;
  const loopLate = eventLoopLateShare !== undefined && eventLoopLateShare >= TIME_SHARE;
  const coresBusyAll = machineBusyShare !== undefined && machineBusyShare >= TIME_SHARE;
  // Busy cores limit the generator when it waited for them (half the seconds, not a quarter: on a
  // loaded machine every process waits now and then), or when it used a good share of them itself
  // (co-located with the target: neither side alone set the pace). Without schedstat, busy cores
  // are the evidence.
  const sharedInEarnest = machineMean !== undefined && machineMean > 0 && generatorMean >= GENERATOR_SHARE_OF_BUSY * machineMean;
  const machineFull = coresBusyAll && (heldBackShare === undefined || heldBackShare >= HELD_BACK_TIME_SHARE || sharedInEarnest);
  const shortOfPlan = rates.ratio !== undefined && rates.ratio < MIN_ACHIEVED_RATIO;
  const behindCycle = rates.cycleRatio !== undefined && rates.cycleRatio < MIN_CYCLE_RATIO;
  const usersBusy = figures.model === 'open' && rates.usersKnown > 0 && rates.usersBusy / rates.usersKnown >= 0.5;
  const usersLine = `every user the generator had open was waiting for an answer (in flight = rate × mean response) in ${rates.usersBusy} of ${rates.usersKnown} intervals: the target's response time capped what they could send`;
  const latencyRose =
    rates.p95EarlyMs !== undefined && rates.p95LateMs !== undefined && rates.p95LateMs >= LATENCY_RISE_FACTOR * rates.p95EarlyMs && rates.p95LateMs - rates.p95EarlyMs >= LATENCY_RISE_MS;
  // High whatever its shape over time: a run whose p95 was high from its first interval to its last never "rose".
  const latencyHigh =
    rates.noLoadLatencyMs !== undefined &&
    rates.p95TypicalMs !== undefined &&
    rates.p95TypicalMs >= HIGH_LATENCY_FACTOR * rates.noLoadLatencyMs &&
    rates.p95TypicalMs - rates.noLoadLatencyMs >= HIGH_LATENCY_MS;
  // A closed model that fell short of users / think time while its answers were slow waited for
  // them: it did not keep up, even when its users cycled on time.
  const closedSlow = figures.model === 'closed' && shortOfPlan && latencyHigh;

  const rateLine = rates.ratio === undefined ? undefined : shortOfPlan ? `it sent ${percentText(rates.ratio, 'below')} of the planned request rate (below ${MIN_ACHIEVED_RATIO * 100} %)` : `it sent ${percentText(rates.ratio, 'at-least')} of the planned request rate`;
  const droppedLine = droppedCounts ? `${dropped.toLocaleString('en-US')} iterations dropped${figures.plannedIterations ? ` (${percentText(dropped / figures.plannedIterations, 'at-least')} of the planned ones)` : ''}: no free virtual user to start them on time` : undefined;
  const latencyLine = latencyRose ? `the target's p95 rose from ${result.p95EarlyMs} ms at the start to ${result.p95LateMs} ms at the end` : undefined;
  const highLine = latencyHigh ? `p95 was ${result.p95TypicalMs} ms in a typical interval, ${round((rates.p95TypicalMs ?? 0) / (rates.noLoadLatencyMs ?? 1), 0)} times the no-load latency (the lowest median of any interval, ${result.noLoadLatencyMs} ms)` : undefined;
  const machineLine =
    machineBusyShare === undefined
      ? undefined
      : `all ${coresText(figures.machineCores)} of the machine were busy (≥ ${MACHINE_BUSY_SHARE * 100} %) in ${machineBusy} of ${machineSeconds} s (mean ${coresText(result.machineBusyCoresMean ?? 0)} busy)`;
  const processLine =
    ceiling === undefined || processTime === undefined
      ? undefined
      : `its busiest process was at ≥ ${GENERATOR_BUSY_SHARE * 100} % of the ${coresText(ceiling.cores)} one process can use (${ceiling.because}) in ${wholeSeconds(processTime.met)} of ${wholeSeconds(processTime.seconds)} s (mean ${coresText(result.busiestProcessCoresMean ?? 0)}, max ${coresText(result.busiestProcessCoresMax ?? 0)})`;

  const reasons: string[] = [];
  const push = (...lines: Array<string | undefined>) => reasons.push(...lines.filter((line): line is string => line !== undefined));

  // A late event loop on saturated cores waited for the machine, not for its own work.
  const loopLine = `its event loop was ≥ ${EVENT_LOOP_LATE_MS} ms late in ${lateLags} of ${wholeSeconds(lagTime.seconds)} s (median ${result.eventLoopLagMsMedian} ms, max ${result.eventLoopLagMsMax} ms): requests left later than planned`;
  if (cpuAtLimit || processAtLimit || (loopLate && !machineFull)) {
    if (cpuAtLimit) push(`the generator's CPU was at ≥ ${GENERATOR_BUSY_SHARE * 100} % of the ${coresText(usable)} it may use (${figures.coresUsableBecause}) in ${generatorBusy} of ${totalSeconds} s (mean ${coresText(result.generatorCoresMean)}, max ${coresText(result.generatorCoresMax)})`);
    if (processAtLimit) push(processLine);
    if (loopLate) push(loopLine);
    if (shortOfPlan) push(rateLine);
    if (behindCycle) push(`its users sent ${percentText(rates.cycleRatio ?? 0, 'below')} of what users / (think time + response time) allows`);
    push(droppedLine, latencyLine && `${latencyLine}, measured by a busy generator`, highLine && `${highLine}, measured by a busy generator`);
    return { verdict: 'generator-bound', summary: 'the load generator limited the run: its figures measure the generator, not the system', reasons, figures: result };
  }
  if (machineFull && (shortOfPlan || behindCycle || droppedCounts || latencyRose || loopLate)) {
    push(machineLine, `${generatorLine}: the generator and the processes beside it (the target, when it runs here) shared saturated cores`);
    if (heldBackShare !== undefined) push(`the generator waited for a CPU in ${heldBack} of ${wholeSeconds(waitTime.seconds)} s (${coresText(result.generatorWaitCoresMean ?? 0)} of waiting on average)`);
    if (loopLate) push(loopLine);
    if (shortOfPlan) push(rateLine);
    push(droppedLine, latencyLine, highLine);
    return { verdict: 'machine-bound', summary: 'the machine limited the run: every core was busy, so neither the generator nor the system alone set the pace', reasons, figures: result };
  }
  if (latencyRose || closedSlow || (usersBusy && (shortOfPlan || droppedCounts))) {
    if (latencyRose) push(`${latencyLine} while the generator had headroom`);
    else if (closedSlow) push(`${highLine} while the generator had headroom: its users waited for answers`);
    if (usersBusy && (shortOfPlan || droppedCounts)) push(usersLine);
    push(generatorLine);
    if (coresBusyAll) push(`${machineLine ?? ''}, but the generator seldom waited for a CPU and used little of them: what waited was the target`);
    if (shortOfPlan) push(rateLine);
    push(droppedLine);
    return {
      verdict: 'system-bound',
      summary: latencyRose
        ? 'the system under test limited the run: its latency rose while the generator had headroom'
        : closedSlow
          ? 'the system under test limited the run: its latency was far above its no-load latency while the generator had headroom'
          : 'the system under test limited the run: its response time held every user while the generator had headroom',
      reasons,
      figures: result,
    };
  }
  if ((figures.model === 'open' && (shortOfPlan || droppedCounts)) || behindCycle) {
    if (behindCycle) push(`its users sent ${percentText(rates.cycleRatio ?? 0, 'below')} of what users / (think time + response time) allows`);
    push(shortOfPlan ? rateLine : undefined, droppedLine);
    push(`${generatorLine}; it did not wait for the machine's cores, and neither the target's latency nor its users' wait for answers explains it: the generator's own pacing, or its connection or virtual-user cap, fell behind the plan`);
    return { verdict: 'generator-bound', summary: 'the load generator limited the run: it did not send on the planned schedule', reasons, figures: result };
  }
  push(rateLine, generatorLine);
  if (figures.model === 'closed' && shortOfPlan) {
    const nearNoLoad = rates.noLoadLatencyMs === undefined || rates.p95TypicalMs === undefined ? '' : `, and its p95 (${result.p95TypicalMs} ms in a typical interval) was not far above its no-load latency (${result.noLoadLatencyMs} ms)`;
    push(`a closed model sends less than users / think time as response time adds to each cycle: its users kept their cycle${nearNoLoad}`);
  }
  if (machineLine && coresBusyAll && !machineFull) push(`${machineLine}, but the generator seldom waited for a CPU (in ${heldBack} of ${wholeSeconds(waitTime.seconds)} s)`);
  else if (machineLine) push(coresBusyAll ? `${machineLine}, but the run kept its plan` : `the machine was not saturated: every core busy in ${machineBusy} of ${machineSeconds} s (mean ${coresText(result.machineBusyCoresMean ?? 0)} of ${coresText(figures.machineCores)} busy)`);
  if (rates.p95EarlyMs !== undefined) push(`the target's p95 held (${result.p95EarlyMs} ms at the start, ${result.p95LateMs} ms at the end)`);
  return { verdict: 'kept-up', summary: 'the generator kept up: nothing limited the run', reasons, figures: result };
}
