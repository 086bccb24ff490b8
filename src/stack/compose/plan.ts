/**
 * Pure parts of the compose driver: the command lines for `docker compose` (v2) or
 * `docker-compose` (v1), the parsing of `ps` output, health per service, and the StackState of
 * infra/compose/docker-compose.yml. No processes or files here.
 */
import type { ComponentHealth, StackComponent, StackState, Tier } from '../types.js';

export const COMPOSE_PROJECT = 'capacity';
export const COMPOSE_FILE = 'infra/compose/docker-compose.yml';

/** The services of infra/compose/docker-compose.yml, with the tier each belongs to. */
export const COMPOSE_SERVICES: ReadonlyArray<{ name: string; tier: Tier; host: string; port: number; oneShot?: boolean }> = [
  { name: 'nginx', tier: 'lb', host: 'nginx', port: 8080 },
  { name: 'app1', tier: 'app', host: 'app1', port: 3000 },
  { name: 'app2', tier: 'app', host: 'app2', port: 3000 },
  { name: 'app3', tier: 'app', host: 'app3', port: 3000 },
  { name: 'migrate', tier: 'postgres', host: 'migrate', port: 5432, oneShot: true },
  { name: 'redis', tier: 'redis', host: 'redis', port: 6379 },
  { name: 'postgres', tier: 'postgres', host: 'postgres', port: 5432 },
  { name: 'prometheus', tier: 'prometheus', host: 'prometheus', port: 9090 },
  { name: 'grafana', tier: 'grafana', host: 'grafana', port: 3000 },
  { name: 'nginx-exporter', tier: 'exporter', host: 'nginx-exporter', port: 9113 },
  { name: 'redis-exporter', tier: 'exporter', host: 'redis-exporter', port: 9121 },
  { name: 'postgres-exporter', tier: 'exporter', host: 'postgres-exporter', port: 9187 },
];

/** The file has exactly three app servers (app1..app3), behind an nginx upstream naming them. */
export const COMPOSE_APPS = 3;

/** v2 is the `compose` plugin of the docker CLI; v1 is the standalone Python docker-compose. */
export type ComposeTool = { kind: 'v2'; docker: string } | { kind: 'v1'; dockerCompose: string };

export interface Invocation {
  file: string;
  args: string[];
}

export interface ComposeTarget {
  composeFile: string;
  project: string;
  /** Values for the file's ${...} interpolation (CAPACITY_LB_PORT, ...). */
  envFile?: string;
}

function base(tool: ComposeTool, target: ComposeTarget): Invocation {
  const common = ['-f', target.composeFile, '-p', target.project, ...(target.envFile ? ['--env-file', target.envFile] : [])];
  return tool.kind === 'v2' ? { file: tool.docker, args: ['compose', ...common] } : { file: tool.dockerCompose, args: common };
}

/**
 * `up -d --build`, and with v2 `--wait` (returns once every service is healthy, or fails). v1
 * has no --wait: the driver polls `ps` instead.
 */
export function upInvocation(tool: ComposeTool, target: ComposeTarget): Invocation {
  const invocation = base(tool, target);
  invocation.args.push('up', '-d', '--build', ...(tool.kind === 'v2' ? ['--wait'] : []));
  return invocation;
}

/** `down`, removing volumes (the database, metrics) only when purging. */
export function downInvocation(tool: ComposeTool, target: ComposeTarget, purge: boolean): Invocation {
  const invocation = base(tool, target);
  invocation.args.push('down', '--remove-orphans', ...(purge ? ['-v'] : []));
  return invocation;
}

/** `ps` of every container, stopped ones included (the one-shot migrate exits). */
export function psInvocation(tool: ComposeTool, target: ComposeTarget): Invocation {
  const invocation = base(tool, target);
  invocation.args.push('ps', '--all', ...(tool.kind === 'v2' ? ['--format', 'json'] : []));
  return invocation;
}

/** One container as `ps` describes it. */
export interface ContainerStatus {
  service: string;
  name: string;
  /** running, exited, restarting, created, paused, dead */
  state: string;
  /** healthy, unhealthy, starting, or '' when the service has no healthcheck. */
  health: string;
  exitCode?: number;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toStatus(entry: unknown): ContainerStatus | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const service = str(e.Service);
  if (!service) return undefined;
  return {
    service,
    name: str(e.Name),
    state: str(e.State).toLowerCase(),
    health: str(e.Health).toLowerCase(),
    ...(typeof e.ExitCode === 'number' ? { exitCode: e.ExitCode } : {}),
  };
}

/**
 * Parses `docker compose ps --format json`: older v2 releases print one JSON array, newer ones
 * one JSON object per line. Lines that are not JSON are reported, not guessed at.
 */
