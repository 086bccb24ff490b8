import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunResult } from '../../src/results/schema.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(PROJECT_ROOT, 'bin', 'capacity');
const LOCUST = path.join(PROJECT_ROOT, '.venv-locust', 'bin', 'locust');

/**
 * Real separate hosts: four network namespaces joined by a bridge (in a fifth), the target in
 * one, `capacity run --engine locust --master-bind` in another, and two Locust workers in two
 * more: one joined with `capacity worker --master H:P`, the other with Locust's own worker command
 * (`locust -f - --worker --master-host H`), both fetching the generated locustfile from the master. The merged request count must equal the
 * target's own count, and the merged p95 the p95 of the union of the workers' raw samples
 * (written for the test through CAPACITY_LOCUST_RAW_SAMPLES) within the histogram's precision.
 * Then a worker killed by PID mid-run is recorded in the result and the run completes.
 *
 * Needs root (ip netns), iproute2 and the Locust venv (scripts/setup.sh), and dist/ built.
 */
const skipReason = ((): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  if (!existsSync(LOCUST)) return 'Locust is not installed (bash scripts/setup.sh)';
  if (!existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'bin.js'))) return 'dist/ is not built (npm run build)';
  return undefined;
})();
if (skipReason) console.log(`locust across network namespaces: skipped, ${skipReason}`);

const tag = `c${Math.random().toString(16).slice(2, 7)}`;
const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
const HOSTS = { target: 2, master: 3, w1: 4, w2: 5 } as const;
type Host = keyof typeof HOSTS;
const ns = (host: Host | 'hub'): string => `${tag}-${host}`;
const address = (host: Host): string => `${subnet}.${HOSTS[host]}`;
const MASTER_PORT = 5557;
const TARGET_PORT = 8080;

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function createHosts(): void {
  ip('netns', 'add', ns('hub'));
  ip('-n', ns('hub'), 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', ns('hub'), 'link', 'set', 'br0', 'up');
  for (const host of Object.keys(HOSTS) as Host[]) {
    const name = ns(host);
    ip('netns', 'add', name);
    const hubSide = `${tag}${host}a`;
    const hostSide = `${tag}${host}b`;
    ip('link', 'add', hubSide, 'type', 'veth', 'peer', 'name', hostSide);
    ip('link', 'set', hubSide, 'netns', ns('hub'));
    ip('link', 'set', hostSide, 'netns', name);
    ip('-n', ns('hub'), 'link', 'set', hubSide, 'master', 'br0', 'up');
    ip('-n', name, 'addr', 'add', `${address(host)}/24`, 'dev', hostSide);
    ip('-n', name, 'link', 'set', hostSide, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }
}

/** Stops what still runs in our namespaces (only processes this test started live there), then removes them. */
function removeHosts(): void {
  for (const host of [...(Object.keys(HOSTS) as Host[]), 'hub' as const]) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns(host)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
    } catch {
      // no such namespace (creation failed part way)
    }
    try {
      ip('netns', 'del', ns(host));
    } catch {
      // already gone
    }
  }
}

/** The target: counts the requests of the load (paths under /load/), answers each after 0-4 ms. */
const TARGET_SOURCE = `
const http = require('node:http');
let count = 0;
const server = http.createServer((request, response) => {
  if (!request.url.startsWith('/load/')) return response.end('ok');
  count += 1;
  setTimeout(() => response.end('{"ok":true}'), Math.floor(Math.random() * 5));
});
server.keepAliveTimeout = 60000;
server.listen(${TARGET_PORT}, process.argv[2], () => process.stdout.write('listening\\n'));
process.stdin.on('data', () => process.stdout.write(JSON.stringify({ count }) + '\\n'));
`;

function inHost(host: Host, command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns(host), command, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** p95 by nearest rank, as an HDR histogram ranks (ceil(0.95 n)-th smallest). */
function p95Of(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] as number;
}

