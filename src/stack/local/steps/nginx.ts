/** nginx: the load balancer in front of the apps, with stub_status on its own port. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig } from '../configs.js';
import { probeLoadBalancer } from '../health.js';
import { logFile } from '../layout.js';
import { LOOPBACK } from '../ports.js';
import { lookupUser } from '../preflight.js';
import { nginxSizing } from '../tuning.js';
import { awaitHealthy, ensureDir, launch, type Running, type StepContext } from './context.js';

export async function startNginx(ctx: StepContext, apps: Running[]): Promise<Running> {
  const { layout, state } = ctx;
  const since = Date.now();
  ensureDir(layout.nginxDir);
  // As root, nginx's workers run as www-data, which must own the temp dir.
  const workerUser = ctx.postgresUser ? lookupUser('www-data') : undefined;
  ensureDir(layout.nginxTempDir, workerUser);
  const configFile = join(layout.nginxDir, 'nginx.conf');
  const errorLog = logFile(layout, 'nginx');
  writeFileSync(
    configFile,
    nginxConfig({
      listen: { host: LOOPBACK, port: ctx.ports.lb },
      statusListen: { host: LOOPBACK, port: ctx.ports.status },
      upstreams: apps.map((running) => ({ host: running.component.host, port: running.component.port })),
      sizing: nginxSizing(ctx.machine),
      pidFile: join(layout.nginxDir, 'nginx.pid'),
      errorLog,
      tempDir: layout.nginxTempDir,
      workerUser: workerUser?.name,
    }),
  );
  const statusUrl = `http://${LOOPBACK}:${ctx.ports.status}/nginx_status`;
  const nginx = await launch(
    ctx,
    { name: 'nginx', tier: 'lb', host: LOOPBACK, port: ctx.ports.lb, url: state.baseUrl, statusUrl },
    {
      command: ctx.binaries.nginx,
      // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log).
      args: ['-c', configFile, '-p', layout.nginxDir, '-e', errorLog],
      env: { PATH: ctx.path },
      cwd: layout.nginxDir,
      expect: 'nginx',
    },
  );
  await awaitHealthy(ctx, nginx, () => probeLoadBalancer(state.baseUrl, statusUrl, ctx.signal), since);
  return nginx;
}
