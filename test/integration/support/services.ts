/**
 * Scratch PostgreSQL, Redis and nginx servers for integration tests: real binaries on loopback, a
 * free port, a temporary data directory, stopped by PID. Generic: any test may use them.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, chownSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningService {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const POSTGRES_BIN = process.env['POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';
const HOST = '127.0.0.1';

/** A port the kernel just handed out on loopback (free at the time of asking). */
export async function freePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, HOST);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${HOST}:${port} within ${timeoutMs} ms: ${output()}`);
}

/** Stops a child we started with `signal`, SIGKILL after `timeoutMs`; resolves at once if it already ended. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(child.pid, signal);
  });
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function capture(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim();
}

/**
 * A server just spawned, once it listens on `port`: stopped with `signal` (then SIGKILL), its
 * scratch folder removed. If it never listens, it is stopped and cleaned up before the error.
 */
async function whenListening(child: ChildProcess, what: string, port: number, dir: string, signal: NodeJS.Signals, timeoutMs: number, url: string): Promise<RunningService> {
  const output = capture(child);
  const stop = async (): Promise<void> => {
    await stopChild(child, signal);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, what, timeoutMs, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, pid: child.pid!, stop };
}

export interface PostgresOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

/**
 * initdb + postgres as the `postgres` user (PostgreSQL refuses to run as root), trust auth on
 * loopback only, durability off (scratch data). The URL names the `postgres` database and user.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? userIds('postgres') : undefined;
  if (ids !== undefined) chownSync(dir, ids.uid, ids.gid);
  try {
    execFileSync(join(POSTGRES_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
      stdio: 'pipe',
      ...(ids ?? {}),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: HOST,
    port: String(port),
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    ...options.settings,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const child = spawn(join(POSTGRES_BIN, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) });
  // SIGINT is PostgreSQL's "fast shutdown": abort sessions, checkpoint, exit.
  return whenListening(child, 'postgres', port, dir, 'SIGINT', 30_000, `postgres://postgres@${HOST}:${port}/postgres`);
}

/** redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return whenListening(child, 'redis-server', port, dir, 'SIGTERM', 15_000, `redis://${HOST}:${port}`);
}

const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/**
 * nginx (one worker, in the foreground) answering every request with a small constant JSON body:
 * a target that costs next to no CPU per request, for tests whose generator must have the cores.
 */
export async function startNginxConstant(): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-nginx-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body;`,
      '  keepalive_requests 1000000;',
      `  server { listen ${HOST}:${port}; location / { default_type application/json; return 200 '{"ok":true}'; } }`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  // SIGQUIT: nginx's graceful shutdown.
  return whenListening(child, 'nginx', port, dir, 'SIGQUIT', 15_000, `http://${HOST}:${port}`);
}
