/** Prometheus: scrapes itself and every app; healthy once all those targets are up. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusArgs, prometheusConfig } from '../configs.js';
import { DEFAULT_SCRAPE_INTERVAL_SECONDS } from '../defaults.js';
import { probePrometheus } from '../health.js';
import { LOOPBACK } from '../ports.js';
import { awaitHealthy, ensureDir, launch, type Running, type StepContext } from './context.js';

export async function startPrometheus(ctx: StepContext, apps: Running[]): Promise<Running> {
  const { layout, state } = ctx;
  const listen = { host: LOOPBACK, port: ctx.ports.prometheus };
  const since = Date.now();
  ensureDir(layout.prometheusDataDir);
  const configFile = join(layout.prometheusDir, 'prometheus.yml');
  writeFileSync(
    configFile,
    prometheusConfig({
      scrapeIntervalSeconds: DEFAULT_SCRAPE_INTERVAL_SECONDS,
      self: listen,
      apps: apps.map((running) => ({ name: running.component.name, endpoint: running.component, metricsPath: '/metrics' })),
    }),
  );
  const prometheus = await launch(
    ctx,
    { name: 'prometheus', tier: 'prometheus', ...listen, url: state.prometheusUrl, metricsUrl: `${state.prometheusUrl}/metrics` },
    {
      command: ctx.binaries.prometheus,
      args: prometheusArgs({ configFile, dataDir: layout.prometheusDataDir, listen }),
      env: { PATH: ctx.path },
      cwd: layout.prometheusDir,
      expect: 'prometheus',
    },
  );
  await awaitHealthy(ctx, prometheus, () => probePrometheus(state.prometheusUrl, apps.length + 1, ctx.signal), since);
  return prometheus;
}
