import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CpuSample } from './normalize.js';
import { countCpuList, type MachineCpuTimes, parseMachineCpu, parseProcCgroup, parseProcStat, parseSchedstat, quotaCores, quotaCoresFromCpuMax } from '../core/procfs.js';

/**
 * Samples the load generator's CPU and resident memory from /proc once a second: the given
 * processes and, optionally, all their descendants (Artillery's workers, k6 has none). Beside
 * them, at the same instants: the whole machine's busy cores (/proc/stat), the CPU affinity and
 * cgroup quota of the generator (the cores it may use), the time its threads waited for a CPU
 * (schedstat: how much a busy machine held it back), and, for an engine running inside this
 * process, this event loop's delay. The limit verdict (src/results/limit-verdict.ts) weighs them.
 */

/** USER_HZ: /proc reports CPU time in clock ticks of 1/100 s on every Linux build we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcTimes {
  ticks: number;
  rssBytes: number;
}

/** Nanoseconds the threads of a process spent runnable but waiting for a CPU (undefined without schedstat). */
async function runQueueWaitNs(pid: number): Promise<number | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  let total: number | undefined;
  for (const tid of tasks) {
    const stat = parseSchedstat((await readText(`/proc/${pid}/task/${tid}/schedstat`)) ?? '');
    if (stat) total = (total ?? 0) + stat.waitNs;
  }
  return total;
}

async function readProc(pid: number): Promise<ProcTimes | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    const parsed = parseProcStat(stat);
    if (!parsed) return undefined;
    const rssKb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return { ticks: parsed.utime + parsed.stime, rssBytes: rssKb === undefined ? 0 : Number(rssKb) * 1024 };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** PIDs of every descendant of `root` (read from /proc/<pid>/stat parent links). */
export async function descendantsOf(root: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const parentOf = new Map<number, number>();
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          const stat = parseProcStat(await readFile(`/proc/${entry}/stat`, 'utf8'));
          if (stat) parentOf.set(stat.pid, stat.ppid);
        } catch {
          // gone already
        }
      }),
  );
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Machine-wide busy cores between two readings of /proc/stat. */
function busyCores(before: { busyTicks: number; totalTicks: number }, after: { busyTicks: number; totalTicks: number; cores: number }): number | undefined {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? Math.max(0, ((after.busyTicks - before.busyTicks) / total) * after.cores) : undefined;
}

