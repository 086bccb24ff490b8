/**
 * `up` for the local driver: pre-flight checks that touch nothing, then PostgreSQL and Redis,
 * the database, the app instances, nginx and Prometheus, each waited on until healthy. Any
 * failure or abort stops everything started so far (reverse order, by PID) before throwing.
 */
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CapacityError, ExitCode, badInput, interrupted, missingDependency, unhealthy } from '../../core/errors.js';
import { signalName } from '../../core/context.js';
import { readStackState, removeStackState, writeStackState } from '../state.js';
import { writeFileAtomicSync } from '../../core/atomic-file.js';
import type { StackComponent, StackState, UpOptions } from '../types.js';
import { locateBinaries, type StackBinaries } from './binaries.js';
import { nginxConfig, postgresArgs, prometheusArgs, prometheusConfig, redisConfig } from './configs.js';
import { probeHttp, probePostgres, probePrometheus, probeRedis, waitHealthy, type ProbeResult } from './health.js';
import { logFile, stackLayout, type StackLayout } from './layout.js';
import { readMachineFacts } from './machine.js';
import { databaseSetupStatements, inspectDataDir, postgresMajorVersion } from './postgres.js';
import { FIXED_PORT_OPTIONS, LOOPBACK, MAX_APPS, appHosts, assertPortFree, fixedPortProblems, freePort, loopbackAliasesUsable, type FixedPortName } from './ports.js';
import { firstUntraversable, parsePasswd, type DirectoryFacts, type PasswdEntry } from './proc.js';
import { liveness, readProcStat, spawnDetached, runToCompletion, stopProcess, type ProcessIdentity, type SpawnedProcess } from './processes.js';
import { nginxSizing, postgresSettings, redisSettings, type MachineFacts } from './tuning.js';

/** The reference app's login; the stack is loopback-only and for load tests. */
export const DATABASE = { role: 'capacity', password: 'capacity', database: 'capacity' } as const;
export const DEFAULT_APPS = 3;
/** Set in every process the stack starts, to the state dir: lets tests and people find them all. */
export const STACK_MARKER_ENV = 'CAPACITY_STACK_DIR';
export const DEFAULT_SEED_USERS = 10_000;
export const DEFAULT_PG_POOL_SIZE = 10;
export const DEFAULT_UP_TIMEOUT_MS = 120_000;
export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 1;

/** The graceful stop signal per tier: PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for clients). */
export function stopSignalFor(component: Pick<StackComponent, 'tier'>): NodeJS.Signals {
  return component.tier === 'postgres' ? 'SIGINT' : 'SIGTERM';
}

export function identityOf(component: StackComponent): ProcessIdentity | undefined {
  if (component.pid === undefined || component.startTime === undefined || component.command === undefined) return undefined;
  return { pid: component.pid, startTime: component.startTime, command: component.command };
}

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

/** The last `lines` lines of a log file (what a user needs to see why a component failed). */
export function logTail(file: string | undefined, lines = 15): string[] {
  if (!file) return [];
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .slice(-16_384)
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .slice(-lines);
  } catch {
    return [];
  }
}

