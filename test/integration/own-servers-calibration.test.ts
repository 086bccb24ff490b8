/**
 * Calibration from the user's own servers: an "api" process that calls a "database" process on
 * every request, both on loopback and scraped by a real Prometheus under their own job names.
 * `capacity run --prometheus … --prometheus-tier app=… --prometheus-tier database=…` must give
 * each tier a service demand that agrees with the CPU the processes themselves report, and
 * `capacity size --calibration` must accept the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../src/metrics/prometheus/client.js';
import { runCapacity } from './support/cli.js';
import { freePort } from './support/services.js';

/** Each role burns real CPU per request and reports its own CPU and the requests it served. */
const SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
const role = process.env.ROLE;
let served = 0;
const burn = (n) => crypto.pbkdf2Sync('x', 'salt', n, 16, 'sha256');
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const server = http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE process_cpu_seconds_total counter\\nprocess_cpu_seconds_total ' + cpuSeconds() + '\\nprocess_resident_memory_bytes ' + process.memoryUsage().rss + '\\n');
    return;
  }
  if (req.url === '/stats') { res.end(JSON.stringify({ served, cpuSeconds: cpuSeconds() })); return; }
  if (req.url === '/healthz') { res.end('{"status":"ok"}'); return; }
  served += 1;
  burn(role === 'api' ? 400 : 800);
  if (role === 'api') {
    const answer = await fetch(process.env.DB_URL + '/query');
    await answer.text();
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe("calibration from the user's own servers through their Prometheus", () => {
  const children: ChildProcess[] = [];
  let dir: string;
  let apiUrl: string;
  let dbUrl: string;
  let prometheusUrl: string;

  const start = (command: string, args: string[], env: Record<string, string>): ChildProcess => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const stats = async (url: string) => (await (await fetch(`${url}/stats`)).json()) as { served: number; cpuSeconds: number };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capacity-own-servers-'));
    const [apiPort, dbPort, promPort] = [await freePort(), await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${apiPort}`;
    dbUrl = `http://127.0.0.1:${dbPort}`;
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    start(process.execPath, ['-e', SERVER], { ROLE: 'db', PORT: String(dbPort) });
    start(process.execPath, ['-e', SERVER], { ROLE: 'api', PORT: String(apiPort), DB_URL: dbUrl });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: api\n    static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }]\n  - job_name: db\n    static_configs: [{ targets: ['127.0.0.1:${dbPort}'] }]\n`,
    );
    start('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], {});
    const client = new PrometheusClient({ baseUrl: prometheusUrl, timeoutMs: 1000 });
    for (let attempt = 0; attempt < 150; attempt += 1) {
      try {
        if ((await client.query('up == 1')).length === 2) break;
      } catch {
        // not up yet
      }
      await sleep(200);
    }
  });

  afterAll(async () => {
    for (const child of children) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await Promise.all(children.map(exited));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the app and database tiers demands that match their own CPU, and size accepts the run', async () => {
    const scenario = join(dir, 'staging.yaml');
    writeFileSync(
      scenario,
      [
        'name: staging-calibration',
        `target: { url: "${apiUrl}" }`,
        'model: open',
        'maxUsers: 20',
        'startTarget: 40',
        'stages:',
        '  - { duration: 16, target: 40 }',
        'requests:',
        '  - { name: work, path: /work }',
        'slos: none',
        '',
      ].join('\n'),
    );
    const [apiBefore, dbBefore] = [await stats(apiUrl), await stats(dbUrl)];
    const run = await runCapacity(
      [
        'run', '--scenario', scenario, '--engine', 'autocannon', '--quiet', '--results-dir', join(dir, 'results'),
        '--prometheus', prometheusUrl,
        '--prometheus-tier', 'app=process_cpu_seconds_total{job="api"}',
        '--prometheus-tier', 'database=process_cpu_seconds_total{job="db"}',
        '--prometheus-tier', 'database.memory=process_resident_memory_bytes{job="db"}',
      ],
      { cwd: dir, env: { ...process.env }, now: () => new Date() },
    );
    expect(run.code, run.stderr).toBe(0);
    const [apiAfter, dbAfter] = [await stats(apiUrl), await stats(dbUrl)];
    const [id] = readdirSync(join(dir, 'results'));
    const result = JSON.parse(readFileSync(join(dir, 'results', id as string, 'result.json'), 'utf8')) as {
      calibration?: { tiers: Array<{ tier: string; instances: number; cpuSecondsPerRequest: { value: number }; memoryBytesPerInstance: number }> };
    };
    const tiers = new Map(result.calibration?.tiers.map((tier) => [tier.tier, tier]));
    expect([...tiers.keys()].sort()).toEqual(['app', 'postgres']);
    // What each process says it spent per request it served, over the whole run (idle included).
    const ownDemand = (before: { served: number; cpuSeconds: number }, after: { served: number; cpuSeconds: number }) =>
      (after.cpuSeconds - before.cpuSeconds) / (after.served - before.served);
    const checks = [
      { tier: 'app', own: ownDemand(apiBefore, apiAfter) },
      { tier: 'postgres', own: ownDemand(dbBefore, dbAfter) },
    ];
    for (const { tier, own } of checks) {
      const measured = tiers.get(tier)!;
      expect(measured.instances).toBe(1);
      // The steady window versus the whole run, Prometheus' 1 s scrapes versus exact counters.
      expect(measured.cpuSecondsPerRequest.value, `${tier}: calibration ${measured.cpuSecondsPerRequest.value} s/req, process ${own} s/req`).toBeGreaterThan(own * 0.6);
      expect(measured.cpuSecondsPerRequest.value).toBeLessThan(own * 1.6);
    }
    expect(tiers.get('postgres')!.memoryBytesPerInstance).toBeGreaterThan(10 * 1024 * 1024);

    const size = await runCapacity(['size', '--users', '100000', '--calibration', join(dir, 'results', id as string), '--format', 'json'], { cwd: dir, env: { ...process.env }, now: () => new Date() });
    expect(size.code, size.stderr).toBe(0);
    expect(size.stdout).toContain('staging-calibration');
  });

  it('refuses a tier mapping without a Prometheus, and a malformed one, before any load (exit 2)', async () => {
    const noPrometheus = await runCapacity(['run', '--scenario', 'smoke', '--target', apiUrl, '--engine', 'autocannon', '--prometheus-tier', 'frontend=x_total'], { cwd: dir, env: { ...process.env }, now: () => new Date() });
    expect(noPrometheus.code).toBe(2);
    expect(noPrometheus.stderr).toContain('unknown tier "frontend"');
    const before = await stats(apiUrl);
    const missing = await runCapacity(['run', '--scenario', 'smoke', '--target', apiUrl, '--engine', 'autocannon', '--prometheus-tier', 'app=process_cpu_seconds_total'], { cwd: dir, env: { ...process.env }, now: () => new Date() });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('--prometheus-tier needs a Prometheus');
    expect((await stats(apiUrl)).served).toBe(before.served);
  });
});
