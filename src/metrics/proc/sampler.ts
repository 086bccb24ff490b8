/**
 * Per-process sampler of the local stack: every second, for each component, the CPU time, wake-ups
 * and resident memory of its whole process tree (nginx master and workers, the postmaster and its
 * backends, ...) read from /proc. Linux only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ServerSeries } from '../../results/schema.js';
import { METRICS, finitePoints } from '../series.js';
import type { Collector, CollectorClock } from '../types.js';
import { systemClock } from '../types.js';
import { parseProcStat, parseSchedstat } from '../../core/procfs.js';
import { type TreeSample, cpuCoresFromSamples, parseChildren, parseProcStatm, processCpuSeconds, wakeupsFromSamples } from './parse.js';
import { PeriodicTask } from '../periodic.js';

const execFileAsync = promisify(execFile);

export interface ProcTarget {
  /** Series instance name, e.g. "app1", "nginx". */
  name: string;
  tier: string;
  pid: number;
}

export interface ProcSamplerOptions {
  targets: ProcTarget[];
  intervalMs?: number;
  /** For tests: another root than /proc. */
  procRoot?: string;
  clockTicksPerSecond?: number;
  pageSizeBytes?: number;
  clock?: CollectorClock;
}

/** Reads a system constant with getconf once; falls back to the usual Linux value. */
async function getconf(name: string, fallback: number): Promise<number> {
  try {
    const { stdout } = await execFileAsync('getconf', [name], { timeout: 5000 });
    const value = Number(stdout.trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

// /proc files are generated in memory: synchronous reads cost microseconds, where the promise
// API's open/read/close round trips through the thread pool cost many times the work itself.
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread exited meanwhile
  }
}

function listDir(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}

export class ProcSampler implements Collector {
  readonly name = 'proc';
  private readonly procRoot: string;
  private readonly intervalMs: number;
  private readonly clock: CollectorClock;
  private clockTicks: number | undefined;
  private pageSize: number | undefined;
  private runStartMs = 0;
  private readonly periodic: PeriodicTask;
  private readonly samples = new Map<string, TreeSample[]>();

  constructor(private readonly options: ProcSamplerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.intervalMs = options.intervalMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.clockTicks = options.clockTicksPerSecond;
    this.pageSize = options.pageSizeBytes;
    this.periodic = new PeriodicTask(() => this.sampleOnce(), this.intervalMs);
  }

  async start(runStart: Date): Promise<void> {
    this.runStartMs = runStart.getTime();
    this.clockTicks ??= await getconf('CLK_TCK', 100);
    this.pageSize ??= await getconf('PAGESIZE', 4096);
    await this.periodic.start();
  }

  async stop(): Promise<ServerSeries[]> {
    await this.periodic.stop();
    return this.series();
  }

  snapshot(): ServerSeries[] {
    return this.series().filter((series) => series.metric === METRICS.cpu.metric);
  }

  /** The PIDs of a process and all its descendants, through the per-thread children lists. */
  async processTree(rootPid: number): Promise<number[]> {
    return this.treeOf(rootPid);
  }

  private treeOf(rootPid: number): number[] {
    const seen = new Set<number>();
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      for (const tid of listDir(`${this.procRoot}/${pid}/task`) ?? []) {
        const text = readText(`${this.procRoot}/${pid}/task/${tid}/children`);
        if (text !== undefined) queue.push(...parseChildren(text));
      }
    }
    return [...seen];
  }

  /** Run times (ns) and timeslices of a process's threads; undefined when schedstat cannot be read. */
  private threadSchedstats(pid: number): { runNs: number[]; timeslices: number | undefined } | undefined {
    const runNs: number[] = [];
    let timeslices: number | undefined = 0;
    for (const tid of listDir(`${this.procRoot}/${pid}/task`) ?? []) {
      // A thread that exited between listing and reading just drops out.
      const stat = parseSchedstat(readText(`${this.procRoot}/${pid}/task/${tid}/schedstat`) ?? '');
      if (!stat) continue;
      runNs.push(stat.runNs);
      timeslices = timeslices === undefined || stat.timeslices === undefined ? undefined : timeslices + stat.timeslices;
    }
    return runNs.length > 0 ? { runNs, timeslices } : undefined;
  }

  private async sampleOnce(): Promise<void> {
    const clockTicks = this.clockTicks ?? 100;
    for (const target of this.options.targets) {
      const pids = this.treeOf(target.pid);
      // Stamp the tree with the middle of its reads (they take well under a millisecond).
      const before = this.clock.now();
      let cpuSeconds = 0;
      let residentPages = 0;
      let processes = 0;
      let timeslices: number | undefined = 0;
      for (const pid of pids) {
        const stat = parseProcStat(readText(`${this.procRoot}/${pid}/stat`) ?? '');
        const statm = parseProcStatm(readText(`${this.procRoot}/${pid}/statm`) ?? '');
        if (!stat || !statm) continue;
        processes += 1;
        const threads = this.threadSchedstats(pid);
        cpuSeconds += processCpuSeconds(stat, threads?.runNs, clockTicks);
        timeslices = timeslices === undefined || threads?.timeslices === undefined ? undefined : timeslices + threads.timeslices;
        residentPages += statm.residentPages;
      }
      const t = ((before + this.clock.now()) / 2 - this.runStartMs) / 1000;
      if (processes === 0) continue; // the component is not running: no point rather than a zero
      let list = this.samples.get(target.name);
      if (!list) {
        list = [];
        this.samples.set(target.name, list);
      }
      list.push({ t, cpuSeconds, rssBytes: residentPages * (this.pageSize ?? 4096), processes, ...(timeslices === undefined ? {} : { timeslices }) });
    }
  }

  private series(): ServerSeries[] {
    const out: ServerSeries[] = [];
    for (const target of this.options.targets) {
      const samples = this.samples.get(target.name) ?? [];
      if (samples.length === 0) continue;
      const base = { tier: target.tier, instance: target.name, source: 'proc' as const };
      out.push({ ...base, ...METRICS.cpu, points: finitePoints(cpuCoresFromSamples(samples)) });
      out.push({ ...base, ...METRICS.rss, points: finitePoints(samples.map((s) => [s.t, s.rssBytes])) });
      out.push({ ...base, ...METRICS.processes, points: finitePoints(samples.map((s) => [s.t, s.processes])) });
      const wakeups = wakeupsFromSamples(samples);
      if (wakeups.length > 0) out.push({ ...base, ...METRICS.wakeups, points: finitePoints(wakeups) });
    }
    return out;
  }
}
