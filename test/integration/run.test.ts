import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunResult } from '../../src/results/read.js';

const readResult = async (dir: string) => (await loadRunResult(dir, process.cwd())).result;

/**
 * `capacity run` as a user runs it (`node bin/capacity run ...` after the build), from a foreign
 * working directory, against a real HTTP server on loopback that counts what it serves.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'capacity');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

function runCli(args: string[], cwd: string, options: { interruptAfterMs?: number; onStderr?: (text: string) => void } = {}): Promise<Exit> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(chunk.toString());
    });
    const timer = options.interruptAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), options.interruptAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** A small API on loopback: /healthz, /auth/login with a token, everything else 200 JSON. */
function startCountingServer(): Promise<{ server: Server; url: string; counts: { healthz: number; other: number }; delay: { ms: number } }> {
  const counts = { healthz: 0, other: 0 };
  // Added latency on the API routes, so a test can make a real regression.
  const delay = { ms: 0 };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === '/healthz') {
        counts.healthz += 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      counts.other += 1;
      if (request.url === '/auth/login') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"accessToken":"t","refreshToken":"r"}');
        return;
      }
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delay.ms);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, counts, delay });
    });
  });
}

let work: string;
let target: Awaited<ReturnType<typeof startCountingServer>>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'capacity-run-'));
  target = await startCountingServer();
});

