/**
 * Parsing of /proc and /etc/passwd text (/proc/<pid>/stat is in src/os/procfs.ts). Pure: the I/O is in processes.ts.
 */

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
