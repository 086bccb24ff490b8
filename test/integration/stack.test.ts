import { fileURLToPath } from 'node:url';
/**
 * The local stack for real: PostgreSQL, Redis, 3 app instances, nginx and Prometheus on
 * loopback. One stack is shared by the read-only checks; the failure paths use their own
 * state dirs and check that nothing is left running.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessContext } from '../../src/core/context.js';
import { CapacityError, ExitCode } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import { ensureStack, readStackState, upStack, type StackState } from '../../src/stack/index.js';
import { assertReferenceAppBuilt, makeStateDir, pidRunning, stackProcesses } from './support/stack.js';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], env: Record<string, string | undefined> = process.env, signal?: AbortSignal): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: ProcessContext = {
    env,
    cwd: PROJECT_ROOT,
    stdout: { write: (chunk: string) => ((stdout += chunk), true) },
    stderr: { write: (chunk: string) => ((stderr += chunk), true) },
    now: () => new Date(),
    signal: signal ?? new AbortController().signal,
    debug: false,
    projectRoot: fileURLToPath(new URL('../../', import.meta.url)),
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}

const cleanup: string[] = [];
afterAll(async () => {
  // Whatever a failed test left: stop by the recorded PIDs, then delete.
  for (const dir of cleanup) {
    if (existsSync(join(dir, 'stack.json'))) await cli(['down', '--state-dir', dir, '--purge']);
    rmSync(dir, { recursive: true, force: true });
  }
});

function freshStateDir(): string {
  const dir = makeStateDir('capacity-stack-it-');
  // mkdtemp makes it 0700; a state dir *below* it must be reachable by the postgres user.
  chmodSync(dir, 0o755);
  cleanup.push(dir);
  return dir;
}

describe('capacity up / status / down on one shared stack', () => {
  let stateDir: string;
  let state: StackState;
  let up: CliRun;

  beforeAll(async () => {
    assertReferenceAppBuilt();
    stateDir = freshStateDir();
    up = await cli(['up', '--state-dir', stateDir, '--seed-users', '1000']);
    if (up.code !== 0) throw new Error(`capacity up failed (${up.code}):\n${up.stderr}`);
    state = readStackState(stateDir) as StackState;
  });

  it('prints one progress line per component and the URLs', () => {
    for (const name of ['postgres', 'redis', 'app1', 'app2', 'app3', 'nginx', 'prometheus']) {
      expect(up.stderr).toMatch(new RegExp(`${name}\\s+healthy\\s+pid \\d+`));
    }
    expect(up.stdout).toContain(`load balancer  ${state.baseUrl}`);
    expect(up.stdout).toContain(`prometheus     ${state.prometheusUrl}`);
  });

  it('records every component with a PID, loopback address and log file', () => {
    expect(state.driver).toBe('local');
    expect(state.phase).toBe('ready');
    expect(state.components.map((component) => component.name).sort()).toEqual(
      ['app1', 'app2', 'app3', 'nginx', 'postgres', 'prometheus', 'redis'].sort(),
    );
    for (const component of state.components) {
      expect(component.host).toMatch(/^127\.0\.0\.\d+$/);
      expect(pidRunning(component.pid as number)).toBe(true);
      expect(existsSync(component.logFile as string)).toBe(true);
    }
    const apps = state.components.filter((component) => component.tier === 'app');
    expect(new Set(apps.map((app) => `${app.host}:${app.port}`)).size).toBe(3);
  });

  it('capacity status: every component healthy, exit 0, in text and JSON', async () => {
    const text = await cli(['status', '--state-dir', stateDir]);
    expect(text.code).toBe(ExitCode.Ok);
    expect(text.stdout).toContain('all 7 components healthy');
    const json = await cli(['status', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(ExitCode.Ok);
    const report = JSON.parse(json.stdout) as { healthy: boolean; components: Array<{ name: string; healthy: boolean; pid: number }> };
    expect(report.healthy).toBe(true);
    expect(report.components).toHaveLength(7);
    expect(report.components.every((component) => component.healthy)).toBe(true);
  });

  it('the load balancer spreads requests over each of the 3 app instances, API included', async () => {
    const served = new Set<string>();
    for (let index = 0; index < 30; index += 1) {
      const response = await fetch(`${state.baseUrl}/healthz`);
      expect(response.status).toBe(200);
      served.add(response.headers.get('x-instance-id') ?? 'none');
      await response.arrayBuffer();
    }
    expect([...served].sort()).toEqual(['app1', 'app2', 'app3']);
    const product = await fetch(`${state.baseUrl}/products/1`);
    expect(product.status).toBe(200);
    expect(((await product.json()) as { id?: unknown }).id).toBeDefined();
  });

  it('Prometheus scrapes all three apps and accepts remote write', async () => {
    const response = await fetch(`${state.prometheusUrl}/api/v1/query?query=${encodeURIComponent('up{job="app"}')}`);
    const body = (await response.json()) as { data: { result: Array<{ metric: { component: string }; value: [number, string] }> } };
    expect(body.data.result.map((series) => series.metric.component).sort()).toEqual(['app1', 'app2', 'app3']);
    expect(body.data.result.every((series) => series.value[1] === '1')).toBe(true);
    // The receiver is on: an empty body is rejected as malformed (400), not as missing (404).
    const write = await fetch(`${state.prometheusUrl}/api/v1/write`, { method: 'POST', body: '' });
    expect(write.status).not.toBe(404);
  });

  it('nginx stub_status answers on its own port', async () => {
    const nginx = state.components.find((component) => component.name === 'nginx');
    const response = await fetch(nginx?.statusUrl as string);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Active connections');
  });

  it('ensureStack reuses the running stack and says it did not start it', async () => {
    const ensured = await ensureStack({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: process.env.PATH });
    expect(ensured.started).toBe(false);
    expect(ensured.state.components.map((component) => component.pid)).toEqual(state.components.map((component) => component.pid));
  });

  it('the hints after up repeat its --state-dir', () => {
    expect(up.stdout).toContain(`\`capacity status --state-dir ${stateDir}\`, \`capacity down --state-dir ${stateDir}\``);
  });

  it('a second up while it runs healthy: says so, exit 0, and the running stack is untouched', async () => {
    const before = readFileSync(join(stateDir, 'stack.json'), 'utf8');
    const second = await cli(['up', '--state-dir', stateDir]);
    expect(second.code).toBe(ExitCode.Ok);
    expect(second.stdout).toContain(`stack already running at ${state.baseUrl}, healthy`);
    expect(second.stdout).toContain(`\`capacity status --state-dir ${stateDir}\``);
    const json = await cli(['up', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(ExitCode.Ok);
    expect((JSON.parse(json.stdout) as StackState).baseUrl).toBe(state.baseUrl);
    expect(readFileSync(join(stateDir, 'stack.json'), 'utf8')).toBe(before);
    for (const component of state.components) expect(pidRunning(component.pid as number)).toBe(true);
  });

  it('capacity down stops every recorded process, keeps data; --purge deletes it', async () => {
    const pids = state.components.map((component) => component.pid as number);
    const down = await cli(['down', '--state-dir', stateDir]);
    expect(down.code).toBe(ExitCode.Ok);
    for (const pid of pids) expect(pidRunning(pid), `pid ${pid}`).toBe(false);
    expect(stackProcesses(stateDir)).toEqual([]);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'postgres', 'data', 'PG_VERSION'))).toBe(true);

    const status = await cli(['status', '--state-dir', stateDir]);
    expect(status.code).toBe(ExitCode.Unhealthy);
    expect(status.stderr).toContain('no stack is running');

    const purge = await cli(['down', '--state-dir', stateDir, '--purge']);
    expect(purge.code).toBe(ExitCode.Ok);
    expect(existsSync(join(stateDir, 'postgres'))).toBe(false);
    expect(existsSync(join(stateDir, 'logs'))).toBe(false);
  });
});

describe('interrupted up leaves nothing half-started', () => {
  it('aborting the signal while the apps start stops what was started (exit 130); stale state is cleaned first', async () => {
    const stateDir = freshStateDir();
    // A stack recorded earlier whose processes are all gone.
    const dead = { name: 'redis', tier: 'redis', pid: 999_999, startTime: 1, command: 'redis-server', host: '127.0.0.1', port: 1 };
    writeFileSync(join(stateDir, 'stack.json'), JSON.stringify({ driver: 'local', startedAt: 'earlier', stateDir, baseUrl: 'http://127.0.0.1:1', components: [dead] }));
    const controller = new AbortController();
    const seen: string[] = [];
    const attempt = upStack({
      projectRoot: PROJECT_ROOT,
      stateDir,
      apps: 3,
      seedUsers: 100,
      path: process.env.PATH,
      signal: controller.signal,
      onProgress: (message) => {
        seen.push(message);
        // PostgreSQL and Redis are up, the database is ready: the apps are being started.
        if (message.startsWith('database')) setTimeout(() => controller.abort('SIGINT'), 200);
      },
    });
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(ExitCode.Interrupted);
    expect(seen.some((line) => line.startsWith('removed stale state'))).toBe(true);
    expect(seen.some((line) => line.startsWith('postgres'))).toBe(true);
    expect(stackProcesses(stateDir)).toEqual([]);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'up.lock'))).toBe(false);
  });

  it('SIGINT to `node bin/capacity up` (Ctrl-C) stops what was started and exits 130', async () => {
    const bin = join(PROJECT_ROOT, 'dist', 'cli', 'bin.js');
    expect(existsSync(bin), 'dist/ is built (`npm run build`)').toBe(true);
    const stateDir = freshStateDir();
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'capacity'), 'up', '--state-dir', stateDir, '--seed-users', '100'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const sentAfterPostgres = new Promise<void>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/postgres\s+healthy/.test(stderr)) done();
      });
    });
    await Promise.race([sentAfterPostgres, exited]);
    // PostgreSQL and Redis are running now: they were started and must be stopped.
    expect(stackProcesses(stateDir).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(ExitCode.Interrupted);
    expect(stderr).toContain('interrupted by SIGINT');
    expect(stackProcesses(stateDir)).toEqual([]);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
  });
});

describe('a component that fails to start', () => {
  it('exits 4 naming it, with its log tail, and stops everything started before it', async () => {
    const stateDir = freshStateDir();
    const error = await upStack({
      projectRoot: PROJECT_ROOT,
      stateDir,
      apps: 2,
      seedUsers: 100,
      path: process.env.PATH,
      // The apps refuse this configuration and exit at start.
      appEnv: { JWT_SECRET: 'short' },
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CapacityError);
    const failure = error as CapacityError;
    expect(failure.exitCode).toBe(ExitCode.Unhealthy);
    expect(failure.message).toMatch(/^app\d exited while starting/);
    expect(failure.hint).toContain(join(stateDir, 'logs'));
    expect(failure.details.join('\n')).toContain('JWT_SECRET');
    expect(stackProcesses(stateDir)).toEqual([]);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
  });
});

describe('bad input: a clear message, a documented exit code, nothing left behind', () => {
  it('an unknown flag exits 2', async () => {
    const run = await cli(['up', '--no-such-flag']);
    expect(run.code).toBe(ExitCode.BadInput);
    expect(run.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('a fixed port already taken exits 2 before anything starts', async () => {
    const stateDir = join(freshStateDir(), 'not-created');
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await cli(['up', '--state-dir', stateDir, '--port', String(port)]);
      expect(run.code).toBe(ExitCode.BadInput);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 (--port) is already in use`);
      expect(existsSync(stateDir)).toBe(false);
      expect(stackProcesses(stateDir)).toEqual([]);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it('missing binaries exit 3 naming each one with its install command', async () => {
    const stateDir = join(freshStateDir(), 'not-created');
    const emptyBin = freshStateDir();
    const run = await cli(['up', '--state-dir', stateDir], { ...process.env, PATH: emptyBin });
    expect(run.code).toBe(ExitCode.MissingDependency);
    expect(run.stderr).toContain('redis-server: not found on PATH (install: apt-get install redis-server)');
    expect(run.stderr).toContain('prometheus: not found on PATH');
    expect(run.stderr).toContain('hint: sudo apt-get install');

    const explicit = await cli(['up', '--state-dir', stateDir, '--nginx', join(emptyBin, 'nginx')]);
    expect(explicit.code).toBe(ExitCode.MissingDependency);
    expect(explicit.stderr).toContain(`nginx: not found at ${join(emptyBin, 'nginx')}`);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('a data dir from another PostgreSQL version exits 2 and is left untouched', async () => {
    const stateDir = freshStateDir();
    const dataDir = join(stateDir, 'postgres', 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '9.6\n');
    writeFileSync(join(dataDir, 'postgresql.conf'), '# old cluster\n');
    const before = readdirSync(dataDir).map((name) => [name, statSync(join(dataDir, name)).mtimeMs, statSync(join(dataDir, name)).uid]);
    const ownerBefore = statSync(dataDir).uid;
    const run = await cli(['up', '--state-dir', stateDir]);
    expect(run.code).toBe(ExitCode.BadInput);
    expect(run.stderr).toContain('was created by PostgreSQL 9.6');
    const after = readdirSync(dataDir).map((name) => [name, statSync(join(dataDir, name)).mtimeMs, statSync(join(dataDir, name)).uid]);
    expect(after).toEqual(before);
    expect(statSync(dataDir).uid).toBe(ownerBefore);
    expect(readdirSync(stateDir).sort()).toEqual(['postgres']);
    expect(stackProcesses(stateDir)).toEqual([]);
  });

  it('status of a recorded stack whose PIDs are dead: exit 4; a broken state file: exit 2', async () => {
    const stateDir = freshStateDir();
    const dead = { name: 'redis', tier: 'redis', pid: 999_999, startTime: 1, command: 'redis-server', host: '127.0.0.1', port: 1 };
    writeFileSync(
      join(stateDir, 'stack.json'),
      JSON.stringify({ driver: 'local', startedAt: 'x', stateDir, baseUrl: 'http://127.0.0.1:1', components: [dead] }),
    );
    const status = await cli(['status', '--state-dir', stateDir]);
    expect(status.code).toBe(ExitCode.Unhealthy);
    expect(status.stdout).toContain('process 999999 is not running');

    writeFileSync(join(stateDir, 'stack.json'), '{"driver": "local"}');
    const broken = await cli(['status', '--state-dir', stateDir]);
    expect(broken.code).toBe(ExitCode.BadInput);
    expect(broken.stderr).toContain('is not a valid stack state file');
    // Guard the shared machine: nothing was started by any of these.
    await delay(10);
    expect(stackProcesses(stateDir)).toEqual([]);
  });
});
