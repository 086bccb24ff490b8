import { describe, expect, it } from 'vitest';
import {
  COMPOSE_SERVICES,
  composeEnvFile,
  composeStackState,
  downInvocation,
  parsePsJson,
  parsePsTableV1,
  psInvocation,
  serviceHealth,
  upInvocation,
  type ContainerStatus,
} from './plan.js';

const v2 = { kind: 'v2' as const, docker: '/usr/bin/docker' };
const v1 = { kind: 'v1' as const, dockerCompose: '/usr/bin/docker-compose' };
const target = { composeFile: '/p/infra/compose/docker-compose.yml', project: 'capacity', envFile: '/s/compose.env' };

describe('compose command lines', () => {
  it('builds v2 invocations through the docker CLI plugin, with --wait', () => {
    expect(upInvocation(v2, target)).toEqual({
      file: '/usr/bin/docker',
      args: ['compose', '-f', target.composeFile, '-p', 'capacity', '--env-file', '/s/compose.env', 'up', '-d', '--build', '--wait'],
    });
    expect(psInvocation(v2, target).args.slice(-4)).toEqual(['ps', '--all', '--format', 'json']);
  });

  it('builds v1 invocations without the flags v1 lacks', () => {
    expect(upInvocation(v1, target)).toEqual({
      file: '/usr/bin/docker-compose',
      args: ['-f', target.composeFile, '-p', 'capacity', '--env-file', '/s/compose.env', 'up', '-d', '--build'],
    });
    expect(psInvocation(v1, target).args.slice(-2)).toEqual(['ps', '--all']);
  });

  it('removes volumes only when purging', () => {
    expect(downInvocation(v2, target, false).args.slice(-2)).toEqual(['down', '--remove-orphans']);
    expect(downInvocation(v2, target, true).args.slice(-3)).toEqual(['down', '--remove-orphans', '-v']);
    expect(downInvocation(v1, { composeFile: 'f', project: 'capacity' }, true).args).toEqual(['-f', 'f', '-p', 'capacity', 'down', '--remove-orphans', '-v']);
  });

  it('writes the interpolation values compose reads', () => {
    expect(composeEnvFile({ lbPort: 18080, seedUsers: 5000 })).toContain('CAPACITY_LB_PORT=18080\nCAPACITY_SEED_USERS=5000\n');
    expect(composeEnvFile({ lbPort: 8080 })).not.toContain('SEED');
  });
});

const line = (service: string, state: string, health: string, exitCode = 0) =>
  JSON.stringify({
    Command: '"docker-entrypoint.s…"',
    ExitCode: exitCode,
    Health: health,
    ID: `id-${service}`,
    Image: 'img',
    Name: `capacity-${service}-1`,
    Project: 'capacity',
    Publishers: [],
    Service: service,
    State: state,
    Status: 'Up 2 minutes',
  });

