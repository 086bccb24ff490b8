/**
 * Pure readers of the /proc files the sampler uses (see proc(5)). Each returns undefined for text
 * it cannot read: a process may exit between listing and reading, leaving an empty file.
 */
import type { ProcStat } from '../../core/procfs.js';

export type { ProcStat } from '../../core/procfs.js';

export interface ProcStatm {
  sizePages: number;
  residentPages: number;
  /** Resident pages backed by files or shared memory (counted again in every process mapping them). */
  sharedPages: number;
}

/** Reads /proc/<pid>/statm (sizes in pages). */
export function parseProcStatm(text: string): ProcStatm | undefined {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length < 3 || fields.slice(0, 3).some((n) => !Number.isInteger(n) || n < 0)) return undefined;
  return { sizePages: fields[0] as number, residentPages: fields[1] as number, sharedPages: fields[2] as number };
}

/** Reads /proc/<pid>/task/<tid>/children: space-separated PIDs. */
export function parseChildren(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((field) => /^\d+$/.test(field))
    .map(Number);
}

/** Total CPU ticks a process tree has used, counting children already reaped by their parents. */
export function treeTicks(stats: ProcStat[]): number {
  return stats.reduce((total, s) => total + s.utime + s.stime + s.cutime + s.cstime, 0);
}

/**
 * CPU-seconds one process has used, its reaped children included. The threads' schedstat run
 * times are exact to the nanosecond, where utime and stime come in 10 ms ticks — too coarse for a
 * tier that uses a few ticks a second; without them (no schedstat) the ticks are used.
 */
export function processCpuSeconds(stat: ProcStat, threadRunNs: number[] | undefined, clockTicksPerSecond: number): number {
  const children = (stat.cutime + stat.cstime) / clockTicksPerSecond;
  if (threadRunNs === undefined || threadRunNs.length === 0) return (stat.utime + stat.stime) / clockTicksPerSecond + children;
  return threadRunNs.reduce((sum, ns) => sum + ns, 0) / 1e9 + children;
}

export interface TreeSample {
  /** Seconds since the run started. */
  t: number;
  /** CPU-seconds the tree has used so far (a counter). */
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
  /** Times the tree's threads were put on a CPU so far (a counter; schedstat's timeslices); undefined without schedstat. */
  timeslices?: number;
}

/** Per-second rate of a counter between successive samples; a fall in the counter counts as zero, a sample without it is skipped. */
function counterRates(samples: TreeSample[], counter: (sample: TreeSample) => number | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < samples.length; i += 1) {
    const previous = samples[i - 1] as TreeSample;
    const current = samples[i] as TreeSample;
    const elapsed = current.t - previous.t;
    const [before, after] = [counter(previous), counter(current)];
    if (!(elapsed > 0) || before === undefined || after === undefined) continue;
    out.push([current.t, Math.max(0, after - before) / elapsed]);
  }
  return out;
}

/**
 * Wake-ups per second of one process tree between successive samples: the times its threads were
 * put on a CPU. An event-driven server sleeps in epoll_wait between batches of events, so each of
 * its wake-ups is one batch; a fall in the total (a thread or process exited) counts as zero.
 */
export function wakeupsFromSamples(samples: TreeSample[]): Array<[number, number]> {
  return counterRates(samples, (sample) => sample.timeslices);
}

/**
 * CPU cores used between successive samples of one process tree. A fall in the total (a process
 * exited before its parent reaped it) counts as zero rather than as negative work.
 */
export function cpuCoresFromSamples(samples: TreeSample[]): Array<[number, number]> {
  return counterRates(samples, (sample) => sample.cpuSeconds);
}
