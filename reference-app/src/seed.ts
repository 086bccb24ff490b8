#!/usr/bin/env node
// Entry point: `node dist/seed.js --users N [--jobs J]` replaces the data with N users, N/10 products
// (at least 100) and 2 orders per user of 2 lines each, with set-based SQL on J connections.
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { ConfigError, parseDatabaseToolConfig } from './config.js';
import { appliedVersions } from './migrate-run.js';
import { FOREIGN_KEYS, LATEST_SCHEMA_VERSION, PRIMARY_KEYS, SECONDARY_INDEXES, TABLES, addForeignKeySql, addPrimaryKeySql } from './schema.js';
import { SEED_PASSWORD, SeedArgsError, parseSeedArgs, seedCounts, seedPlan, type SeedStatement } from './seed-plan.js';

const verbose = process.env['SEED_VERBOSE'] === '1';

async function run(client: pg.Client, statement: SeedStatement): Promise<void> {
  const started = performance.now();
  await client.query(statement.sql, statement.params);
  if (verbose) console.log(`seed: ${statement.label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Runs the tasks on the clients, each client taking the next task when it is free. After a failure
 * no new task starts, and it returns (rethrowing the first error) only once every client is idle.
 */
async function parallel<T>(clients: pg.Client[], tasks: T[], work: (client: pg.Client, task: T) => Promise<void>): Promise<void> {
  const queue = [...tasks];
  let failed = false;
  const outcomes = await Promise.allSettled(
    clients.map(async (client) => {
      for (let task = queue.shift(); task !== undefined && !failed; task = queue.shift()) {
        try {
          await work(client, task);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}

async function inTransaction(client: pg.Client, statements: SeedStatement[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of statements) await run(client, statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** After a failed seed: empty tables with every key, index and constraint back in place. */
async function restoreSchema(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  await client.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`);
  const constraints = new Set((await client.query<{ conname: string }>('SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace')).rows.map((r) => r.conname));
  for (const key of PRIMARY_KEYS) if (!constraints.has(key.name)) await client.query(addPrimaryKeySql(key));
  const indexes = new Set((await client.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()')).rows.map((r) => r.indexname));
  for (const index of SECONDARY_INDEXES) if (!indexes.has(index.name)) await client.query(index.create);
  for (const key of FOREIGN_KEYS) if (!constraints.has(key.name)) await client.query(addForeignKeySql(key));
  await client.query('COMMIT');
}

function parseJobs(argv: string[]): { jobs: number; rest: string[] } {
  const rest: string[] = [];
  let jobs = 2;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--jobs' || arg.startsWith('--jobs=')) {
      const value = arg === '--jobs' ? argv[++i] : arg.slice('--jobs='.length);
      if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 16) {
        throw new SeedArgsError(`--jobs must be an integer from 1 to 16, got "${value ?? ''}"`);
      }
      jobs = Number(value);
    } else {
      rest.push(arg);
    }
  }
  return { jobs, rest };
}

async function main(): Promise<number> {
  let users: number;
  let jobs: number;
  let databaseUrl: string;
  let bcryptRounds: number;
  try {
    const parsed = parseJobs(process.argv.slice(2));
    jobs = parsed.jobs;
    users = parseSeedArgs(parsed.rest).users;
    ({ databaseUrl, bcryptRounds } = parseDatabaseToolConfig(process.env));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SeedArgsError) {
      console.error(`seed: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < jobs; i++) {
      const client = new pg.Client({ connectionString: databaseUrl, application_name: 'capacity-seed' });
      clients.push(client);
      await client.connect();
      await client.query('SET synchronous_commit = off');
      await client.query("SET maintenance_work_mem = '256MB'");
      // Foreign-key validation is one big anti-join: in memory it does not spill to disk.
      await client.query("SET work_mem = '256MB'");
    }
  } catch (error) {
    console.error(`seed: cannot connect to DATABASE_URL: ${(error as Error).message}`);
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    return 4;
  }
  const main = clients[0]!;
  const started = performance.now();
  try {
    const versions = await appliedVersions(main);
    if (!versions.has(LATEST_SCHEMA_VERSION)) {
      console.error(`seed: the schema is not at version ${LATEST_SCHEMA_VERSION}: run "node reference-app/dist/migrate.js" first`);
      return 2;
    }
    const counts = seedCounts(users);
    // One hash shared by every seeded user: hashing a million passwords would take hours.
    const plan = seedPlan(counts, bcrypt.hashSync(SEED_PASSWORD, bcryptRounds));
    try {
      await inTransaction(main, plan.prepare);
      await parallel(clients, plan.loads, (client, load) => inTransaction(client, load.statements));
      await parallel(clients, plan.constraints, run);
      await parallel(clients, plan.finish, run);
    } catch (error) {
      console.error(`seed: failed, emptying the tables and restoring keys and indexes: ${(error as Error).message}`);
      await restoreSchema(main);
      return 1;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `seed: ${counts.users} users, ${counts.products} products, ${counts.orders} orders, ${counts.orderItems} order items in ${seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (error) {
    console.error(`seed: ${(error as Error).message}`);
    return 1;
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

process.exitCode = await main();
