/**
 * Pure parsing of /proc/<pid>/stat (see proc(5)), shared by the stack driver (process identity),
 * the server-side sampler (CPU per tier) and the load generator's sampler. Returns undefined for
 * text it cannot read: a process may exit between listing and reading, leaving an empty file.
 */
export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks spent in user and kernel mode by the process itself. */
  utime: number;
  stime: number;
  /** Clock ticks of its children that exited and were waited for. */
  cutime: number;
  cstime: number;
  numThreads: number;
  /** Clock ticks after boot at which the process started: with the PID, a process's identity. */
  startTime: number;
}

/** The command name may hold spaces and parentheses: it ends at the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields after the name, numbered from 3 (state) as in proc(5).
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const stat: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    numThreads: field(20),
    startTime: field(22),
  };
  const numbers = [stat.pid, stat.ppid, stat.pgrp, stat.session, stat.utime, stat.stime, stat.cutime, stat.cstime, stat.numThreads, stat.startTime];
  return stat.state && numbers.every((n) => Number.isInteger(n) && n >= 0) ? stat : undefined;
}

/** The whole machine's CPU time from /proc/stat: busy and total clock ticks over all cores, and the core count. */
export interface MachineCpuTimes {
  busyTicks: number;
  totalTicks: number;
  cores: number;
}

/** Parses /proc/stat: its aggregate `cpu` line (busy = everything but idle and iowait) and its `cpuN` lines. */
export function parseMachineCpu(text: string): MachineCpuTimes | undefined {
  let aggregate: number[] | undefined;
  let cores = 0;
  for (const line of text.split('\n')) {
    const [name, ...fields] = line.trim().split(/\s+/);
    if (name === 'cpu') aggregate = fields.map(Number);
    else if (name !== undefined && /^cpu\d+$/.test(name)) cores += 1;
  }
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  if (!aggregate || aggregate.length < 4 || aggregate.slice(0, 8).some((value) => !Number.isFinite(value) || value < 0)) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = aggregate;
  const busyTicks = user + nice + system + irq + softirq + steal;
  return { busyTicks, totalTicks: busyTicks + idle + iowait, cores: Math.max(1, cores) };
}

/** The number of CPUs in a list such as `0-3,6,8-9` (Cpus_allowed_list in /proc/<pid>/status); undefined when unreadable. */
export function countCpuList(list: string): number | undefined {
  let count = 0;
  for (const part of list.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) return undefined;
    count += to - from + 1;
  }
  return count > 0 ? count : undefined;
}

/** Where a process sits in the CPU cgroup hierarchies, from /proc/<pid>/cgroup: the v1 `cpu` controller's path and the v2 path. */
export function parseProcCgroup(text: string): { v1Cpu?: string; v2?: string } {
  const found: { v1Cpu?: string; v2?: string } = {};
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers = '', cgroupPath = ''] = match;
    if (id === '0' && controllers === '') found.v2 = cgroupPath;
    else if (controllers.split(',').includes('cpu')) found.v1Cpu = cgroupPath;
  }
  return found;
}

/** Cores a CPU quota allows: cgroup v2 `cpu.max` ("max 100000" or "30000 100000"); undefined when unlimited. */
export function quotaCoresFromCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  return quotaCores(quota, period);
}

/** Cores a cgroup v1 quota allows (cpu.cfs_quota_us over cpu.cfs_period_us; -1 is unlimited). */
export function quotaCores(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

/**
 * /proc/<pid>/task/<tid>/schedstat: nanoseconds on a CPU, nanoseconds runnable but waiting for one,
 * and timeslices: how many times the thread was put on a CPU (each wake-up, and each return after
 * a preemption). Kernels before 2.6.23 print no third field: timeslices is then undefined.
 */
export function parseSchedstat(text: string): { runNs: number; waitNs: number; timeslices: number | undefined } | undefined {
  const [run, wait, slices] = text.trim().split(/\s+/).map(Number);
  if (run === undefined || wait === undefined || !Number.isFinite(run) || !Number.isFinite(wait) || run < 0 || wait < 0) return undefined;
  return { runNs: run, waitNs: wait, timeslices: slices !== undefined && Number.isInteger(slices) && slices >= 0 ? slices : undefined };
}
