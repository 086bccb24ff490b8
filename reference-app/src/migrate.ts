#!/usr/bin/env node
// Entry point: `node dist/migrate.js` applies pending migrations to DATABASE_URL.
import pg from 'pg';
import { ConfigError, parseDatabaseToolConfig } from './config.js';
import { migrate } from './migrate-run.js';

async function main(): Promise<number> {
  let databaseUrl: string;
  try {
    databaseUrl = parseDatabaseToolConfig(process.env).databaseUrl;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`migrate: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    console.error(`migrate: cannot connect to DATABASE_URL: ${(error as Error).message}`);
    return 4;
  }
  try {
    const applied = await migrate(client);
    console.log(applied.length === 0 ? 'migrate: schema up to date' : `migrate: applied ${applied.map((m) => `${m.version} (${m.name})`).join(', ')}`);
    return 0;
  } catch (error) {
    console.error(`migrate: ${(error as Error).message}`);
    return 1;
  } finally {
    await client.end();
  }
}

process.exitCode = await main();
