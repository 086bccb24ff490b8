import { fileURLToPath } from 'node:url';
/**
 * The compose stack cannot start here (no Docker engine), so its files are checked by what can
 * run: the parsed topology and settings, docker-compose v1's offline validation (`config -q`),
 * promtool on the Prometheus config, `nginx -t` on the load balancer's config, a real Prometheus
 * parsing every dashboard query, and the compose driver refusing to start without an engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { findBinary } from '../../src/core/binaries.js';
import { CapacityError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import type { ProcessContext } from '../../src/core/context.js';
import { COMPOSE_SERVICES, composeDriver } from '../../src/stack/compose/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const root = resolve(import.meta.dirname, '../..');
const composeDir = join(root, 'infra/compose');
const composeFile = join(composeDir, 'docker-compose.yml');

interface Healthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  user?: string;
  ports?: string[];
  networks?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  cpus?: number;
  mem_limit?: string;
  restart?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  read_only?: boolean;
  cap_drop?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as ComposeFile;
const services = compose.services;
const longRunning = Object.entries(services).filter(([, s]) => s.restart !== 'no');
const apps = ['app1', 'app2', 'app3'];

function volumeSource(service: Service, targetPath: string): string {
  const entry = (service.volumes ?? []).find((v) => v.split(':')[1] === targetPath);
  if (!entry) throw new Error(`no volume mounted at ${targetPath}`);
  return entry.split(':')[0]!;
}

describe('docker-compose.yml topology and settings', () => {
  it('has every service of the reference stack, and the driver knows the same list', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['nginx', ...apps, 'migrate', 'redis', 'postgres', 'prometheus', 'grafana', 'nginx-exporter', 'redis-exporter', 'postgres-exporter'].sort(),
    );
    expect(COMPOSE_SERVICES.map((s) => s.name).sort()).toEqual(Object.keys(services).sort());
  });

  it('publishes one port, the load balancer, on loopback only', () => {
    const publishing = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(publishing.map(([name]) => name)).toEqual(['nginx']);
    expect(services.nginx!.ports).toEqual(['127.0.0.1:${CAPACITY_LB_PORT:-8080}:8080']);
  });

  it('keeps everything on an internal network; only nginx is also on the public one', () => {
    expect(compose.networks.internal).toEqual({ internal: true });
    expect(compose.networks.public?.internal).not.toBe(true);
    for (const [name, service] of Object.entries(services)) {
      expect(service.networks, name).toContain('internal');
      if (name !== 'nginx') expect(service.networks, name).toEqual(['internal']);
    }
    expect(services.nginx!.networks).toEqual(['public', 'internal']);
  });

  it('has a healthcheck on every long-running service, and restart policies', () => {
    expect(longRunning.length).toBe(11);
    for (const [name, service] of longRunning) {
      expect(service.healthcheck, name).toBeDefined();
      const test = service.healthcheck!.test;
      expect(Array.isArray(test) ? test[0] : test, name).toMatch(/^CMD(-SHELL)?$/);
      expect(service.healthcheck!.interval, name).toMatch(/^\d+s$/);
      expect(service.restart, name).toBe('unless-stopped');
    }
    expect(services.postgres!.healthcheck!.test).toContain('pg_isready');
    expect(services.migrate!.restart).toBe('no');
  });

  it('limits CPU and memory of the apps (seeds x1/4 CPU, x1/16 memory) and of the data tiers', () => {
    for (const app of apps) {
      expect(services[app]!.cpus).toBe(1);
      expect(services[app]!.mem_limit).toBe('1g');
      expect(services[app]!.environment!.NODE_OPTIONS).toBe('--max-old-space-size=768');
    }
    expect(services.postgres!).toMatchObject({ cpus: 1, mem_limit: '2g' });
    expect(services.redis!).toMatchObject({ cpus: 0.5, mem_limit: '512m' });
    for (const [name, service] of Object.entries(services)) if (name !== 'migrate') expect(service.mem_limit, name).toBeDefined();
  });

  it('runs every container as a non-root user with all capabilities dropped', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.user, name).toBeDefined();
      expect(service.user, name).not.toMatch(/^(root|0)(:|$)/);
      expect(service.cap_drop, name).toEqual(['ALL']);
    }
    for (const app of apps) expect(services[app]!.read_only).toBe(true);
  });

  it('orders start-up with conditions: data tiers healthy, migration completed, apps healthy before nginx', () => {
    for (const app of apps) {
      expect(services[app]!.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    }
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.nginx!.depends_on).toEqual(Object.fromEntries(apps.map((a) => [a, { condition: 'service_healthy' }])));
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, spec] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(['service_healthy', 'service_completed_successfully'], name).toContain(spec.condition);
      }
    }
  });

  it('gives the apps the environment of the process contract (docs/architecture.md)', () => {
    apps.forEach((app) => {
      const env = services[app]!.environment!;
      expect(env.INSTANCE_ID).toBe(app);
      expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '3000', REDIS_URL: 'redis://redis:6379', BCRYPT_ROUNDS: '4' });
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/capacity:.*@postgres:5432\/capacity$/);
      for (const key of ['PG_POOL_SIZE', 'JWT_SECRET', 'RATE_LIMIT_MAX', 'RATE_LIMIT_WINDOW_MS']) expect(env[key], key).toBeDefined();
      expect(services[app]!.build).toEqual({ context: '../..', dockerfile: 'reference-app/Dockerfile' });
    });
    expect(String(services.migrate!.command)).toMatch(/migrate\.js && exec node reference-app\/dist\/seed\.js --users/);
  });

  it('configures PostgreSQL by flags (seeds scaled) and keeps its data in a volume', () => {
    const flags = (services.postgres!.command as string[]).filter((_, i, all) => all[i - 1] === '-c');
    expect(flags).toEqual(expect.arrayContaining(['shared_buffers=512MB', 'effective_cache_size=1536MB', 'maintenance_work_mem=128MB', 'max_connections=200']));
    expect(services.postgres!.image).toMatch(/^postgres:\d+/);
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain('pgdata');
  });

  it("uses the seeds' Redis settings", () => {
    const conf = readFileSync(join(composeDir, volumeSource(services.redis!, '/usr/local/etc/redis/redis.conf')), 'utf8');
    for (const line of ['maxmemory-policy allkeys-lru', 'save 900 1', 'save 300 10', 'save 60 10000', 'appendonly yes', 'tcp-keepalive 300', 'timeout 300']) {
      expect(conf).toContain(line);
    }
    const maxmemory = /^maxmemory (\d+)mb$/m.exec(conf);
    expect(Number(maxmemory?.[1])).toBeLessThan(512); // below the container limit
  });

  it('runs Prometheus with the remote-write receiver and native histograms', () => {
    const flags = services.prometheus!.command as string[];
    expect(flags).toContain('--web.enable-remote-write-receiver');
    expect(flags).toContain('--enable-feature=native-histograms');
    expect(flags).toContain('--web.route-prefix=/prometheus');
  });
});

describe('configs mounted into the services', () => {
  it('nginx balances app1..app3 with least_conn, keepalive and passive health checks', () => {
    const conf = readFileSync(join(composeDir, volumeSource(services.nginx!, '/etc/nginx/nginx.conf')), 'utf8');
    const upstream = /upstream app \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(upstream).toMatch(/^\s*least_conn;/m);
    expect(upstream).toMatch(/^\s*keepalive \d+;/m);
    const servers = [...upstream.matchAll(/server (\S+) max_fails=\d+ fail_timeout=\d+s;/g)].map((m) => m[1]);
    expect(servers).toEqual(['app1:3000', 'app2:3000', 'app3:3000']);
    expect(conf).toMatch(/proxy_set_header Connection "";/);
    expect(conf).toContain('stub_status');
    expect(String(services['nginx-exporter']!.command)).toContain('http://nginx:8081/stub_status');
  });

  it('nginx accepts the config (nginx -t, upstream hosts pointed at loopback)', () => {
    const nginx = findBinary('nginx', { path: process.env.PATH, extraDirs: ['/usr/sbin'] });
    if (!nginx) throw new Error('nginx is not installed: run `npm run setup` (apt-get install nginx-light)');
    const dir = mkdtempSync(join(tmpdir(), 'capacity-compose-nginx-'));
    try {
      const conf = readFileSync(join(composeDir, 'nginx/nginx.conf'), 'utf8').replace(/app\d:3000/g, '127.0.0.1:3000');
      writeFileSync(join(dir, 'nginx.conf'), conf);
      const result = spawnSync(nginx, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { encoding: 'utf8' });
      expect(result.stderr).toContain('test is successful');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Prometheus scrapes exactly the apps and the exporters of the compose file (promtool accepts it)', () => {
    const file = join(composeDir, volumeSource(services.prometheus!, '/etc/prometheus/prometheus.yml'));
    const config = parse(readFileSync(file, 'utf8'), { merge: true }) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((s) => s.targets));
    const hosts = targets.map((t) => t.split(':')[0]).filter((h) => h !== 'localhost');
    expect(hosts.sort()).toEqual([...apps, 'nginx-exporter', 'postgres-exporter', 'redis-exporter'].sort());
    for (const target of targets.filter((t) => !t.startsWith('localhost'))) {
      const [host, port] = target.split(':');
      expect(Object.keys(services), target).toContain(host);
      const known = COMPOSE_SERVICES.find((s) => s.name === host);
      expect(known?.port, target).toBe(Number(port));
    }
    expect(config.scrape_configs.find((j) => j.job_name === 'prometheus')?.metrics_path).toBe('/prometheus/metrics');

    const promtool = findBinary('promtool', { path: process.env.PATH });
    if (!promtool) throw new Error('promtool is not installed: run `npm run setup` (apt-get install prometheus)');
    const check = spawnSync(promtool, ['check', 'config', file], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it('Grafana has a provisioned Prometheus datasource and dashboard, and the dashboard JSON parses', () => {
    const provisioning = join(composeDir, volumeSource(services.grafana!, '/etc/grafana/provisioning'));
    const datasource = parse(readFileSync(join(provisioning, 'datasources/prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(datasource.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090/prometheus' });
    const providers = parse(readFileSync(join(provisioning, 'dashboards/capacity.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const dashboardsMount = providers.providers[0]!.options.path;
    const dashboardsDir = join(composeDir, volumeSource(services.grafana!, dashboardsMount));
    const files = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(['capacity.json']);
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, 'capacity.json'), 'utf8')) as {
      uid: string;
      panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const topic of [/Request rate/, /p95/, /Errors/, /CPU per service/]) expect(titles).toMatch(topic);
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe(datasource.datasources[0]!.uid);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs).toContain('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))');
  });
});

describe('dashboard queries parse in a real Prometheus', () => {
  let prometheus: ChildProcess | undefined;
  let dataDir: string;
  let url = '';

  beforeAll(async () => {
    const binary = findBinary('prometheus', { path: process.env.PATH });
    if (!binary) throw new Error('prometheus is not installed: run `npm run setup` (apt-get install prometheus)');
    dataDir = mkdtempSync(join(tmpdir(), 'capacity-compose-prom-'));
    writeFileSync(join(dataDir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    const port = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => done(p));
      });
    });
    url = `http://127.0.0.1:${port}`;
    prometheus = spawn(binary, [`--config.file=${join(dataDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dataDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=native-histograms'], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error('prometheus did not become ready in 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    if (prometheus?.pid && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts every panel expression (a typo would be a 400 bad_data)', async () => {
    const dashboard = JSON.parse(readFileSync(join(composeDir, 'grafana/dashboards/capacity.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of exprs) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string };
      expect(body.error ?? body.status, expr).toBe('success');
    }
    // and a broken one is refused, so the check can fail
    const broken = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('sum by (le (rate(x[1m]))')}`);
    expect(broken.status).toBe(400);
  });
});

describe('docker-compose v1 validates the file offline', () => {
  const dockerCompose = findBinary('docker-compose', { path: process.env.PATH });

  it('docker-compose is installed (the setup script installs it)', () => {
    expect(dockerCompose, 'docker-compose is missing: run `npm run setup` (apt-get install docker-compose)').toBeDefined();
  });

  it('`docker-compose config -q` accepts the file', () => {
    if (!dockerCompose) throw new Error('docker-compose is missing: run `npm run setup` (apt-get install docker-compose)');
    const result = spawnSync(dockerCompose, ['-f', composeFile, 'config', '-q'], { encoding: 'utf8', cwd: root });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('v1 reads the limits, healthchecks and networks the same way (normalized config)', () => {
    if (!dockerCompose) throw new Error('docker-compose is missing: run `npm run setup` (apt-get install docker-compose)');
    const result = spawnSync(dockerCompose, ['-f', composeFile, 'config'], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, CAPACITY_LB_PORT: '18080' },
    });
    expect(result.status).toBe(0);
    const normalized = parse(result.stdout) as {
      services: Record<string, { cpus?: number; mem_limit?: string | number; healthcheck?: unknown; ports?: unknown[]; networks?: Record<string, unknown> }>;
      networks: Record<string, { internal?: boolean }>;
    };
    expect(Object.keys(normalized.services).sort()).toEqual(Object.keys(services).sort());
    for (const app of apps) {
      expect(normalized.services[app]!.cpus).toBe(1);
      expect(normalized.services[app]!.mem_limit).toBeDefined();
      expect(normalized.services[app]!.healthcheck).toBeDefined();
    }
    expect(normalized.networks.internal?.internal).toBe(true);
    expect(JSON.stringify(normalized.services.nginx!.ports)).toContain('18080');
    expect(normalized.services.nginx!.ports).toHaveLength(1);
  });
});

describe('reference-app Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'reference-app/Dockerfile'), 'utf8');

  it('is multi-stage, builds like `npm run build -w reference-app`, installs production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm run build -w reference-app$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev --workspace reference-app/);
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/reference-app\/dist reference-app\/dist$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "reference-app\/dist\/server\.js"\]$/m);
  });

  it('runs as the non-root node user with a HEALTHCHECK', () => {
    const userLines = dockerfile.match(/^USER .*/gm) ?? [];
    expect(userLines).toEqual(['USER node']);
    expect(dockerfile.indexOf('USER node')).toBeLessThan(dockerfile.indexOf('CMD ['));
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD node -e .*\/readyz/m);
  });

  it('copies only files that exist and that its ignore file lets through', () => {
    const ignore = readFileSync(join(root, 'reference-app/Dockerfile.dockerignore'), 'utf8');
    const allowed = ignore.split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(allowed.some((a) => source === a || source.startsWith(`${a}/`)), source).toBe(true);
    }
  });
});

