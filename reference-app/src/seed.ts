#!/usr/bin/env node
// Entry point: `node dist/seed.js --users N` empties the tables and loads N users, N/10 products
// (at least 100), 2 orders per user with 2 items each, in one transaction with set-based SQL.
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { ConfigError, parseDatabaseToolConfig } from './config.js';
import { appliedVersions } from './migrate-run.js';
import { FOREIGN_KEYS, LATEST_SCHEMA_VERSION, SECONDARY_INDEXES, addForeignKeySql, dropForeignKeySql, dropIndexSql } from './schema.js';
import { SEED_PASSWORD, SeedArgsError, parseSeedArgs, seedCounts, seedInsertStatements } from './seed-plan.js';

async function main(): Promise<number> {
  let users: number;
  let databaseUrl: string;
  let bcryptRounds: number;
  try {
    users = parseSeedArgs(process.argv.slice(2)).users;
    ({ databaseUrl, bcryptRounds } = parseDatabaseToolConfig(process.env));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SeedArgsError) {
      console.error(`seed: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    console.error(`seed: cannot connect to DATABASE_URL: ${(error as Error).message}`);
    return 4;
  }
  const started = performance.now();
  const step = async (label: string, sql: string, params: unknown[] = []): Promise<void> => {
    const t0 = performance.now();
    await client.query(sql, params);
    if (process.env['SEED_VERBOSE'] === '1') console.log(`seed: ${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    const versions = await appliedVersions(client);
    if (!versions.has(LATEST_SCHEMA_VERSION)) {
      console.error(`seed: the schema is not at version ${LATEST_SCHEMA_VERSION}: run "node reference-app/dist/migrate.js" first`);
      return 2;
    }
    const counts = seedCounts(users);
    // One hash shared by every seeded user: hashing a million passwords would take hours.
    const passwordHash = bcrypt.hashSync(SEED_PASSWORD, bcryptRounds);
    await step('session settings', "SET synchronous_commit = off");
    await step('maintenance memory', "SET maintenance_work_mem = '256MB'");
    await client.query('BEGIN');
    try {
      // Existing data is replaced, never merged: seeding twice gives the same database.
      await step('truncate', 'TRUNCATE order_items, orders, products, users RESTART IDENTITY');
      for (const key of FOREIGN_KEYS) await step(`drop ${key.name}`, dropForeignKeySql(key));
      for (const index of SECONDARY_INDEXES) await step(`drop ${index.name}`, dropIndexSql(index));
      for (const statement of seedInsertStatements(counts, passwordHash)) await step(statement.label, statement.sql, statement.params);
      for (const index of SECONDARY_INDEXES) await step(`create ${index.name}`, index.create);
      for (const key of FOREIGN_KEYS) await step(`add ${key.name}`, addForeignKeySql(key));
      for (const table of ['users', 'products', 'orders']) {
        await step(`sequence ${table}`, `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    await step('analyze', 'ANALYZE users, products, orders, order_items');
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `seed: ${counts.users} users, ${counts.products} products, ${counts.orders} orders, ${counts.orderItems} order items in ${seconds.toFixed(1)} s`,
    );
    return 0;
  } catch (error) {
    console.error(`seed: ${(error as Error).message}`);
    return 1;
  } finally {
    await client.end();
  }
}

process.exitCode = await main();
