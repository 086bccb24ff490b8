/**
 * PostgreSQL: initdb on first use of the state dir, the server (healthy), then the database:
 * the app's role, migrations and, once per database, the seed.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../../core/atomic-file.js';
import { postgresArgs } from '../configs.js';
import { DATABASE, DEFAULT_PG_POOL_SIZE, DEFAULT_SEED_USERS, databaseUrl } from '../defaults.js';
import { probePostgres } from '../health.js';
import { databaseSetupStatements } from '../postgres.js';
import { LOOPBACK } from '../ports.js';
import { postgresSettings } from '../tuning.js';
import { awaitHealthy, elapsed, ensureDir, launch, runCommand, type Running, type StepContext } from './context.js';

export interface StartedPostgres {
  running: Running;
  /** initdb made the cluster just now. */
  fresh: boolean;
}

export async function startPostgres(ctx: StepContext): Promise<StartedPostgres> {
  const { layout, binaries, postgresUser } = ctx;
  const port = ctx.ports.postgres;
  const since = Date.now();
  const baseEnv = { PATH: ctx.path, LANG: 'C', LC_ALL: 'C' };
  ensureDir(layout.postgresDir, postgresUser);
  const fresh = ctx.dataState !== 'ours';
  if (fresh) {
    ctx.progress('postgres   initdb (first use of this state dir)');
    try {
      await runCommand(
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
      // Not a rollback (no process runs yet): a half-made cluster would block the next `up`,
      // and it is ours and new, so remove it. A complete one is kept for the next `up`.
      rmSync(layout.postgresDataDir, { recursive: true, force: true });
      throw error;
    }
  }
  ensureDir(layout.postgresSocketDir, postgresUser);
  const settings = postgresSettings(ctx.machine, { apps: ctx.options.apps, pgPoolSize: ctx.options.pgPoolSize ?? DEFAULT_PG_POOL_SIZE });
  const running = await launch(
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

/** The app's role and database, migrated, and seeded unless a complete seed is recorded. */
export async function prepareDatabase(ctx: StepContext, { fresh }: StartedPostgres): Promise<void> {
  const { layout, binaries } = ctx;
  const port = ctx.ports.postgres;
  const since = Date.now();
  const seedUsers = ctx.options.seedUsers ?? DEFAULT_SEED_USERS;
  // Seeded once per database: a marker written after a complete seed. Without it (fresh cluster,
  // or a seed that was interrupted) the database is recreated so the seed starts clean.
  const recreate = fresh || !existsSync(layout.seedMarker);
  const psqlEnv = { PATH: ctx.path, PGHOST: layout.postgresSocketDir, PGPORT: String(port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
  const statements = databaseSetupStatements({ ...DATABASE, recreate });
  await runCommand(ctx, 'postgres-setup', join(binaries.postgresBinDir, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...statements.flatMap((sql) => ['-c', sql])], psqlEnv, 60_000);
  const appEnv = { PATH: ctx.path, DATABASE_URL: databaseUrl(port), NODE_ENV: 'production' };
  await runCommand(ctx, 'migrate', process.execPath, [ctx.app.migrate], appEnv, 120_000, undefined, ctx.app.dir);
  if (recreate) {
    ctx.progress(`postgres   seeding ${seedUsers} users`);
    const seedTimeout = 120_000 + seedUsers * 0.3;
    const seedStarted = Date.now();
    await runCommand(ctx, 'seed', process.execPath, [ctx.app.seed, '--users', String(seedUsers)], appEnv, seedTimeout, undefined, ctx.app.dir);
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