interface ReferenceApp {
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

function lookupUser(name: string): PasswdEntry | undefined {
  try {
    return parsePasswd(readFileSync('/etc/passwd', 'utf8')).find((entry) => entry.name === name);
  } catch {
    return undefined;
  }
}

/** Exit 2 when a stack (or another `up`) is live in this state dir; a dead one is cleaned up. */
async function refuseIfRunning(layout: StackLayout, progress: (message: string) => void, mayClean: boolean): Promise<void> {
  if (existsSync(layout.lockFile)) {
    const lock = readLock(layout.lockFile);
    if (lock && lock.pid !== process.pid && liveness(lock) === 'alive') {
      throw badInput(`another \`capacity up\` (pid ${lock.pid}) is starting a stack in ${layout.stateDir}`, [], 'wait for it, or stop it with Ctrl-C');
    }
  }
  const existing = readStackState(layout.stateDir);
  if (!existing) return;
  if (existing.driver !== 'local') {
    throw badInput(`a ${existing.driver} stack is recorded in ${layout.stateDir}`, [], 'stop it first with `capacity down`');
  }
  const alive = existing.components.filter((component) => {
    const identity = identityOf(component);
    return identity !== undefined && liveness(identity) === 'alive';
  });
  if (alive.length > 0) {
    throw badInput(
      `a stack is already running in ${layout.stateDir}`,
      alive.map((component) => `${component.name}: pid ${component.pid} is alive`),
      'see it with `capacity status`, stop it with `capacity down`',
    );
  }
  if (!mayClean) return;
  // Stale: every recorded process is gone. Sweep stragglers of their sessions, then forget it.
  for (const component of [...existing.components].reverse()) {
    const identity = identityOf(component);
    if (identity) await stopProcess(identity, { signal: 'SIGKILL', timeoutMs: 1_000 });
  }
  removeStackState(layout.stateDir);
  progress(`removed stale state of a stack that is no longer running (${existing.startedAt})`);
}

function readLock(file: string): ProcessIdentity | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; startTime?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.startTime === 'number') {
      return { pid: parsed.pid, startTime: parsed.startTime, command: 'node' };
    }
  } catch {
    // unreadable: treat as stale
  }
  return undefined;
}

function acquireLock(layout: StackLayout, self: ProcessIdentity): void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(layout.lockFile, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: self.pid, startTime: self.startTime }));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(layout.lockFile);
      if (holder && liveness(holder) === 'alive') {
        throw badInput(`another \`capacity up\` (pid ${holder.pid}) is starting a stack in ${layout.stateDir}`);
      }
      rmSync(layout.lockFile, { force: true });
    }
  }
  throw badInput(`cannot take the lock ${layout.lockFile}`);
}

interface Running {
  component: StackComponent;
  spawned: SpawnedProcess;
}

interface Context {
  options: UpOptions;
  signal: AbortSignal;
  progress: (message: string) => void;
  layout: StackLayout;
  binaries: StackBinaries;
  app: ReferenceApp;
  machine: MachineFacts;
  postgresUser: PasswdEntry | undefined;
  running: Running[];
  state: StackState;
  deadline: number;
  /** PATH handed to the children. */
  path: string;
}

