/**
 * `up`'s pre-flight: every check that can fail before anything is written (options, binaries,
 * the reference app build, a running stack, the data dir's version, users, fixed ports).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CapacityError, ExitCode, badInput, missingDependency } from '../../core/errors.js';
import type { UpOptions } from '../types.js';
import { locateBinaries, type StackBinaries } from './binaries.js';
import { stackLayout, type StackLayout } from './layout.js';
import { refuseIfRunning } from './lock.js';
import { readMachineFacts } from './machine.js';
import { inspectDataDir, postgresMajorVersion, type DataDirState } from './postgres.js';
import { FIXED_PORT_OPTIONS, LOOPBACK, MAX_APPS, assertPortFree, fixedPortProblems, type FixedPortName } from './ports.js';
import { firstUntraversable, parsePasswd, type DirectoryFacts, type PasswdEntry } from './proc.js';
import type { MachineFacts } from './tuning.js';

/** Every problem with the numeric options, as bad-input details. Pure. */
export function upOptionProblems(options: Pick<UpOptions, 'apps' | 'seedUsers' | 'pgPoolSize' | 'timeoutMs' | 'ports'>): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(options.apps) || options.apps < 1 || options.apps > MAX_APPS) {
    problems.push(`--apps ${options.apps}: an integer from 1 to ${MAX_APPS}`);
  }
  if (options.seedUsers !== undefined && (!Number.isInteger(options.seedUsers) || options.seedUsers < 0)) {
    problems.push(`--seed-users ${options.seedUsers}: a whole number of users, 0 or more`);
  }
  if (options.pgPoolSize !== undefined && (!Number.isInteger(options.pgPoolSize) || options.pgPoolSize < 1 || options.pgPoolSize > 500)) {
    problems.push(`--pg-pool ${options.pgPoolSize}: an integer from 1 to 500`);
  }
  if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)) {
    problems.push(`--timeout: a positive number of seconds`);
  }
  problems.push(...fixedPortProblems(options.ports));
  return problems;
}

export interface ReferenceApp {
  dir: string;
  server: string;
  migrate: string;
  seed: string;
}

function locateReferenceApp(dir: string | undefined, projectRoot: string): ReferenceApp {
  const appDir = dir ?? join(projectRoot, 'reference-app');
  const app = {
    dir: appDir,
    server: join(appDir, 'dist', 'server.js'),
    migrate: join(appDir, 'dist', 'migrate.js'),
    seed: join(appDir, 'dist', 'seed.js'),
  };
  const missing = [app.server, app.migrate, app.seed].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new CapacityError('the reference app is not built', {
      exitCode: ExitCode.MissingDependency,
      details: missing.map((file) => `missing ${file}`),
      hint: 'run `npm run build` (or `npm run setup`)',
    });
  }
  return app;
}

/** The chain of existing directories from / down to `dir` (for the postgres user's access check). */
function existingAncestors(dir: string): DirectoryFacts[] {
  const chain: DirectoryFacts[] = [];
  let current = dir;
  for (;;) {
    if (existsSync(current)) {
      const stat = statSync(current);
      chain.unshift({ path: current, mode: stat.mode, uid: stat.uid, gid: stat.gid });
    }
    const parent = dirname(current);
    if (parent === current) return chain;
    current = parent;
  }
}

export function lookupUser(name: string): PasswdEntry | undefined {
  try {
    return parsePasswd(readFileSync('/etc/passwd', 'utf8')).find((entry) => entry.name === name);
  } catch {
    return undefined;
  }
}

/** As root: the `postgres` user that initdb and postgres run as (they refuse to run as root). */
function postgresUserFor(stateDir: string): PasswdEntry {
  const postgresUser = lookupUser('postgres');
  if (!postgresUser) throw missingDependency('the `postgres` user does not exist (PostgreSQL refuses to run as root)', 'apt-get install postgresql creates it');
  // The state dir itself is opened up later; every existing ancestor must already let it pass.
  const ancestors = existingAncestors(stateDir).filter((dir) => dir.path !== stateDir);
  const blocked = firstUntraversable(ancestors, postgresUser);
  if (blocked) {
    throw badInput(`the postgres user cannot reach the state directory ${stateDir}: ${blocked} is closed to it`, [], 'choose a --state-dir it can reach (e.g. under /tmp or /var/tmp)');
  }
  return postgresUser;
}

/** What the pre-flight found out, for the steps. */
export interface Preflight {
  layout: StackLayout;
  binaries: StackBinaries;
  app: ReferenceApp;
  dataState: DataDirState['kind'];
  machine: MachineFacts;
  /** Set when running as root. */
  postgresUser: PasswdEntry | undefined;
}

export async function preflight(options: UpOptions, progress: (message: string) => void): Promise<Preflight> {
  const problems = upOptionProblems(options);
  if (problems.length > 0) throw badInput('invalid options for `capacity up`', problems);
  const layout = stackLayout(options.stateDir);
  const binaries = locateBinaries(options);
  const app = locateReferenceApp(options.referenceAppDir, options.projectRoot);
  await refuseIfRunning(layout, progress, false);
  const major = await postgresMajorVersion(binaries.postgresBinDir);
  const dataState = inspectDataDir(layout.postgresDataDir, major).kind;
  const machine = readMachineFacts();
  const postgresUser = machine.privileged ? postgresUserFor(options.stateDir) : undefined;
  for (const [name, port] of Object.entries(options.ports ?? {}) as Array<[FixedPortName, number | undefined]>) {
    if (port !== undefined) await assertPortFree(LOOPBACK, port, FIXED_PORT_OPTIONS[name]);
  }
  return { layout, binaries, app, dataState, machine, postgresUser };
}