afterAll(async () => {
  await new Promise<void>((resolve) => target.server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

describe('capacity run', () => {
  it('runs smoke with autocannon against a URL and writes one valid result that matches the server counter', async () => {
    const resultsDir = path.join(work, 'results-ok');
    const before = { ...target.counts };
    const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--duration', '4s', '--results-dir', resultsDir], work);
    expect(exit.stderr).toContain('preflight:');
    expect(exit.code, exit.stderr).toBe(0);
    const [id, ...others] = await readdir(resultsDir);
    expect(others).toEqual([]);
    expect(id).toMatch(/^\d{8}-\d{6}-\d{3}_smoke_autocannon$/);
    const result = await readResult(path.join(resultsDir, id as string));
    expect(result).toMatchObject({ status: 'complete', verdict: 'pass', engine: { name: 'autocannon' }, target: { kind: 'url', baseUrl: target.url } });
    expect(result.scenario.source).toBe('builtin:smoke');
    expect((result.plan as { totalDurationS: number }).totalDurationS).toBe(4);
    expect(result.slos.map((slo) => slo.name)).toEqual(['p95 <= 500 ms', 'error rate <= 1 %']);
    expect(result.slos.every((slo) => slo.pass)).toBe(true);
    const served = target.counts.other - before.other;
    expect(served).toBeGreaterThan(0);
    // The target also answered the sign-in, which the result reports apart from the measured load.
    expect(Math.abs(result.totals.requests + (result.setup?.requests ?? 0) - served) / served).toBeLessThanOrEqual(0.01);
    for (const raw of result.rawFiles) expect(await readdir(path.join(resultsDir, id as string))).toContain(raw.split('/')[0]);
    expect(exit.stdout).toContain('verdict      pass');
    expect(exit.stdout).toContain(path.join('results-ok', id as string, 'result.json'));
    // One progress line per interval on stderr.
    expect(exit.stderr.split('\n').filter((line) => /achieved [\d.]+\/s/.test(line)).length).toBeGreaterThanOrEqual(3);
  });

  it('exits 1 when an SLO fails, and still writes the result', async () => {
    const resultsDir = path.join(work, 'results-fail');
    const exit = await runCli(
      ['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--duration', '2s', '--set', 'slos.minRps=100000', '--results-dir', resultsDir, '--quiet'],
      work,
    );
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).not.toMatch(/achieved/);
    const [id] = await readdir(resultsDir);
    const result = await readResult(path.join(resultsDir, id as string));
    expect(result.verdict).toBe('fail');
    expect(result.slos.find((slo) => slo.metric === 'minRps')).toMatchObject({ pass: false, threshold: 100000 });
    expect(exit.stdout).toContain('FAIL  throughput >= 100000 req/s');
  });

  it('--update-baseline records a baseline; --baseline then gates a slower run with exit 1', async () => {
    const baselineFile = path.join(work, 'baselines', 'smoke.json');
    const common = ['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--duration', '8s', '--quiet'];
    const recorded = await runCli([...common, '--results-dir', path.join(work, 'results-gate-a'), '--update-baseline', baselineFile], work);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stderr).toContain('wrote baseline');
    expect(JSON.parse(await readFile(baselineFile, 'utf8'))).toMatchObject({ scenario: 'smoke' });

    target.delay.ms = 80;
    try {
      const slower = await runCli([...common, '--results-dir', path.join(work, 'results-gate-b'), '--baseline', baselineFile], work);
      expect(slower.stdout).toContain('gate: FAILED: regression beyond the tolerance');
      expect(slower.code, slower.stderr).toBe(1);
    } finally {
      target.delay.ms = 0;
    }
  });

  it('stops on the plan\'s timeline when the target cannot keep up (autocannon)', async () => {
    // 20 connections at 3 s per answer serve ~7 req/s of the 20 planned: the steps cannot finish
    // their requests, and the run must still end shortly after the plan's 8 s.
    const resultsDir = path.join(work, 'results-slow');
    target.delay.ms = 3000;
    try {
      const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--results-dir', resultsDir, '--quiet'], work);
      expect([0, 1]).toContain(exit.code);
      const [id] = await readdir(resultsDir);
      const result = await readResult(path.join(resultsDir, id as string));
      const plan = result.plan as { totalDurationS: number; requestTimeoutS: number };
      expect(result.status).toBe('complete');
      expect(result.window.durationS).toBeLessThanOrEqual(plan.totalDurationS + plan.requestTimeoutS);
      // A target answering in 3 s held every connection: the system limited the run, not the generator.
      expect(result.generator?.limit?.verdict).toBe('system-bound');
      expect(result.generator?.saturated).toBe(false);
    } finally {
      target.delay.ms = 0;
    }
  });

  it('a corrupt baseline exits 2 before any load is sent', async () => {
    const corrupt = path.join(work, 'corrupt-baseline.json');
    await writeFile(corrupt, '{"kind": "capacity-baseline", "runs": [');
    const resultsDir = path.join(work, 'results-corrupt-baseline');
    const before = target.counts.other;
    const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--baseline', corrupt, '--results-dir', resultsDir], work);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain('corrupt-baseline.json');
    expect(target.counts.other).toBe(before);
    await expect(readdir(resultsDir)).rejects.toThrow();
  });

  it('an invalid --cloudwatch config exits 2 listing every problem, before any load', async () => {
    const config = path.join(work, 'cloudwatch.yaml');
    await writeFile(config, 'periodSeconds: 45\nalb: { loadBalancers: [] }\n');
    const resultsDir = path.join(work, 'results-bad-cloudwatch');
    const before = target.counts.other;
    const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--cloudwatch', config, '--results-dir', resultsDir], work);
    expect(exit.code, exit.stderr).toBe(2);
    expect(exit.stderr).toContain('cloudwatch.yaml is not a valid CloudWatch config');
    expect(exit.stderr).toMatch(/region/);
    expect(exit.stderr).toMatch(/period must be 1, 5, 10, 30 or a multiple of 60/);
    expect(target.counts.other).toBe(before);
    await expect(readdir(resultsDir)).rejects.toThrow();
  });

  it('a target that refuses connections exits 4 and leaves no result folder', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const resultsDir = path.join(work, 'results-refused');
    const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', `http://127.0.0.1:${port}`, '--results-dir', resultsDir], work);
    console.log(`refused target: exit ${exit.code} after ${exit.elapsedMs} ms`);
    expect(exit.code).toBe(4);
    expect(exit.stderr).toMatch(/does not answer: .*ECONNREFUSED/);
    await expect(readdir(resultsDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a bad scenario exits 2 listing every error with file, line and field, before anything starts', async () => {
    await writeFile(
      path.join(work, 'bad.yaml'),
      [
        'name: bad',
        'model: open',
        'maxUsers: lots',
        'colour: red',
        'stages:',
        '  - { duration: 10s, target: -1 }',
        'requests:',
        '  - { name: a, path: /a, weight: 0 }',
        '',
      ].join('\n'),
    );
    const resultsDir = path.join(work, 'results-bad');
    const exit = await runCli(['run', '--scenario', './bad.yaml', '--engine', 'autocannon', '--target', target.url, '--results-dir', resultsDir], work);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('error: ./bad.yaml is not a valid scenario (4 problems)');
    expect(exit.stderr).toContain('./bad.yaml:3:11 maxUsers: expected number, got "lots" (string)');
    expect(exit.stderr).toContain('./bad.yaml:4:1 colour: unknown key "colour"');
    expect(exit.stderr).toContain('./bad.yaml:6:30 stage 1 target: must be >= 0');
    expect(exit.stderr).toContain('./bad.yaml:8:3 requests: weights sum to 0');
    expect(exit.stderr).not.toContain('    at ');
    await expect(readdir(resultsDir)).rejects.toMatchObject({ code: 'ENOENT' });

    await writeFile(path.join(work, 'empty.yaml'), 'name: empty\nmodel: open\nmaxUsers: 5\nstages: []\nrequests:\n  - { name: a, path: "/u/{user}" }\n');
    const empty = await runCli(['run', '--scenario', './empty.yaml', '--target', target.url], work);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('./empty.yaml:4:9 stages: needs at least one stage');
    expect(empty.stderr).toContain('./empty.yaml:6:22 requests[0].path: {user} is the old placeholder syntax: write {{user}} and define user under variables');

    await writeFile(path.join(work, 'syntax.yaml'), 'name: x\nstages: [ { duration: 1s\nmodel: open\n');
    const syntax = await runCli(['run', '--scenario', 'syntax.yaml', '--target', target.url], work);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/syntax\.yaml:\d+:\d+ YAML syntax: /);
  });

  it('bad flags exit 2', async () => {
    const rps = await runCli(['run', '--scenario', 'stress', '--rps', '10', '--target', target.url], work);
    expect(rps.code).toBe(2);
    expect(rps.stderr).toContain('--rps applies to open-model scenarios');
    const set = await runCli(['run', '--scenario', 'smoke', '--set', 'stages.1.target=-4', '--target', target.url], work);
    expect(set.code).toBe(2);
    expect(set.stderr).toContain('--set stages.1.target=-4 → stage 1 target: must be >= 0');
    const url = await runCli(['run', '--scenario', 'smoke', '--target', 'ftp://x'], work);
    expect(url.code).toBe(2);
    const failover = await runCli(['run', '--scenario', 'failover', '--target', target.url], work);
    expect(failover.code).toBe(2);
    expect(failover.stderr).toContain('needs the local stack');
  });

  it('Ctrl-C stops the engine, saves a partial result and exits 130', async () => {
    const resultsDir = path.join(work, 'results-interrupted');
    let ticks = 0;
    const exit = await new Promise<Exit>((resolve, reject) => {
      const started = Date.now();
      const child = spawn(process.execPath, [BIN, 'run', '--scenario', 'smoke', '--engine', 'autocannon', '--target', target.url, '--duration', '30s', '--results-dir', resultsDir], {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Interrupt once the load is flowing (two interval lines seen).
        ticks += (chunk.toString().match(/achieved/g) ?? []).length;
        if (ticks >= 2 && !child.killed) child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started }));
    });
    expect(exit.code, exit.stderr).toBe(130);
    const [id] = await readdir(resultsDir);
    const result = await readResult(path.join(resultsDir, id as string));
    expect(result.status).toBe('partial');
    expect(result.partialReason).toContain('SIGINT');
    expect(result.totals.requests).toBeGreaterThan(0);
    expect(result.window.durationS).toBeLessThan(30);
    expect(exit.stdout).toContain('PARTIAL');
  });
});

