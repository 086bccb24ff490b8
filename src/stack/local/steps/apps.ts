/** The N reference-app instances, each on its own loopback address where aliases work. */
import { DEFAULT_PG_POOL_SIZE } from '../defaults.js';
import { probeHttp } from '../health.js';
import { awaitHealthy, launch, type Running, type StepContext } from './context.js';

/** Starts them all, then waits for all: they do not depend on each other. */
export async function startApps(ctx: StepContext): Promise<Running[]> {
  const { options, state, app } = ctx;
  const since = Date.now();
  const apps: Running[] = [];
  for (const [index, { host, port }] of ctx.ports.apps.entries()) {
    const name = `app${index + 1}`;
    const url = `http://${host}:${port}`;
    apps.push(
      await launch(
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
  await Promise.all(apps.map((running) => awaitHealthy(ctx, running, () => probeHttp(`${running.component.url}/readyz`, { signal: ctx.signal }), since)));
  return apps;
}