async function readMachineCpu(): Promise<ReturnType<typeof parseMachineCpu>> {
  try {
    return parseMachineCpu(await readFile('/proc/stat', 'utf8'));
  } catch {
    return undefined; // not Linux, or /proc hidden: the verdict goes on without the machine
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The tightest quota of a cgroup and its ancestors under one mount point. */
async function quotaUnder(root: string, cgroupPath: string, read: (dir: string) => Promise<number | undefined>): Promise<number | undefined> {
  let tightest: number | undefined;
  for (let dir = cgroupPath; ; dir = path.posix.dirname(dir)) {
    const cores = await read(path.join(root, dir));
    if (cores !== undefined && (tightest === undefined || cores < tightest)) tightest = cores;
    if (dir === '/' || dir === '.' || dir === '') break;
  }
  return tightest;
}

/** How often the event loop's delay is checked, in ms. */
const LOOP_RESOLUTION_MS = 10;

const V1_CPU_ROOTS = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'];
const V2_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/** The CPU affinity (cores) and cgroup CPU quota (cores) of a process; each undefined when unknown or unlimited. */
export async function cpuAllowance(pid: number): Promise<{ affinityCores?: number; quotaCores?: number }> {
  const status = await readText(`/proc/${pid}/status`);
  const list = status === undefined ? undefined : /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1];
  const affinity = list === undefined ? undefined : countCpuList(list);
  const cgroups = parseProcCgroup((await readText(`/proc/${pid}/cgroup`)) ?? '');
  const quotas: number[] = [];
  if (cgroups.v1Cpu !== undefined) {
    for (const root of V1_CPU_ROOTS) {
      const found = await quotaUnder(root, cgroups.v1Cpu, async (dir) => quotaCores(await readText(path.join(dir, 'cpu.cfs_quota_us')), await readText(path.join(dir, 'cpu.cfs_period_us'))));
      if (found !== undefined) quotas.push(found);
    }
  }
  if (cgroups.v2 !== undefined) {
    for (const root of V2_ROOTS) {
      const found = await quotaUnder(root, cgroups.v2, async (dir) => {
        const text = await readText(path.join(dir, 'cpu.max'));
        return text === undefined ? undefined : quotaCoresFromCpuMax(text);
      });
      if (found !== undefined) quotas.push(found);
    }
  }
  return { ...(affinity === undefined ? {} : { affinityCores: affinity }), ...(quotas.length === 0 ? {} : { quotaCores: Math.min(...quotas) }) };
}

export interface ProcSamplerOptions {
  /** Processes to sample; re-evaluated each tick (a child may start after the sampler). */
  pids: () => number[];
  includeDescendants: boolean;
  /** The engine runs inside this process (autocannon): record this event loop's delay, which delays its requests. */
  eventLoop?: boolean;
  /** Run start (ms since the epoch) that sample times are relative to. */
  startedAtMs: number;
  now?: () => number;
  intervalMs?: number;
}

export interface ProcSampler {
  stop(): Promise<CpuSample[]>;
}

export function startProcSampler(options: ProcSamplerOptions): ProcSampler {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const samples: CpuSample[] = [];
  const previous = new Map<number, number>();
  const previousWait = new Map<number, number>();
  let previousAt: number | undefined;
  let previousMachine: MachineCpuTimes | undefined;
  let running: Promise<void> = Promise.resolve();
  let sampling = false;
  let timer: NodeJS.Timeout | undefined;
  /** Whether a process it samples was ever seen running. */
  let seenRunning = false;
  const loopDelay = options.eventLoop ? monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS }) : undefined;
  loopDelay?.enable();

  const sample = async (): Promise<void> => {
    const roots = options.pids();
    const all = new Set(roots);
    if (options.includeDescendants) {
      for (const root of roots) for (const pid of await descendantsOf(root)) all.add(pid);
    }
    // The counters first and the clock right after them: a throttled generator (a CPU quota) may
    // stall anywhere, and a stall between counters and clock would put CPU in the wrong second.
    const times = new Map<number, ProcTimes>();
    for (const pid of all) {
      const read = await readProc(pid);
      if (read) times.set(pid, read);
    }
    const at = now();
    const machine = await readMachineCpu();
    const rootsRunning = roots.filter((pid) => times.has(pid)).length;
    if (rootsRunning > 0) seenRunning = true;
    // Every process it samples has ended (an engine's child that exited, also when the adapter
    // failed before calling stop()): nothing is left to sample, so the timer stops by itself.
    else if (seenRunning) stopTimer();
    // A span much shorter than the interval (a stalled timer firing late, then on time) gives
    // noise, not a rate: the next sample covers it.
    if (previousAt !== undefined && at - previousAt < intervalMs / 2) return;

    const elapsedS = previousAt === undefined ? 0 : (at - previousAt) / 1000;
    let deltaTicks = 0;
    // The busiest single process: a single-threaded one (a Locust worker) is capped at one core
    // however many the generator's processes use together.
    let busiestTicks = 0;
    let deltaWaitNs: number | undefined;
    let rssBytes = 0;
    for (const [pid, read] of times) {
      const before = previous.get(pid);
      // A process first seen now: its CPU so far counts from the previous sample.
      const processTicks = before === undefined ? 0 : read.ticks - before;
      deltaTicks += processTicks;
      busiestTicks = Math.max(busiestTicks, processTicks);
      previous.set(pid, read.ticks);
      rssBytes += read.rssBytes;
      const waitNs = await runQueueWaitNs(pid);
      if (waitNs === undefined) continue;
      const waitedBefore = previousWait.get(pid);
      // Threads that ended since the last sample take their wait with them: never below zero.
      if (waitedBefore !== undefined) deltaWaitNs = (deltaWaitNs ?? 0) + Math.max(0, waitNs - waitedBefore);
      previousWait.set(pid, waitNs);
    }
    const machineBusy = machine && previousMachine ? busyCores(previousMachine, machine) : undefined;
    previousMachine = machine;
    const firstRoot = roots[0];
    const allowance = firstRoot === undefined ? {} : await cpuAllowance(firstRoot);
    // p99 since the last sample, in ms (the histogram counts nanoseconds between the checks, the
    // resolution included: the delay is what goes past it).
    const lagMs = loopDelay && loopDelay.count > 0 ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : undefined;
    loopDelay?.reset();
    if (elapsedS > 0 && times.size > 0) {
      samples.push({
        t: Math.round(((at - options.startedAtMs) / 1000) * 1000) / 1000,
        cpuPercent: Math.round((deltaTicks / CLOCK_TICKS_PER_SECOND / elapsedS) * 100 * 10) / 10,
        busiestProcessPercent: Math.round((busiestTicks / CLOCK_TICKS_PER_SECOND / elapsedS) * 100 * 10) / 10,
        rssBytes,
        ...(machineBusy === undefined || !machine ? {} : { machineBusyCores: Math.round(machineBusy * 1000) / 1000, machineCores: machine.cores }),
        ...allowance,
        ...(lagMs === undefined ? {} : { eventLoopLagMs: Math.round(lagMs * 10) / 10 }),
        ...(deltaWaitNs === undefined ? {} : { runQueueWaitCores: Math.round((deltaWaitNs / 1e9 / elapsedS) * 1000) / 1000 }),
      });
    }
    previousAt = at;
  };
  const stopTimer = (): void => {
    clearInterval(timer);
    timer = undefined;
    loopDelay?.disable();
  };
  /** One sample at a time: a tick that finds the last one still reading is skipped. */
  const tick = (): void => {
    if (sampling) return;
    sampling = true;
    running = sample()
      .catch(() => undefined)
      .finally(() => {
        sampling = false;
      });
  };

  // Prime the per-process counters so the first sample covers one full interval.
  tick();
  timer = setInterval(tick, intervalMs);
  timer.unref();

  return {
    async stop() {
      stopTimer();
      await running;
      // The stretch since the last sample: a generator starved of CPU (its sampler on its own
      // event loop) may have taken no sample at all in the run, and this one then covers it whole.
      if (previousAt !== undefined && now() - previousAt >= intervalMs / 2) await sample().catch(() => undefined);
      return samples;
    },
  };
}