// These tests need the machine this project is built on: no Docker engine. Where one answers,
// `up` would really build and start the stack, which is not a test's job.
const dockerCli = findBinary('docker', { path: process.env.PATH });
const engineReachable = dockerCli !== undefined && spawnSync(dockerCli, ['version', '--format', '{{.Server.Version}}']).status === 0;

describe.skipIf(engineReachable)('the compose driver on a machine without a Docker engine (skipped where an engine answers)', () => {
  let stateRoot: string;
  beforeAll(() => {
    stateRoot = mkdtempSync(join(tmpdir(), 'capacity-compose-driver-'));
  });
  afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

  it('finds no compose tool on an empty PATH: exit 3 with an install hint, nothing written', async () => {
    const stateDir = join(stateRoot, 'empty-path');
    const error = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(3);
    expect((error as CapacityError).message).toContain('neither `docker compose` nor `docker-compose`');
    expect((error as CapacityError).hint).toContain('Docker Engine');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('with docker-compose but no engine: exit 3 naming the missing engine, nothing started or written', async () => {
    const stateDir = join(stateRoot, 'no-engine');
    const error = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: process.env.PATH }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(3);
    expect((error as CapacityError).message).toBe('no Docker engine is reachable: the compose stack cannot start here');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('refuses another number of app servers than the file has (exit 2)', async () => {
    const error = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir: join(stateRoot, 'apps'), apps: 5, path: '' }).catch((e: unknown) => e);
    expect((error as CapacityError).exitCode).toBe(2);
    expect((error as CapacityError).message).toContain('exactly 3 app servers');
  });

  it('`capacity up --driver compose` exits 3 with the hint and leaves no state', async () => {
    let err = '';
    const stateDir = join(stateRoot, 'cli');
    const ctx: ProcessContext = {
      env: { PATH: process.env.PATH },
      cwd: stateRoot,
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => ((err += chunk), true) },
      now: () => new Date(),
      signal: new AbortController().signal,
      debug: false,
      projectRoot: fileURLToPath(new URL('../../', import.meta.url)),
    };
    const code = await main(['up', '--driver', 'compose', '--state-dir', stateDir], ctx);
    expect(code).toBe(3);
    expect(err).toContain('no Docker engine is reachable');
    expect(err).toContain('hint: start Docker');
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
  });
});