describe('capacity scenarios and plan', () => {
  it('lists the built-ins from any working directory', async () => {
    const exit = await runCli(['scenarios', '--json'], work);
    expect(exit.code).toBe(0);
    const rows = JSON.parse(exit.stdout) as Array<{ name: string; peak: number; model: string }>;
    expect(rows.map((row) => row.name)).toEqual(['baseline', 'failover', 'peak', 'smoke', 'soak', 'spike', 'stress']);
    expect(rows.find((row) => row.name === 'peak')).toMatchObject({ model: 'open', peak: 10000 });
  });

  it('prints a plan without running anything, with overrides applied', async () => {
    const exit = await runCli(['plan', '--scenario', 'peak', '--engine', 'autocannon', '--target', target.url, '--rps', '500', '--json'], work);
    expect(exit.code, exit.stderr).toBe(0);
    const { plan } = JSON.parse(exit.stdout) as { plan: { peakTarget: number; baseUrl: string; stages: Array<{ target: number }> } };
    expect(plan.peakTarget).toBe(500);
    expect(plan.baseUrl).toBe(target.url);
    const text = await runCli(['plan', '--scenario', 'peak'], work);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('10,000 req/s');
    expect(text.stdout).toMatch(/│[ ▁▂▃▄▅▆▇█]+│/);
  });
});