function ensureDir(dir: string, owner?: PasswdEntry, mode = 0o755): void {
  mkdirSync(dir, { recursive: true, mode });
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

async function start(
  ctx: Context,
  component: Omit<StackComponent, 'pid' | 'startTime' | 'command' | 'logFile'>,
  spec: { command: string; args: string[]; env: Record<string, string>; cwd?: string; asUser?: PasswdEntry; expect: string },
): Promise<Running> {
  const file = logFile(ctx.layout, component.name);
  const spawned = await spawnDetached(
    {
      command: spec.command,
      args: spec.args,
      env: { ...spec.env, [STACK_MARKER_ENV]: ctx.layout.stateDir },
      cwd: spec.cwd,
      logFile: file,
      uid: spec.asUser?.uid,
      gid: spec.asUser?.gid,
    },
    spec.expect,
  );
  const full: StackComponent = {
    ...component,
    pid: spawned.identity.pid,
    startTime: spawned.identity.startTime,
    command: spawned.identity.command,
    logFile: file,
  };
  const running = { component: full, spawned };
  ctx.running.push(running);
  ctx.state.components.push(full);
  writeStackState(ctx.state);
  return running;
}

/** Waits for a started component; exit 4 with its log tail when it fails, 130/143 on abort. */
async function awaitHealthy(ctx: Context, running: Running, probe: () => Promise<ProbeResult>, since: number): Promise<string> {
  const outcome = await waitHealthy(probe, { deadline: ctx.deadline, signal: ctx.signal, exited: running.spawned.exited });
  const { component } = running;
  if (outcome.kind === 'healthy') {
    ctx.progress(`${component.name.padEnd(10)} healthy  pid ${component.pid}  ${component.url ?? `${component.host}:${component.port}`}  (${elapsed(since)})`);
    return outcome.detail;
  }
  if (outcome.kind === 'aborted') throw interrupted(signalName(ctx.signal));
  const why = outcome.kind === 'exited' ? 'exited while starting' : 'did not become healthy in time';
  throw unhealthy(`${component.name} ${why}: ${outcome.detail}`, `its log: ${component.logFile}`, logTail(component.logFile));
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw interrupted(signalName(signal));
}

async function runStep(ctx: Context, name: string, command: string, args: string[], env: Record<string, string>, timeoutMs: number, asUser?: PasswdEntry, cwd?: string): Promise<void> {
  const file = logFile(ctx.layout, name);
  const outcome = await runToCompletion({ command, args, env: { ...env, [STACK_MARKER_ENV]: ctx.layout.stateDir }, cwd, logFile: file, signal: ctx.signal, timeoutMs, uid: asUser?.uid, gid: asUser?.gid });
  if (outcome.kind === 'aborted') throw interrupted(signalName(ctx.signal));
  if (outcome.kind === 'timeout') throw unhealthy(`${name} did not finish within ${Math.round(timeoutMs / 1000)}s`, `its log: ${file}`, logTail(file));
  if (outcome.code !== 0) throw unhealthy(`${name} failed (exit ${outcome.code})`, `its log: ${file}`, logTail(file));
}

async function startPostgres(ctx: Context, port: number, dataState: 'absent' | 'ours' | 'empty'): Promise<{ running: Running; fresh: boolean }> {
  const { layout, binaries, postgresUser } = ctx;
  const since = Date.now();
  const baseEnv = { PATH: ctx.path, LANG: 'C', LC_ALL: 'C' };
  ensureDir(layout.postgresDir, postgresUser);
  const fresh = dataState !== 'ours';
  if (fresh) {
    ctx.progress('postgres   initdb (first use of this state dir)');
    try {
      await runStep(
        ctx,
        'postgres-initdb',
        join(binaries.postgresBinDir, 'initdb'),
        ['-D', layout.postgresDataDir, '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--auth-local=trust', '--auth-host=scram-sha-256'],
        baseEnv,
        120_000,
        postgresUser,
        layout.postgresDir,
      );
    } catch (error) {
      // A half-made cluster would block the next `up`: it is ours and new, so remove it.
      rmSync(layout.postgresDataDir, { recursive: true, force: true });
      throw error;
    }
  }
  ensureDir(layout.postgresSocketDir, postgresUser);
  const settings = postgresSettings(ctx.machine, { apps: ctx.options.apps, pgPoolSize: ctx.options.pgPoolSize ?? DEFAULT_PG_POOL_SIZE });
  const running = await start(
    ctx,
    { name: 'postgres', tier: 'postgres', host: LOOPBACK, port, url: `postgresql://${DATABASE.role}@${LOOPBACK}:${port}/${DATABASE.database}` },
    {
      command: join(binaries.postgresBinDir, 'postgres'),
      args: postgresArgs({ dataDir: layout.postgresDataDir, port, socketDir: layout.postgresSocketDir, settings }),
      env: baseEnv,
      cwd: layout.postgresDir,
      asUser: postgresUser,
      expect: 'postgres',
    },
  );
  // The role may not exist yet: the superuser answers the startup message the same way.
  await awaitHealthy(ctx, running, () => probePostgres(LOOPBACK, port, { user: 'postgres', database: 'postgres' }, ctx.signal), since);
  return { running, fresh };
}

async function prepareDatabase(ctx: Context, port: number, fresh: boolean): Promise<void> {
  const { layout, binaries } = ctx;
  const since = Date.now();
  const seedUsers = ctx.options.seedUsers ?? DEFAULT_SEED_USERS;
  // Seeded once per database: a marker written after a complete seed. Without it (fresh cluster,
  // or a seed that was interrupted) the database is recreated so the seed starts clean.
  const recreate = fresh || !existsSync(layout.seedMarker);
  const psqlEnv = { PATH: ctx.path, PGHOST: layout.postgresSocketDir, PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
  const statements = databaseSetupStatements({ ...DATABASE, recreate });
  await runStep(ctx, 'postgres-setup', join(binaries.postgresBinDir, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...statements.flatMap((sql) => ['-c', sql])], psqlEnv, 60_000);
  const appEnv = { PATH: ctx.path, DATABASE_URL: databaseUrl(port), NODE_ENV: 'production' };
  await runStep(ctx, 'migrate', process.execPath, [ctx.app.migrate], appEnv, 120_000, undefined, ctx.app.dir);
  if (recreate) {
    ctx.progress(`postgres   seeding ${seedUsers} users`);
    const seedTimeout = 120_000 + seedUsers * 0.3;
    const seedStarted = Date.now();
    await runStep(ctx, 'seed', process.execPath, [ctx.app.seed, '--users', String(seedUsers)], appEnv, seedTimeout, undefined, ctx.app.dir);
    writeFileAtomicSync(layout.seedMarker, `${JSON.stringify({ users: seedUsers, seededAt: new Date().toISOString() })}\n`);
    // Seeding time does not count against the health timeout.
    ctx.deadline += Date.now() - seedStarted;
  } else {
    const marker = readSeedMarker(layout.seedMarker);
    const note = marker && ctx.options.seedUsers !== undefined && marker.users !== ctx.options.seedUsers ? ` (--seed-users ${ctx.options.seedUsers} ignored: \`capacity down --purge\` to reseed)` : '';
    ctx.progress(`postgres   database kept: ${marker?.users ?? '?'} users seeded earlier${note}`);
  }
  ctx.progress(`database   ready  ${DATABASE.database} migrated${recreate ? `, ${seedUsers} users seeded` : ''}  (${elapsed(since)})`);
}

function readSeedMarker(file: string): { users: number } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { users?: unknown };
    return typeof parsed.users === 'number' ? { users: parsed.users } : undefined;
  } catch {
    return undefined;
  }
}

