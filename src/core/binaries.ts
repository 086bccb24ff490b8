/**
 * Where binaries, npm packages and the project itself are on this machine. Synchronous and
 * dependency-free; PATH and the project root are parameters (never process.env): the CLI
 * resolves them once and injects them (ProcessContext.projectRoot).
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

export interface LookupOptions {
  /** A PATH-style list of directories (':'-separated on Linux); undefined or '' means none. */
  path: string | undefined;
  /** Directories tried after PATH, in order. */
  extraDirs?: readonly string[];
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the first executable `name` in PATH, then in extraDirs; undefined if none. */
export function findBinary(name: string, options: LookupOptions): string | undefined {
  if (isAbsolute(name)) return isExecutableFile(name) ? name : undefined;
  const dirs = [...(options.path ?? '').split(delimiter), ...(options.extraDirs ?? [])];
  for (const dir of dirs) {
    // An empty PATH entry means the working directory; we never want that implicitly.
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export const DEFAULT_POSTGRES_ROOT = '/usr/lib/postgresql';

function compareVersionsDescending(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0 && !Number.isNaN(diff)) return diff;
  }
  return b.localeCompare(a);
}

/** Debian/Ubuntu keep PostgreSQL's server binaries off PATH, in /usr/lib/postgresql/<major>/bin. */
export function postgresVersionedBinDirs(postgresRoot: string = DEFAULT_POSTGRES_ROOT): string[] {
  let entries: string[];
  try {
    entries = readdirSync(postgresRoot);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort(compareVersionsDescending)
    .map((entry) => join(postgresRoot, entry, 'bin'));
}

/**
 * A directory holding both `initdb` and `postgres` (they must come from the same version):
 * PATH first (the user's choice), then the newest /usr/lib/postgresql/<major>/bin.
 */
export function findPostgresBinDir(options: { path: string | undefined; postgresRoot?: string }): string | undefined {
  const onPath = findBinary('postgres', { path: options.path });
  if (onPath && isExecutableFile(join(dirname(onPath), 'initdb'))) return dirname(onPath);
  for (const dir of postgresVersionedBinDirs(options.postgresRoot)) {
    if (isExecutableFile(join(dir, 'postgres')) && isExecutableFile(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

/** A binary installed by npm in the project: `<root>/node_modules/.bin/<name>`. */
export function findNodeModuleBin(projectRoot: string, name: string): string | undefined {
  return findBinary(name, { path: undefined, extraDirs: [join(projectRoot, 'node_modules', '.bin')] });
}

/** The installed version of an npm package of the project, from its package.json. */
export function nodePackageVersion(projectRoot: string, packageName: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(projectRoot, 'node_modules', packageName, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `start` (inclusive) whose package.json is named "capacity". */
export function findProjectRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'capacity') return dir;
      } catch {
        // unreadable manifest: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
