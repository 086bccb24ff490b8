/**
 * The system binaries the local stack runs, found on the caller's PATH (plus the places Debian
 * keeps them off a non-root PATH) or given explicitly.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findBinary, findPostgresBinDir } from '../../core/binaries.js';
import { CapacityError, ExitCode } from '../../core/errors.js';
import type { UpOptions } from '../types.js';

export interface StackBinaries {
  /** Holds postgres, initdb and psql (symlinks on PATH resolved to the real folder). */
  postgresBinDir: string;
  redisServer: string;
  nginx: string;
  prometheus: string;
}

interface Wanted {
  label: string;
  /** Debian package that provides it. */
  aptPackage: string;
}

const WANTED: Record<keyof StackBinaries, Wanted> = {
  postgresBinDir: { label: 'PostgreSQL server (postgres, initdb, psql)', aptPackage: 'postgresql' },
  redisServer: { label: 'redis-server', aptPackage: 'redis-server' },
  nginx: { label: 'nginx', aptPackage: 'nginx-light' },
  prometheus: { label: 'prometheus', aptPackage: 'prometheus' },
};

/** A PATH folder may hold only symlinks to postgres and initdb: use the folder they point into. */
function realPostgresBinDir(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  try {
    const real = dirname(realpathSync(join(dir, 'postgres')));
    return ['postgres', 'initdb', 'psql'].every((name) => existsSync(join(real, name))) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Every binary, or exit 3 naming each missing one with its install command. */
export function locateBinaries(options: Pick<UpOptions, 'path' | 'binaries'>): StackBinaries {
  const explicit = options.binaries ?? {};
  const path = options.path;
  const found: Partial<StackBinaries> = {
    postgresBinDir:
      explicit.postgresBinDir !== undefined
        ? ['postgres', 'initdb', 'psql'].every((name) => existsSync(join(explicit.postgresBinDir as string, name)))
          ? explicit.postgresBinDir
          : undefined
        : realPostgresBinDir(findPostgresBinDir({ path })),
    redisServer: findBinary(explicit.redisServer ?? 'redis-server', { path }),
    // Debian puts nginx in /usr/sbin, which a non-root PATH lacks.
    nginx: findBinary(explicit.nginx ?? 'nginx', { path, extraDirs: explicit.nginx ? [] : ['/usr/sbin', '/sbin'] }),
    prometheus: findBinary(explicit.prometheus ?? 'prometheus', { path }),
  };
  const missing = (Object.keys(WANTED) as Array<keyof StackBinaries>).filter((key) => !found[key]);
  if (missing.length > 0) {
    const details = missing.map((key) => {
      const given = explicit[key];
      return `${WANTED[key].label}: ${given ? `not found at ${given}` : 'not found on PATH'} (install: apt-get install ${WANTED[key].aptPackage})`;
    });
    throw new CapacityError(`missing ${missing.length === 1 ? 'a binary' : 'binaries'} for the local stack`, {
      exitCode: ExitCode.MissingDependency,
      details,
      hint: `sudo apt-get install ${missing.map((key) => WANTED[key].aptPackage).join(' ')} (or run \`npm run setup\`); \`capacity doctor\` lists everything`,
    });
  }
  return found as StackBinaries;
}
