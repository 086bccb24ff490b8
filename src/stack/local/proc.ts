/**
 * Parsing of /proc and /etc/passwd text. Pure: the I/O is in processes.ts.
 */

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** User and system CPU time, clock ticks. */
  utime: number;
  stime: number;
  /** Clock ticks since boot when the process started: with the PID, a process's identity. */
  startTime: number;
}

/** Parses /proc/<pid>/stat; undefined when the text is not one. */
export function parseProcStat(text: string): ProcStat | undefined {
  // comm is in parentheses and may itself contain spaces and parentheses: split at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3]);
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utime: field(14),
    stime: field(15),
    startTime: field(22),
  };
  const numbers = [stat.pid, stat.ppid, stat.pgrp, stat.session, stat.utime, stat.stime, stat.startTime];
  if (!stat.state || numbers.some((value) => !Number.isInteger(value))) return undefined;
  return stat;
}

/** /proc/<pid>/cmdline: NUL-separated arguments (some programs rewrite it as one string). */
export function parseCmdline(text: string): string[] {
  return text.split('\0').filter((part) => part.length > 0);
}

/**
 * Whether a command line belongs to the expected program: its first word's basename is the
 * program (nginx and redis rewrite their title to "nginx: master process ..." and
 * "redis-server 127.0.0.1:port", hence the split on spaces and colons).
 */
export function cmdlineMatches(args: string[], expected: string): boolean {
  const first = args.join(' ').trim().split(/[\s:]+/)[0] ?? '';
  const base = first.slice(first.lastIndexOf('/') + 1);
  return base === expected;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || uid === undefined || gid === undefined) continue;
    const entry = { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
    if (Number.isInteger(entry.uid) && Number.isInteger(entry.gid)) entries.push(entry);
  }
  return entries;
}

export interface DirectoryFacts {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The first directory on the way that `uid`/`gid` may not enter (no x bit for it); undefined if none. */
export function firstUntraversable(dirs: DirectoryFacts[], user: { uid: number; gid: number }): string | undefined {
  for (const dir of dirs) {
    const bit = dir.uid === user.uid ? 0o100 : dir.gid === user.gid ? 0o010 : 0o001;
    if ((dir.mode & bit) === 0) return dir.path;
  }
  return undefined;
}
