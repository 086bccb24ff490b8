/** Redis: its config file, then the server. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisConfig } from '../configs.js';
import { probeRedis } from '../health.js';
import { LOOPBACK } from '../ports.js';
import { redisSettings } from '../tuning.js';
import { awaitHealthy, ensureDir, launch, type Running, type StepContext } from './context.js';

export interface StartedRedis {
  running: Running;
  /** Waits until it answers; left to the caller so Redis starts while PostgreSQL does. */
  healthy(): Promise<void>;
}

export async function startRedis(ctx: StepContext): Promise<StartedRedis> {
  const port = ctx.ports.redis;
  ensureDir(ctx.layout.redisDir);
  const configFile = join(ctx.layout.redisDir, 'redis.conf');
  writeFileSync(configFile, redisConfig({ listen: { host: LOOPBACK, port }, dir: ctx.layout.redisDir, settings: redisSettings(ctx.machine) }));
  const running = await launch(
    ctx,
    { name: 'redis', tier: 'redis', host: LOOPBACK, port, url: `redis://${LOOPBACK}:${port}` },
    { command: ctx.binaries.redisServer, args: [configFile], env: { PATH: ctx.path }, cwd: ctx.layout.redisDir, expect: 'redis-server' },
  );
  const since = Date.now();
  return {
    running,
    healthy: async () => {
      await awaitHealthy(ctx, running, () => probeRedis(LOOPBACK, port, ctx.signal), since);
    },
  };
}
