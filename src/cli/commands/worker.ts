import type { CommandModule } from '../command.js';
import { ExitCode, interrupted, missingDependency, unhealthy } from '../../core/errors.js';
import { hostPort } from '../run-options.js';

/**
 * `capacity worker --master host:port`: a Locust worker for a run on another host
 * (`capacity run --engine locust --workers N --master-bind host:port`). It runs the project's
 * Locust with the locustfile fetched from the master (`locust -f - --worker`), so the worker host
 * needs only capacity's set-up, not the scenario; it ends when the master ends the run.
 */
export const command: CommandModule = {
  name: 'worker',
  summary: 'run a Locust worker for a `capacity run --engine locust --master-bind` on another host',
  configure(command) {
    command.requiredOption('--master <host:port>', 'the master to join: the host:port given to `run --master-bind`', hostPort('--master'));
  },
  async action({ options, ctx }) {
    const { spawn } = await import('node:child_process');
    const { locateLocust } = await import('../../engines/locust/adapter.js');
    const { childEnv } = await import('../../engines/child-env.js');
    const master = options.master as { host: string; port: number };
    const found = locateLocust(ctx.projectRoot);
    if (!found.available || !found.path) throw missingDependency('Locust was not found', found.hint);
    ctx.stderr.write(`Locust ${found.version ?? ''} worker joining ${master.host}:${master.port}\n`);
    const child = spawn(found.path, ['-f', '-', '--worker', '--master-host', master.host, '--master-port', String(master.port)], {
      cwd: ctx.cwd,
      env: childEnv(ctx.env, { PYTHONUNBUFFERED: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => void ctx.stderr.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void ctx.stderr.write(chunk.toString()));
    const stop = (): void => void child.kill('SIGINT');
    ctx.signal.addEventListener('abort', stop, { once: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
    ctx.signal.removeEventListener('abort', stop);
    if (ctx.signal.aborted) throw interrupted('SIGINT');
    if (code !== 0) throw unhealthy(`the Locust worker exited with ${String(code)}`, `check that the master at ${master.host}:${master.port} is running and reachable from this host`);
    return ExitCode.Ok;
  },
};
