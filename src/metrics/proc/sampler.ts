/**
 * Per-process sampler of the local stack: every second, for each component, the CPU ticks and
 * resident memory of its whole process tree (nginx master and workers, the postmaster and its
 * backends, ...) read from /proc. Linux only.
 */
import { readFile, readdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ServerSeries } from '../../results/schema.js';
import { METRICS, finitePoints } from '../series.js';
import type { Collector, CollectorClock } from '../types.js';
import { systemClock } from '../types.js';
import { type TreeSample, cpuCoresFromSamples, parseChildren, parseProcStat, parseProcStatm, parseSchedstat, processCpuSeconds } from './parse.js';

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

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // the process or thread exited meanwhile
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
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly samples = new Map<string, TreeSample[]>();

  constructor(private readonly options: ProcSamplerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.intervalMs = options.intervalMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.clockTicks = options.clockTicksPerSecond;
    this.pageSize = options.pageSizeBytes;
  }

  async start(runStart: Date): Promise<void> {
    this.runStartMs = runStart.getTime();
    this.clockTicks ??= await getconf('CLK_TCK', 100);
    this.pageSize ??= await getconf('PAGESIZE', 4096);
    await this.sampleOnce();
    this.timer = setInterval(() => {
      // Skip a tick rather than pile reads up when the machine is slow.
      if (this.inFlight) return;
      this.inFlight = this.sampleOnce().finally(() => {
        this.inFlight = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<ServerSeries[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.inFlight) await this.inFlight;
    await this.sampleOnce();
    return this.series();
  }

  /** The PIDs of a process and all its descendants, through the per-thread children lists. */
  async processTree(rootPid: number): Promise<number[]> {
    const seen = new Set<number>();
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      let tasks: string[];
      try {
        tasks = await readdir(`${this.procRoot}/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tasks) {
        const text = await readText(`${this.procRoot}/${pid}/task/${tid}/children`);
        if (text !== undefined) queue.push(...parseChildren(text));
      }
    }
    return [...seen];
  }

  /** Run times of a process's threads (ns); undefined when schedstat cannot be read. */
  private async threadRunTimes(pid: number): Promise<number[] | undefined> {
    let tasks: string[];
    try {
      tasks = await readdir(`${this.procRoot}/${pid}/task`);
    } catch {
      return undefined;
    }
    const times = await Promise.all(tasks.map(async (tid) => parseSchedstat((await readText(`${this.procRoot}/${pid}/task/${tid}/schedstat`)) ?? '')));
    // A thread that exited between listing and reading just drops out; no thread at all means no schedstat.
    const known = times.filter((ns): ns is number => ns !== undefined);
    return known.length > 0 ? known : undefined;
  }

  private async sampleOnce(): Promise<void> {
    const clockTicks = this.clockTicks ?? 100;
    for (const target of this.options.targets) {
      const pids = await this.processTree(target.pid);
      // Read the whole tree at once and stamp it with the middle of the reads: on a busy machine
      // a sequential walk can take long enough to skew the per-second figures.
      const before = this.clock.now();
      const readings = await Promise.all(
        pids.map(async (pid) => {
          const [statText, statmText, runTimes] = await Promise.all([
            readText(`${this.procRoot}/${pid}/stat`),
            readText(`${this.procRoot}/${pid}/statm`),
            this.threadRunTimes(pid),
          ]);
          return { stat: parseProcStat(statText ?? ''), statm: parseProcStatm(statmText ?? ''), runTimes };
        }),
      );
      const t = ((before + this.clock.now()) / 2 - this.runStartMs) / 1000;
      let cpuSeconds = 0;
      let residentPages = 0;
      let processes = 0;
      for (const { stat, statm, runTimes } of readings) {
        if (!stat || !statm) continue;
        processes += 1;
        cpuSeconds += processCpuSeconds(stat, runTimes, clockTicks);
        residentPages += statm.residentPages;
      }
      if (processes === 0) continue; // the component is not running: no point rather than a zero
      let list = this.samples.get(target.name);
      if (!list) {
        list = [];
        this.samples.set(target.name, list);
      }
      list.push({ t, cpuSeconds, rssBytes: residentPages * (this.pageSize ?? 4096), processes });
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
    }
    return out;
  }
}
