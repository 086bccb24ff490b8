import { readFile, readdir } from 'node:fs/promises';
import type { CpuSample } from './normalize.js';
import { parseProcStat } from '../core/procfs.js';

/**
 * Samples the load generator's CPU and resident memory from /proc once a second: the given
 * processes and, optionally, all their descendants (Artillery's workers, k6 has none).
 */

/** USER_HZ: /proc reports CPU time in clock ticks of 1/100 s on every Linux build we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcTimes {
  ticks: number;
  rssBytes: number;
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

export interface ProcSamplerOptions {
  /** Processes to sample; re-evaluated each tick (a child may start after the sampler). */
  pids: () => number[];
  includeDescendants: boolean;
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
  const samples: CpuSample[] = [];
  const previous = new Map<number, number>();
  let previousAt = now();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  /** Whether a process it samples was ever seen running. */
  let seenRunning = false;

  const sample = async (): Promise<void> => {
    const roots = options.pids();
    const all = new Set(roots);
    if (options.includeDescendants) {
      for (const root of roots) for (const pid of await descendantsOf(root)) all.add(pid);
    }
    const at = now();
    const elapsedS = (at - previousAt) / 1000;
    let deltaTicks = 0;
    let rssBytes = 0;
    let rootsRunning = 0;
    for (const pid of all) {
      const times = await readProc(pid);
      if (!times) continue;
      if (roots.includes(pid)) rootsRunning += 1;
      const before = previous.get(pid);
      // A process first seen now: its CPU so far counts from the previous sample.
      deltaTicks += before === undefined ? 0 : times.ticks - before;
      previous.set(pid, times.ticks);
      rssBytes += times.rssBytes;
    }
    if (elapsedS > 0 && previous.size > 0) {
      samples.push({
        t: Math.round(((at - options.startedAtMs) / 1000) * 1000) / 1000,
        cpuPercent: Math.round(((deltaTicks / CLOCK_TICKS_PER_SECOND / elapsedS) * 100) * 10) / 10,
        rssBytes,
      });
    }
    previousAt = at;
    // Every process it samples has ended (an engine's child that exited, also when the adapter
    // failed before calling stop()): nothing is left to sample, so the timer stops by itself.
    if (rootsRunning > 0) seenRunning = true;
    else if (seenRunning) stopTimer();
  };
  const stopTimer = (): void => {
    clearInterval(timer);
    timer = undefined;
  };

  // Prime the per-process counters so the first sample covers one full second.
  running = sample().then(() => {
    samples.length = 0;
  });
  timer = setInterval(() => {
    running = running.then(sample, sample);
  }, options.intervalMs ?? 1000);
  timer.unref();

  return {
    async stop() {
      stopTimer();
      await running.catch(() => undefined);
      return samples;
    },
  };
}
