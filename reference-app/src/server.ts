#!/usr/bin/env node
// Entry point: `node dist/server.js`, configured by environment (see README.md).
import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { ConfigError, parseConfig, type AppConfig } from './config.js';
import { createPool } from './db.js';
import { createLogger, throttle } from './log.js';

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
const poolWarning = throttle(10_000);
pool.on('error', (error) => {
  if (poolWarning()) console.error(`reference-app: idle PostgreSQL client error: ${error.message}`);
});
// Commands fail at once while Redis is unreachable (no offline queue): the cache falls through to
// PostgreSQL and the rate limiter lets requests pass, instead of every request stalling.
const redis = new Redis(config.redisUrl, {
  enableAutoPipelining: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
});
const log = createLogger(config.logLevel, config.instanceId);
const redisWarning = throttle(10_000);
redis.on('error', (error: Error) => {
  if (redisWarning()) log.warn('Redis connection error (repeats limited to one per 10 s)', { err: error.message });
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
  // Node's default accept backlog (511) overflows when a load balancer opens thousands of
  // connections at once; the kernel caps this at net.core.somaxconn.
  const address = await server.listen({ host: config.host, port: config.port, backlog: 4096 });
  console.error(`reference-app ${config.instanceId}: listening on ${address}`);
} catch (error) {
  console.error(`reference-app ${config.instanceId}: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  await pool.end().catch(() => undefined);
  redis.disconnect();
  process.exit(1);
}
