#!/usr/bin/env node
// Entry point: `node dist/server.js`, configured by environment (see README.md).
import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { ConfigError, parseConfig, type AppConfig } from './config.js';
import { createPool } from './db.js';

let config: AppConfig;
try {
  config = parseConfig(process.env, process.pid);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`reference-app: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const pool = createPool(config.databaseUrl, config.pgPoolSize);
// A lost connection must not crash the instance: /readyz reports it and queries fail with 500.
pool.on('error', (error) => console.error(`reference-app: idle PostgreSQL client error: ${error.message}`));
const redis = new Redis(config.redisUrl, {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
});
redis.on('error', (error: Error) => {
  if (config.logLevel !== 'silent') console.error(`reference-app: Redis error: ${error.message}`);
});

const { server, startDraining } = await buildApp({ config, pool, redis });
server.addHook('onClose', async () => {
  await pool.end();
  await redis.quit().catch(() => redis.disconnect());
});

let shuttingDown = false;
const shutdown = (signal: string): void => {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`reference-app ${config.instanceId}: ${signal}: draining in-flight requests`);
  const force = setTimeout(() => {
    console.error(`reference-app ${config.instanceId}: requests still running after ${config.shutdownTimeoutMs} ms, exiting`);
    process.exit(1);
  }, config.shutdownTimeoutMs);
  force.unref();
  startDraining();
  // Connections kept alive by clients close as soon as their last response is out.
  const idleSweep = setInterval(() => server.server.closeIdleConnections(), 100);
  idleSweep.unref();
  server.close().then(
    () => {
      console.error(`reference-app ${config.instanceId}: stopped`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`reference-app ${config.instanceId}: shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  const address = await server.listen({ host: config.host, port: config.port });
  console.error(`reference-app ${config.instanceId}: listening on ${address}`);
} catch (error) {
  console.error(`reference-app ${config.instanceId}: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  await pool.end().catch(() => undefined);
  redis.disconnect();
  process.exit(1);
}