describe('ps parsing', () => {
  it('reads the one-object-per-line format of recent Compose v2', () => {
    const text = [line('redis', 'running', 'healthy'), line('migrate', 'exited', '', 0), ''].join('\n');
    const parsed = parsePsJson(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.containers).toEqual([
      { service: 'redis', name: 'capacity-redis-1', state: 'running', health: 'healthy', exitCode: 0 },
      { service: 'migrate', name: 'capacity-migrate-1', state: 'exited', health: '', exitCode: 0 },
    ]);
  });

  it('reads the JSON array of older Compose v2 releases, and reports garbage instead of guessing', () => {
    expect(parsePsJson(`[${line('app1', 'running', 'starting')}]`).containers[0]).toMatchObject({ service: 'app1', health: 'starting' });
    expect(parsePsJson('').containers).toEqual([]);
    const bad = parsePsJson('{"Service":"redis","State":"running"}\nnot json\n{"Name":"x"}');
    expect(bad.containers).toHaveLength(1);
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[0]).toContain('line 2');
  });

  it('reads the v1 table', () => {
    const table = [
      '          Name                        Command               State                 Ports',
      '----------------------------------------------------------------------------------------------',
      'capacity_app1_1              docker-entrypoint.sh node  ...   Up (healthy)            3000/tcp',
      'capacity_migrate_1           docker-entrypoint.sh sh -c ...   Exit 0',
      'capacity_nginx_1             /docker-entrypoint.sh ngin ...   Up (health: starting)   127.0.0.1:8080->8080/tcp',
      'capacity_redis_1             docker-entrypoint.sh redis ...   Exit 137',
      'other_app1_1                 docker-entrypoint.sh node  ...   Up (healthy)            3000/tcp',
    ].join('\n');
    expect(parsePsTableV1(table, 'capacity')).toEqual([
      { service: 'app1', name: 'capacity_app1_1', state: 'running', health: 'healthy' },
      { service: 'migrate', name: 'capacity_migrate_1', state: 'exited', health: '', exitCode: 0 },
      { service: 'nginx', name: 'capacity_nginx_1', state: 'running', health: 'starting' },
      { service: 'redis', name: 'capacity_redis_1', state: 'exited', health: '', exitCode: 137 },
    ]);
  });
});

describe('health per service', () => {
  const allHealthy = (): ContainerStatus[] =>
    COMPOSE_SERVICES.map((s) =>
      s.oneShot
        ? { service: s.name, name: `${s.name}-1`, state: 'exited', health: '', exitCode: 0 }
        : { service: s.name, name: `${s.name}-1`, state: 'running', health: 'healthy' },
    );

  it('is healthy when every long-running service is healthy and the migration exited 0', () => {
    const health = serviceHealth(allHealthy(), 'http://127.0.0.1:8080');
    expect(health.map((h) => h.name)).toEqual(COMPOSE_SERVICES.map((s) => s.name));
    expect(health.every((h) => h.healthy)).toBe(true);
    expect(health.find((h) => h.name === 'nginx')?.url).toBe('http://127.0.0.1:8080');
    expect(health.find((h) => h.name === 'migrate')?.detail).toBe('completed (exit 0)');
  });

  it('names what is wrong: missing, unhealthy, starting, a failed migration', () => {
    const containers = allHealthy()
      .filter((c) => c.service !== 'grafana')
      .map((c) => {
        if (c.service === 'app2') return { ...c, health: 'unhealthy' };
        if (c.service === 'redis') return { ...c, health: 'starting' };
        if (c.service === 'migrate') return { ...c, exitCode: 1 };
        if (c.service === 'postgres') return { ...c, state: 'restarting' };
        return c;
      });
    const bad = Object.fromEntries(serviceHealth(containers, 'u').filter((h) => !h.healthy).map((h) => [h.name, h.detail]));
    expect(bad).toEqual({
      grafana: 'no container',
      app2: 'running, unhealthy',
      redis: 'running, starting',
      migrate: 'exited with 1',
      postgres: 'restarting',
    });
  });
});

describe('stack state', () => {
  it('exposes the load balancer, and Prometheus and Grafana behind it; the rest is internal', () => {
    const state = composeStackState({ stateDir: '/s', startedAt: '2026-01-01T00:00:00Z', lbPort: 18080 });
    expect(state.driver).toBe('compose');
    expect(state.baseUrl).toBe('http://127.0.0.1:18080');
    expect(state.prometheusUrl).toBe('http://127.0.0.1:18080/prometheus');
    expect(state.components.filter((c) => c.tier === 'app').map((c) => c.name)).toEqual(['app1', 'app2', 'app3']);
    expect(state.components.some((c) => c.name === 'migrate')).toBe(false);
    const reachable = state.components.filter((c) => c.url).map((c) => c.name);
    expect(reachable).toEqual(['nginx', 'prometheus', 'grafana']);
    expect(state.components.every((c) => c.pid === undefined)).toBe(true);
  });
});
