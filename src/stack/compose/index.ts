/**
 * The compose stack driver: infra/compose/docker-compose.yml through `docker compose` (v2) or
 * `docker-compose` (v1). Without a Docker engine it stops before starting anything (exit 3).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { badInput, CapacityError, ExitCode, interrupted, missingDependency, unhealthy } from '../../core/errors.js';
import { findBinary } from '../../core/binaries.js';
import { removeStackState, writeStackState } from '../state.js';
import { writeFileAtomicSync } from '../../core/atomic-file.js';
import type { ComponentHealth, DownOptions, StackDriver, StackState, UpOptions } from '../types.js';
import {
  COMPOSE_APPS,
  COMPOSE_FILE,
  COMPOSE_PROJECT,
  composeEnvFile,
  composeStackState,
  downInvocation,
  parsePsJson,
  parsePsTableV1,
  psInvocation,
  serviceHealth,
  upInvocation,
  type ComposeTarget,
  type ComposeTool,
  type Invocation,
} from './plan.js';

export * from './plan.js';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (or until aborted or timed out), collecting its output. */
function run(invocation: Invocation, options: { signal?: AbortSignal; timeoutMs?: number; onLine?: (line: string) => void } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(invocation.file, invocation.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = (chunk: string) => {
      if (!options.onLine) return;
      for (const line of chunk.split('\n')) if (line.trim()) options.onLine(line.trim());
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      lines(chunk);
    });
    const stop = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', stop, { once: true });
    const timer = options.timeoutMs ? setTimeout(stop, options.timeoutMs) : undefined;
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      reject(error);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      resolve({ code, stdout, stderr });
    });
  });
}

const NO_COMPOSE_HINT =
  'install Docker Engine with the compose plugin (https://docs.docker.com/engine/install/), or use the local driver (the default)';

/** `docker compose` (v2) when the plugin answers, else `docker-compose` (v1); exit 3 if neither. */
export async function detectComposeTool(path: string | undefined): Promise<ComposeTool> {
  const docker = findBinary('docker', { path });
  if (docker) {
    const v2 = await run({ file: docker, args: ['compose', 'version'] }, { timeoutMs: 15_000 }).catch(() => undefined);
    if (v2?.code === 0) return { kind: 'v2', docker };
  }
  const dockerCompose = findBinary('docker-compose', { path });
  if (dockerCompose) return { kind: 'v1', dockerCompose };
  throw missingDependency('neither `docker compose` nor `docker-compose` was found', NO_COMPOSE_HINT);
}

/** Exit 3 unless a Docker engine answers; nothing has been started when this throws. */
export async function requireDockerEngine(tool: ComposeTool, path: string | undefined, target: ComposeTarget): Promise<void> {
  const docker = tool.kind === 'v2' ? tool.docker : findBinary('docker', { path });
  const probe = docker
    ? await run({ file: docker, args: ['version', '--format', '{{.Server.Version}}'] }, { timeoutMs: 15_000 }).catch(() => undefined)
    : await run(psInvocation(tool, target), { timeoutMs: 30_000 }).catch(() => undefined);
  if (probe?.code === 0) return;
  const said = (probe?.stderr ?? '').split('\n').find((line) => /daemon|docker\.sock|connect/i.test(line))?.trim();
  throw new CapacityError('no Docker engine is reachable: the compose stack cannot start here', {
    exitCode: ExitCode.MissingDependency,
    hint: 'start Docker (e.g. `systemctl start docker`) or set DOCKER_HOST; without Docker use the local driver (the default)',
    details: said ? [said] : [],
  });
}

function target(stateDir: string, composeFile: string, withEnvFile: boolean): ComposeTarget {
  const envFile = join(stateDir, 'compose.env');
  return {
    composeFile,
    project: COMPOSE_PROJECT,
    ...(withEnvFile && existsSync(envFile) ? { envFile } : {}),
  };
}