export function parsePsJson(text: string): { containers: ContainerStatus[]; problems: string[] } {
  const trimmed = text.trim();
  const containers: ContainerStatus[] = [];
  const problems: string[] = [];
  if (!trimmed) return { containers, problems };
  const entries: unknown[] = [];
  if (trimmed.startsWith('[')) {
    try {
      entries.push(...(JSON.parse(trimmed) as unknown[]));
    } catch (error) {
      problems.push(`ps output is not JSON: ${(error as Error).message}`);
    }
  } else {
    trimmed.split('\n').forEach((line, index) => {
      if (!line.trim()) return;
      try {
        entries.push(JSON.parse(line));
      } catch {
        problems.push(`ps output line ${index + 1} is not JSON: ${line.slice(0, 80)}`);
      }
    });
  }
  for (const entry of entries) {
    const status = toStatus(entry);
    if (status) containers.push(status);
    else problems.push(`ps entry without a Service: ${JSON.stringify(entry).slice(0, 80)}`);
  }
  return { containers, problems };
}

/**
 * Parses docker-compose v1's `ps` table ("Name  Command  State  Ports"). The state column reads
 * "Up", "Up (healthy)", "Up (unhealthy)", "Up (health: starting)", "Exit 0", ... The service
 * is the container name minus the project prefix and the replica suffix.
 */
export function parsePsTableV1(text: string, project: string): ContainerStatus[] {
  const out: ContainerStatus[] = [];
  for (const line of text.split('\n')) {
    const columns = line.trim().split(/\s{2,}/);
    const name = columns[0] ?? '';
    const prefix = `${project}_`;
    if (!name.startsWith(prefix) || columns.length < 3) continue;
    const service = name.slice(prefix.length).replace(/_\d+$/, '');
    const stateText = columns.find((column, i) => i > 0 && /^(Up|Exit|Restarting|Paused)\b/.test(column)) ?? '';
    const exit = /^Exit (-?\d+)/.exec(stateText);
    const health = /\(healthy\)/.test(stateText)
      ? 'healthy'
      : /\(unhealthy\)/.test(stateText)
        ? 'unhealthy'
        : /health: starting/.test(stateText)
          ? 'starting'
          : '';
    out.push({
      service,
      name,
      state: stateText.startsWith('Up') ? 'running' : exit ? 'exited' : stateText.split(' ')[0]?.toLowerCase() ?? '',
      health,
      ...(exit ? { exitCode: Number(exit[1]) } : {}),
    });
  }
  return out;
}

/** Health of every service of the file from what `ps` reported. */
export function serviceHealth(containers: readonly ContainerStatus[], lbUrl: string): ComponentHealth[] {
  return COMPOSE_SERVICES.map((service) => {
    const mine = containers.filter((c) => c.service === service.name);
    const url = service.name === 'nginx' ? lbUrl : undefined;
    const base = { name: service.name, tier: service.tier, ...(url ? { url } : {}) };
    if (mine.length === 0) return { ...base, healthy: false, detail: 'no container' };
    if (service.oneShot) {
      const done = mine.every((c) => c.state === 'exited' && c.exitCode === 0);
      const detail = done ? 'completed (exit 0)' : mine.map((c) => (c.state === 'exited' ? `exited with ${c.exitCode ?? '?'}` : c.state)).join(', ');
      return { ...base, healthy: done, detail };
    }
    const bad = mine.find((c) => c.state !== 'running' || (c.health !== '' && c.health !== 'healthy'));
    if (!bad) return { ...base, healthy: true, detail: mine.some((c) => c.health === 'healthy') ? 'running, healthy' : 'running (no healthcheck)' };
    const detail = bad.state !== 'running' ? `${bad.state}${bad.exitCode !== undefined ? ` (exit ${bad.exitCode})` : ''}` : `running, ${bad.health}`;
    return { ...base, healthy: false, detail };
  });
}

/** The StackState of the compose stack: only the load balancer's port reaches the host. */
export function composeStackState(input: { stateDir: string; startedAt: string; lbPort: number }): StackState {
  const lbUrl = `http://127.0.0.1:${input.lbPort}`;
  const components: StackComponent[] = COMPOSE_SERVICES.filter((s) => !s.oneShot).map((service) => {
    if (service.name === 'nginx') return { name: 'nginx', tier: 'lb', host: '127.0.0.1', port: input.lbPort, url: lbUrl };
    if (service.name === 'prometheus') {
      return { name: 'prometheus', tier: 'prometheus', host: '127.0.0.1', port: input.lbPort, url: `${lbUrl}/prometheus` };
    }
    if (service.name === 'grafana') return { name: 'grafana', tier: 'grafana', host: '127.0.0.1', port: input.lbPort, url: `${lbUrl}/grafana` };
    // Inside the internal network only: named for reports, not reachable from the host.
    return { name: service.name, tier: service.tier, host: service.host, port: service.port };
  });
  return {
    driver: 'compose',
    startedAt: input.startedAt,
    stateDir: input.stateDir,
    baseUrl: lbUrl,
    prometheusUrl: `${lbUrl}/prometheus`,
    components,
    phase: 'ready',
  };
}

/** The --env-file the driver hands to compose for the file's ${...} interpolation. */
export function composeEnvFile(values: { lbPort: number; seedUsers?: number }): string {
  const lines = ['# written by capacity up --driver compose', `CAPACITY_LB_PORT=${values.lbPort}`];
  if (values.seedUsers !== undefined) lines.push(`CAPACITY_SEED_USERS=${values.seedUsers}`);
  return `${lines.join('\n')}\n`;
}
