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