/** A free TCP port on loopback (the kernel's choice), for the published load-balancer port. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function composeStatusOf(tool: ComposeTool, composeTarget: ComposeTarget, lbUrl: string): Promise<ComponentHealth[]> {
  const result = await run(psInvocation(tool, composeTarget), { timeoutMs: 30_000 });
  if (result.code !== 0) {
    throw unhealthy('`compose ps` failed', 'is the Docker engine running?', result.stderr.trim().split('\n').slice(-3));
  }
  const containers = tool.kind === 'v2' ? parsePsJson(result.stdout).containers : parsePsTableV1(result.stdout, composeTarget.project);
  return serviceHealth(containers, lbUrl);
}

async function up(options: UpOptions): Promise<StackState> {
  if (options.apps !== COMPOSE_APPS) {
    throw badInput(
      `the compose driver runs exactly ${COMPOSE_APPS} app servers (app1..app3 in ${COMPOSE_FILE}); got --apps ${options.apps}`,
      [],
      'use the local driver for another number of app servers',
    );
  }
  const progress = options.onProgress ?? (() => undefined);
  const tool = await detectComposeTool(options.path);
  const probeTarget = target(options.stateDir, join(options.projectRoot, COMPOSE_FILE), false);
  await requireDockerEngine(tool, options.path, probeTarget);

  const lbPort = options.ports?.lb ?? (await freeLoopbackPort());
  mkdirSync(options.stateDir, { recursive: true });
  const envFile = join(options.stateDir, 'compose.env');
  writeFileAtomicSync(envFile, composeEnvFile({ lbPort, ...(options.seedUsers !== undefined ? { seedUsers: options.seedUsers } : {}) }));
  const composeTarget: ComposeTarget = { ...probeTarget, envFile };
  const state = composeStackState({ stateDir: options.stateDir, startedAt: new Date().toISOString(), lbPort });
  // Recorded before starting, so `capacity down` finds a stack that failed half-way.
  recordTool(options.stateDir, tool, probeTarget.composeFile);
  writeStackState({ ...state, phase: 'starting' });

  const cleanUp = async () => {
    progress('cleaning up: compose down');
    await run(downInvocation(tool, composeTarget, false), { timeoutMs: 120_000 }).catch(() => undefined);
    forgetStack(options.stateDir);
  };

  progress(`${tool.kind === 'v2' ? 'docker compose' : 'docker-compose'} up (building the reference app image on first use)`);
  const timeoutMs = options.timeoutMs ?? 900_000;
  const started = Date.now();
  const result = await run(upInvocation(tool, composeTarget), { signal: options.signal, timeoutMs, onLine: progress }).catch(
    (error: Error) => ({ code: -1, stdout: '', stderr: error.message }),
  );
  if (options.signal?.aborted) {
    await cleanUp();
    throw interrupted(options.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
  }
  if (result.code !== 0) {
    await cleanUp();
    throw unhealthy('`compose up` failed', 'see the lines above; `docker compose logs` shows each service', result.stderr.trim().split('\n').slice(-5));
  }

  // v1 has no --wait: poll until every service is healthy or the time is up.
  for (;;) {
    const health = await composeStatusOf(tool, composeTarget, state.baseUrl);
    if (health.every((component) => component.healthy)) break;
    if (options.signal?.aborted) {
      await cleanUp();
      throw interrupted(options.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    }
    if (Date.now() - started > timeoutMs) {
      await cleanUp();
      throw unhealthy(
        'the compose stack did not become healthy in time',
        'see `docker compose -p capacity logs`',
        health.filter((c) => !c.healthy).map((c) => `${c.name}: ${c.detail}`),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  writeStackState(state);
  return state;
}

/** Which compose tool and file `up` used, kept beside stack.json so status and down use the same. */
const TOOL_FILE = 'compose.json';

function recordTool(stateDir: string, tool: ComposeTool, composeFile: string): void {
  writeFileAtomicSync(join(stateDir, TOOL_FILE), `${JSON.stringify({ ...tool, composeFile })}\n`);
}

const BY_HAND = 'run `docker compose -p capacity down` by hand, then remove the state folder';

/** The tool and the compose target recorded by `up`; exit 3 when the record is gone, 2 when it is malformed. */
function recorded(stateDir: string): { tool: ComposeTool; target: ComposeTarget } {
  const file = join(stateDir, TOOL_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw missingDependency(`${file} is missing or unreadable: which compose tool started this stack is unknown`, BY_HAND);
  }
  const record = parsed as Partial<{ kind: string; docker: string; dockerCompose: string; composeFile: string }>;
  const tool: ComposeTool | undefined =
    record.kind === 'v2' && typeof record.docker === 'string'
      ? { kind: 'v2', docker: record.docker }
      : record.kind === 'v1' && typeof record.dockerCompose === 'string'
        ? { kind: 'v1', dockerCompose: record.dockerCompose }
        : undefined;
  if (!tool) throw badInput(`${file} does not name a compose tool`, [], BY_HAND);
  if (typeof record.composeFile !== 'string') throw badInput(`${file} does not name the compose file this stack was started from`, [], BY_HAND);
  return { tool, target: target(stateDir, record.composeFile, true) };
}

function forgetStack(stateDir: string): void {
  removeStackState(stateDir);
  rmSync(join(stateDir, 'compose.env'), { force: true });
  rmSync(join(stateDir, TOOL_FILE), { force: true });
}

async function status(state: StackState): Promise<ComponentHealth[]> {
  const { tool, target: composeTarget } = recorded(state.stateDir);
  return composeStatusOf(tool, composeTarget, state.baseUrl);
}

async function down(state: StackState, options: DownOptions): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  const { tool, target: composeTarget } = recorded(options.stateDir);
  progress(`compose down${options.purge ? ' -v (volumes too)' : ''}`);
  const result = await run(downInvocation(tool, composeTarget, options.purge), { timeoutMs: 180_000, onLine: progress });
  if (result.code !== 0) {
    throw unhealthy('`compose down` failed', 'is the Docker engine running?', result.stderr.trim().split('\n').slice(-3));
  }
  forgetStack(options.stateDir);
}

export const composeDriver: StackDriver = { name: 'compose', up, status, down };