/**
 * up, status and down end to end through a stand-in `docker` executable: Docker cannot run
 * here, so the process boundary is where the fake sits. It records its arguments and answers
 * like Compose v2 (`compose version`, `version`, `up --wait`, `ps --format json`, `down`).
 */
describe('the compose driver against a stand-in docker CLI (Compose v2 answers)', () => {
  let dir: string;
  let log: string;
  let control: string;
  const healthyPs = COMPOSE_SERVICES.map((s) =>
    JSON.stringify({ Service: s.name, Name: `capacity-${s.name}-1`, State: s.oneShot ? 'exited' : 'running', Health: s.oneShot ? '' : 'healthy', ExitCode: 0 }),
  ).join('\n');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'capacity-compose-fake-'));
    log = join(dir, 'calls.log');
    control = join(dir, 'up-exit-code');
    writeFileSync(join(dir, 'ps.json'), `${healthyPs}\n`);
    writeFileSync(
      join(dir, 'docker'),
      [
        '#!/bin/sh',
        `echo "$*" >> '${log}'`,
        'case "$*" in',
        '  "compose version") echo "Docker Compose version v2.29.7"; exit 0 ;;',
        '  "version --format"*) echo "27.3.1"; exit 0 ;;',
        `  *" up "*) echo "pulling and starting" >&2; exit "$(cat '${control}' 2>/dev/null || echo 0)" ;;`,
        `  *" ps "*) cat '${join(dir, 'ps.json')}'; exit 0 ;;`,
        '  *" down"*) exit 0 ;;',
        'esac',
        'echo "unexpected: $*" >&2; exit 64',
      ].join('\n'),
      { mode: 0o755 },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

  it('up waits with --wait, records the state; status reads ps; down removes volumes only with purge', async () => {
    const stateDir = join(dir, 'state');
    const progress: string[] = [];
    const state = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: dir, ports: { lb: 18080 }, seedUsers: 500, onProgress: (m) => progress.push(m) });
    expect(state.baseUrl).toBe('http://127.0.0.1:18080');
    expect(state.prometheusUrl).toBe('http://127.0.0.1:18080/prometheus');
    const up = calls().find((c) => c.includes(' up '))!;
    expect(up).toBe(`compose -f ${composeFile} -p capacity --env-file ${join(stateDir, 'compose.env')} up -d --build --wait`);
    expect(readFileSync(join(stateDir, 'compose.env'), 'utf8')).toContain('CAPACITY_LB_PORT=18080\nCAPACITY_SEED_USERS=500');
    expect(JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8'))).toMatchObject({ driver: 'compose', phase: 'ready' });
    expect(progress).toContain('pulling and starting');

    const health = await composeDriver.status(state);
    expect(health).toHaveLength(COMPOSE_SERVICES.length);
    expect(health.every((h) => h.healthy)).toBe(true);

    await composeDriver.down(state, { stateDir, purge: false });
    expect(calls().at(-1)).toMatch(/ down --remove-orphans$/);
    expect(existsSync(join(stateDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'compose.env'))).toBe(false);

    const again = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: dir, ports: { lb: 18081 } });
    await composeDriver.down(again, { stateDir, purge: true });
    expect(calls().at(-1)).toMatch(/ down --remove-orphans -v$/);
  });

  it('a failed up is cleaned up with down and leaves no state (exit 4)', async () => {
    writeFileSync(control, '1');
    const stateDir = join(dir, 'failing');
    const before = calls().length;
    const error = await composeDriver.up({ projectRoot: PROJECT_ROOT, stateDir, apps: 3, path: dir, ports: { lb: 18082 } }).catch((e: unknown) => e);
    writeFileSync(control, '0');
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).details).toContain('pulling and starting');
    const made = calls().slice(before);
    expect(made.at(-1)).toMatch(/ down --remove-orphans$/);
    expect(readdirSync(stateDir)).toEqual([]);
  });
});