describe.skipIf(skipReason !== undefined)('Locust across separate hosts (network namespaces)', () => {
  let work: string;
  let target: ChildProcess | undefined;
  let targetOutput: () => string = () => '';
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'capacity-locust-netns-'));
    createHosts();
    await writeFile(path.join(work, 'target.cjs'), TARGET_SOURCE);
    target = inHost('target', process.execPath, [path.join(work, 'target.cjs'), address('target')], { cwd: work });
    started.push(target);
    targetOutput = output(target);
    await waitFor('the target to listen', () => targetOutput().includes('listening'), 20_000);
    await writeFile(
      path.join(work, 'scenario.yaml'),
      [
        'name: netns',
        'model: open',
        'maxUsers: 20',
        'stages:',
        '  - { name: ramp, duration: 2s, target: 120 }',
        '  - { name: hold, duration: 8s, target: 120 }',
        'variables:',
        '  productId: { range: [1, 100] }',
        '  query: { list: [lamp, chair, oak] }',
        'requests:',
        '  - { name: item, path: "/load/item/{{productId}}", weight: 3 }',
        '  - { name: search, path: "/load/search?q={{query}}", weight: 1 }',
        `target: { url: "http://${address('target')}:${TARGET_PORT}" }`,
        'interval: 1s',
        'requestTimeout: 5s',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    removeHosts();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function targetCount(): Promise<number> {
    const before = targetOutput().length;
    target?.stdin?.write('count\n');
    await waitFor('the target\'s count', () => targetOutput().slice(before).includes('}'), 10_000);
    return (JSON.parse(targetOutput().slice(before).trim().split('\n')[0] as string) as { count: number }).count;
  }

  /** One distributed run: capacity's master in its namespace, a worker in each of w1 and w2. */
  async function distributedRun(name: string, duringLoad?: (workers: ChildProcess[], rawDir: string) => Promise<void>) {
    const resultsDir = path.join(work, `results-${name}`);
    const rawDir = await mkdtemp(path.join(work, `raw-${name}-`));
    const countBefore = await targetCount();
    const master = inHost('master', process.execPath, [BIN, 'run', '-s', path.join(work, 'scenario.yaml'), '--engine', 'locust', '--workers', '2', '--master-bind', `${address('master')}:${MASTER_PORT}`, '--results-dir', resultsDir, '-q'], { cwd: work, env: { CI: '1' } });
    started.push(master);
    const masterOutput = output(master);
    await waitFor('the master to listen', () => {
      try {
        return execFileSync('ip', ['netns', 'exec', ns('master'), 'ss', '-ltnH', `sport = :${MASTER_PORT}`], { encoding: 'utf8' }).trim().length > 0;
      } catch {
        return false;
      }
    }, 120_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${masterOutput()}`);
    });
    // w1 joins with `capacity worker`, w2 with Locust's own worker command; both fetch the
    // generated locustfile from the master.
    const env = { CAPACITY_LOCUST_RAW_SAMPLES: rawDir };
    const workers = [
      inHost('w1', process.execPath, [BIN, 'worker', '--master', `${address('master')}:${MASTER_PORT}`], { cwd: rawDir, env }),
      inHost('w2', LOCUST, ['-f', '-', '--worker', '--master-host', address('master'), '--master-port', String(MASTER_PORT)], { cwd: rawDir, env }),
    ];
    for (const worker of workers) {
      started.push(worker);
      output(worker);
    }
    if (duringLoad) await duringLoad(workers, rawDir);
    const code = await Promise.race([exited(master), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 180_000))]);
    expect(code, masterOutput()).toBe(0);
    await Promise.all(workers.map((worker) => Promise.race([exited(worker), new Promise((resolve) => setTimeout(resolve, 15_000))])));
    const served = (await targetCount()) - countBefore;
    const [id] = await readdir(resultsDir);
    const result = RunResult.parse(JSON.parse(await readFile(path.join(resultsDir, id as string, 'result.json'), 'utf8')));
    const raw: number[] = [];
    for (const file of await readdir(rawDir)) {
      if (!file.startsWith('worker-')) continue;
      for (const line of (await readFile(path.join(rawDir, file), 'utf8')).split('\n')) if (line) raw.push(Number(line));
    }
    return { result, served, raw };
  }

  it('the merged count is the target\'s own, and the merged p95 that of the union of the workers\' raw samples', async () => {
    const { result, served, raw } = await distributedRun('merge');
    console.log(JSON.stringify({ served, totals: result.totals, workers: result.generator?.workers }));
    expect(result.engine.name).toBe('locust');
    expect(result.status).toBe('complete');
    expect(served).toBeGreaterThan(0);
    expect(result.totals.requests).toBe(served);
    const workers = result.generator?.workers ?? [];
    expect(workers).toHaveLength(2);
    expect(new Set(workers.map((worker) => worker.id)).size).toBe(2);
    for (const worker of workers) {
      expect(worker.requests).toBeGreaterThan(0);
      expect(worker.lostAtS).toBeUndefined();
    }
    expect(raw).toHaveLength(result.totals.requests);
    // HDR with 3 significant digits reports the highest value of the sample's bucket: at most
    // 1/1024 above it; the result keeps ms to 3 decimals (1 µs).
    const rawP95Ms = p95Of(raw) / 1000;
    const mergedP95 = result.totals.latencyMs?.p95 ?? Number.NaN;
    expect(mergedP95).toBeGreaterThanOrEqual(rawP95Ms - 0.001);
    expect(mergedP95).toBeLessThanOrEqual(rawP95Ms * (1 + 1 / 1024) + 0.001);
  }, 300_000);

  it('a worker killed by PID mid-run is recorded with its time, and the run completes without it', async () => {
    let killedAt = 0;
    const { result, served } = await distributedRun('kill', async (workers, rawDir) => {
      // Once both workers are sending (their raw files grow), kill the second one.
      await waitFor(
        'both workers to send',
        async () => (await readdir(rawDir)).filter((file) => file.startsWith('worker-')).length === 2,
        120_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // The one started with Locust's own command: `ip netns exec` executes it in place, so this
      // PID is Locust's worker itself.
      const victim = workers[1] as ChildProcess;
      process.kill(victim.pid as number, 'SIGKILL');
      killedAt = Date.now();
    });
    console.log(JSON.stringify({ served, totals: result.totals, workers: result.generator?.workers, notes: result.engine.notes }));
    expect(killedAt).toBeGreaterThan(0);
    expect(result.status).toBe('complete');
    const workers = result.generator?.workers ?? [];
    expect(workers).toHaveLength(2);
    const lost = workers.filter((worker) => worker.lostAtS !== undefined);
    expect(lost).toHaveLength(1);
    const lostAtS = lost[0]?.lostAtS as number;
    expect(lostAtS).toBeGreaterThan(0);
    expect(lostAtS).toBeLessThan(result.plan && typeof result.plan === 'object' ? 10 + 5 : 15);
    expect(result.engine.notes.some((note) => note.includes('lost at'))).toBe(true);
    // The run went on: the surviving worker kept sending after the loss, and nothing is counted twice.
    const after = result.intervals.filter((interval) => interval.t > lostAtS + 1).reduce((sum, interval) => sum + interval.requests, 0);
    expect(after).toBeGreaterThan(0);
    expect(result.totals.requests).toBeLessThanOrEqual(served);
  }, 300_000);
});
