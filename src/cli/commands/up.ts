import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addFormatOption, addStateDirOption, formatOf, integer, stackFlags, withStackFlags } from '../options.js';

export const command: CommandModule = {
  name: 'up',
  summary: 'start the reference stack (nginx, N app servers, Redis, PostgreSQL, Prometheus) and wait until healthy',
  configure(command) {
    command
      .option('--apps <n>', 'app server instances', integer('--apps', 1, 64), 3)
      .option('--seed-users <n>', 'users to seed into a fresh database (default 10000)', integer('--seed-users', 0, 100_000_000));
    addStateDirOption(command, 'where state, data and logs go (default: $CAPACITY_STATE_DIR or .capacity/)');
    command
      .addOption(new Option('--driver <name>', 'stack driver').choices(['local', 'compose']).default('local'))
      .option('--port <port>', 'load balancer port (default: a free one)', integer('--port', 1, 65_535))
      .option('--postgres-port <port>', 'PostgreSQL port (default: a free one)', integer('--postgres-port', 1, 65_535))
      .option('--redis-port <port>', 'Redis port (default: a free one)', integer('--redis-port', 1, 65_535))
      .option('--prometheus-port <port>', 'Prometheus port (default: a free one)', integer('--prometheus-port', 1, 65_535))
      .option('--pg-pool <n>', 'PostgreSQL pool size per app instance (default 10)', integer('--pg-pool', 1, 500))
      .option('--postgres-bin-dir <dir>', 'folder with postgres, initdb and psql (default: PATH, then /usr/lib/postgresql/<newest>/bin)')
      .option('--redis-server <path>', 'redis-server binary (default: from PATH)')
      .option('--nginx <path>', 'nginx binary (default: from PATH or /usr/sbin)')
      .option('--prometheus <path>', 'prometheus binary (default: from PATH)')
      .option('--timeout <seconds>', 'give up when not healthy after this long, seeding excluded (default 120)', integer('--timeout', 1, 3600));
    addFormatOption(command, ['text', 'json']);
  },
  async action({ options, ctx }) {
    const format = formatOf(options, ['text', 'json']);
    const { ensureStack, readStackState, resolveStateDir } = await import('../../stack/index.js');
    const stateDir = resolveStateDir({ option: options.stateDir as string | undefined, env: ctx.env, cwd: ctx.cwd });
    const flags = stackFlags(options);
    const startedAt = Date.now();
    const ports = {
      lb: options.port as number | undefined,
      postgres: options.postgresPort as number | undefined,
      redis: options.redisPort as number | undefined,
      prometheus: options.prometheusPort as number | undefined,
    };
    const recorded = readStackState(stateDir);
    ctx.stderr.write(recorded ? `a ${recorded.driver} stack is recorded in ${stateDir}: checking it\n` : `starting the ${options.driver as string} stack in ${stateDir}\n`);
    // A healthy stack already recorded here is the one asked for: say so (exit 0). One that is
    // recorded and partly alive is unhealthy (exit 4, with the hint); a dead one is replaced.
    const { state, started } = await ensureStack({
      driver: options.driver as 'local' | 'compose',
      stateDir,
      projectRoot: ctx.projectRoot,
      apps: options.apps as number,
      seedUsers: options.seedUsers as number | undefined,
      pgPoolSize: options.pgPool as number | undefined,
      timeoutMs: options.timeout === undefined ? undefined : (options.timeout as number) * 1000,
      ports,
      path: ctx.env.PATH,
      binaries: {
        postgresBinDir: options.postgresBinDir as string | undefined,
        redisServer: options.redisServer as string | undefined,
        nginx: options.nginx as string | undefined,
        prometheus: options.prometheus as string | undefined,
      },
      signal: ctx.signal,
      onProgress: (message) => void ctx.stderr.write(`  ${message}\n`),
    });
    if (format === 'json') {
      ctx.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      return ExitCode.Ok;
    }
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const lines = [
      started
        ? `stack is up (${state.driver}, ${state.components.length} processes) in ${seconds}s`
        : `stack already running at ${state.baseUrl}, healthy (${state.driver}, ${state.components.length} processes, started ${state.startedAt}): nothing started`,
      `  load balancer  ${state.baseUrl}`,
      ...(state.prometheusUrl ? [`  prometheus     ${state.prometheusUrl}`] : []),
      ...(state.databaseUrl ? [`  postgres       ${state.databaseUrl}`] : []),
      ...(state.redisUrl ? [`  redis          ${state.redisUrl}`] : []),
      ...state.components.filter((component) => component.tier === 'app').map((component) => `  ${component.name.padEnd(14)} ${component.url}`),
      withStackFlags(`state: ${stateDir}/stack.json; logs: ${stateDir}/logs/ — \`capacity status\`, \`capacity down\``, flags),
    ];
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return ExitCode.Ok;
  },
};