function databaseUrl(port: number): string {
  return `postgresql://${DATABASE.role}:${DATABASE.password}@${LOOPBACK}:${port}/${DATABASE.database}`;
}

async function startRedis(ctx: Context, port: number): Promise<Running> {
  ensureDir(ctx.layout.redisDir);
  const configFile = join(ctx.layout.redisDir, 'redis.conf');
  writeFileSync(configFile, redisConfig({ listen: { host: LOOPBACK, port }, dir: ctx.layout.redisDir, settings: redisSettings(ctx.machine) }));
  const running = await start(
    ctx,
    { name: 'redis', tier: 'redis', host: LOOPBACK, port, url: `redis://${LOOPBACK}:${port}` },
    { command: ctx.binaries.redisServer, args: [configFile], env: { PATH: ctx.path }, cwd: ctx.layout.redisDir, expect: 'redis-server' },
  );
  return running;
}

export async function localUp(options: UpOptions): Promise<StackState> {
  const signal = options.signal ?? new AbortController().signal;
  const progress = options.onProgress ?? (() => undefined);
  const startedAt = Date.now();

  // Pre-flight: nothing below writes anything until every check has passed.
  const problems = upOptionProblems(options);
  if (problems.length > 0) throw badInput('invalid options for `capacity up`', problems);
  const layout = stackLayout(options.stateDir);
  const binaries = locateBinaries(options);
  const app = locateReferenceApp(options.referenceAppDir, options.projectRoot);
  await refuseIfRunning(layout, progress, false);
  const major = await postgresMajorVersion(binaries.postgresBinDir);
  const dataState = inspectDataDir(layout.postgresDataDir, major).kind;
  const machine = readMachineFacts();
  let postgresUser: PasswdEntry | undefined;
  if (machine.privileged) {
    // initdb and postgres refuse to run as root: they run as `postgres`, which must reach the data.
    postgresUser = lookupUser('postgres');
    if (!postgresUser) throw missingDependency('the `postgres` user does not exist (PostgreSQL refuses to run as root)', 'apt-get install postgresql creates it');
    // The state dir itself is opened up below; every existing ancestor must already let it pass.
    const ancestors = existingAncestors(options.stateDir).filter((dir) => dir.path !== options.stateDir);
    const blocked = firstUntraversable(ancestors, postgresUser);
    if (blocked) {
      throw badInput(`the postgres user cannot reach the state directory ${options.stateDir}: ${blocked} is closed to it`, [], 'choose a --state-dir it can reach (e.g. under /tmp or /var/tmp)');
    }
  }
  for (const [name, port] of Object.entries(options.ports ?? {}) as Array<[FixedPortName, number | undefined]>) {
    if (port !== undefined) await assertPortFree(LOOPBACK, port, FIXED_PORT_OPTIONS[name]);
  }
  throwIfAborted(signal);

  mkdirSync(options.stateDir, { recursive: true });
  // mkdtemp-made dirs are 0700: the postgres user needs to pass through the state dir.
  if (postgresUser) chmodSync(options.stateDir, statSync(options.stateDir).mode | 0o011);
  const self = { pid: process.pid, startTime: readProcStat(process.pid)?.startTime ?? 0, command: 'node' };
  acquireLock(layout, self);
  try {
    // Again under the lock: another `up` may have finished in between. Stale state is cleaned here.
    await refuseIfRunning(layout, progress, true);
  } catch (error) {
    rmSync(layout.lockFile, { force: true });
    throw error;
  }
  const state: StackState = {
    driver: 'local',
    startedAt: new Date(startedAt).toISOString(),
    stateDir: options.stateDir,
    baseUrl: '',
    components: [],
    phase: 'starting',
    scrapeIntervalSeconds: DEFAULT_SCRAPE_INTERVAL_SECONDS,
  };
  const ctx: Context = {
    options,
    signal,
    progress,
    layout,
    binaries,
    app,
    machine,
    postgresUser,
    running: [],
    state,
    deadline: startedAt + (options.timeoutMs ?? DEFAULT_UP_TIMEOUT_MS),
    path: options.path ?? '/usr/local/bin:/usr/bin:/bin',
  };
  try {
    ensureDir(layout.logsDir);
    const taken = new Set<number>(Object.values(options.ports ?? {}).filter((port): port is number => port !== undefined));
    const pick = async (fixed: number | undefined, host = LOOPBACK) => fixed ?? (await freePort(host, taken));
    const postgresPort = await pick(options.ports?.postgres);
    const redisPort = await pick(options.ports?.redis);
    const lbPort = await pick(options.ports?.lb);
    const statusPort = await pick(undefined);
    const prometheusPort = await pick(options.ports?.prometheus);
    const hosts = appHosts(options.apps, await loopbackAliasesUsable(options.apps));
    const appPorts: number[] = [];
    for (const host of hosts) appPorts.push(await freePort(host, taken));
    state.databaseUrl = databaseUrl(postgresPort);
    state.redisUrl = `redis://${LOOPBACK}:${redisPort}`;
    state.baseUrl = `http://${LOOPBACK}:${lbPort}`;
    state.prometheusUrl = `http://${LOOPBACK}:${prometheusPort}`;

    // PostgreSQL and Redis start together; the database work needs only PostgreSQL.
    const redisRunning = await startRedis(ctx, redisPort);
    const redisSince = Date.now();
    const { fresh } = await startPostgres(ctx, postgresPort, dataState);
    await awaitHealthy(ctx, redisRunning, () => probeRedis(LOOPBACK, redisPort, signal), redisSince);
    throwIfAborted(signal);
    await prepareDatabase(ctx, postgresPort, fresh);
    throwIfAborted(signal);

    const appsSince = Date.now();
    const apps: Running[] = [];
    for (const [index, host] of hosts.entries()) {
      const name = `app${index + 1}`;
      const port = appPorts[index] as number;
      const url = `http://${host}:${port}`;
      apps.push(
        await start(
          ctx,
          { name, tier: 'app', host, port, url, metricsUrl: `${url}/metrics` },
          {
            command: process.execPath,
            args: [app.server],
            env: {
              PATH: ctx.path,
              NODE_ENV: 'production',
              HOST: host,
              PORT: String(port),
              INSTANCE_ID: name,
              DATABASE_URL: state.databaseUrl,
              REDIS_URL: state.redisUrl,
              PG_POOL_SIZE: String(options.pgPoolSize ?? DEFAULT_PG_POOL_SIZE),
              ...options.appEnv,
            },
            cwd: app.dir,
            expect: 'node',
          },
        ),
      );
    }
    await Promise.all(apps.map((running) => awaitHealthy(ctx, running, () => probeHttp(`${running.component.url}/readyz`, { signal }), appsSince)));
    throwIfAborted(signal);

    const nginxSince = Date.now();
    ensureDir(layout.nginxDir);
    const workerUser = postgresUser ? lookupUser('www-data') : undefined;
    ensureDir(layout.nginxTempDir, workerUser);
    const nginxConfigFile = join(layout.nginxDir, 'nginx.conf');
    const nginxErrorLog = logFile(layout, 'nginx');
    writeFileSync(
      nginxConfigFile,
      nginxConfig({
        listen: { host: LOOPBACK, port: lbPort },
        statusListen: { host: LOOPBACK, port: statusPort },
        upstreams: apps.map((running) => ({ host: running.component.host, port: running.component.port })),
        sizing: nginxSizing(machine),
        pidFile: join(layout.nginxDir, 'nginx.pid'),
        errorLog: nginxErrorLog,
        tempDir: layout.nginxTempDir,
        workerUser: workerUser?.name,
      }),
    );
    const statusUrl = `http://${LOOPBACK}:${statusPort}/nginx_status`;
    const nginx = await start(
      ctx,
      { name: 'nginx', tier: 'lb', host: LOOPBACK, port: lbPort, url: state.baseUrl, statusUrl },
      {
        command: binaries.nginx,
        // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log).
        args: ['-c', nginxConfigFile, '-p', layout.nginxDir, '-e', nginxErrorLog],
        env: { PATH: ctx.path },
        cwd: layout.nginxDir,
        expect: 'nginx',
      },
    );
    await awaitHealthy(ctx, nginx, () => probeLoadBalancer(state.baseUrl, statusUrl, signal), nginxSince);
    throwIfAborted(signal);

    const prometheusSince = Date.now();
    ensureDir(layout.prometheusDataDir);
    const prometheusConfigFile = join(layout.prometheusDir, 'prometheus.yml');
    writeFileSync(
      prometheusConfigFile,
      prometheusConfig({
        scrapeIntervalSeconds: DEFAULT_SCRAPE_INTERVAL_SECONDS,
        self: { host: LOOPBACK, port: prometheusPort },
        apps: apps.map((running) => ({ name: running.component.name, endpoint: running.component, metricsPath: '/metrics' })),
      }),
    );
    const prometheus = await start(
      ctx,
      { name: 'prometheus', tier: 'prometheus', host: LOOPBACK, port: prometheusPort, url: state.prometheusUrl, metricsUrl: `${state.prometheusUrl}/metrics` },
      {
        command: binaries.prometheus,
        args: prometheusArgs({ configFile: prometheusConfigFile, dataDir: layout.prometheusDataDir, listen: { host: LOOPBACK, port: prometheusPort } }),
        env: { PATH: ctx.path },
        cwd: layout.prometheusDir,
        expect: 'prometheus',
      },
    );
    await awaitHealthy(ctx, prometheus, () => probePrometheus(state.prometheusUrl as string, apps.length + 1, signal), prometheusSince);
    throwIfAborted(signal);

    state.phase = 'ready';
    writeStackState(state);
    return state;
  } catch (error) {
    await stopStarted(ctx);
    // Only the state this `up` wrote: the lock guarantees no other stack's file is here.
    if (ctx.running.length > 0) removeStackState(layout.stateDir);
    if (signal.aborted && !(error instanceof CapacityError && error.exitCode === ExitCode.BadInput)) throw interrupted(signalName(signal));
    throw error;
  } finally {
    rmSync(layout.lockFile, { force: true });
  }
}

export async function probeLoadBalancer(baseUrl: string, statusUrl: string | undefined, signal?: AbortSignal): Promise<ProbeResult> {
  const proxied = await probeHttp(`${baseUrl}/healthz`, { expectHeader: 'x-instance-id', signal });
  if (!proxied.healthy || !statusUrl) return proxied;
  const status = await probeHttp(statusUrl, { signal });
  return status.healthy ? proxied : { healthy: false, detail: `stub_status: ${status.detail}` };
}

/** Reverse start order, by PID, with the identity check; never throws (cleanup must finish). */
async function stopStarted(ctx: Context): Promise<void> {
  for (const running of [...ctx.running].reverse()) {
    try {
      await stopProcess(running.spawned.identity, { signal: stopSignalFor(running.component), timeoutMs: 5_000 });
    } catch {
      // keep stopping the others
    }
  }
}

