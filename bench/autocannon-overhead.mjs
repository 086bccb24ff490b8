#!/usr/bin/env node
// Benchmark: how many req/s capacity's autocannon adapter achieves compared with the plain
// autocannon CLI, with the same settings (connections, duration, one GET), against a local nginx
// that answers a constant (so the load generator, not the target, is the limit).
// Runs alternate (CLI, adapter, CLI, adapter, ...); prints each run and the medians.
//
//   npm run build && node bench/autocannon-overhead.mjs [--runs 5] [--connections 50] [--duration 10]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};

// Child mode: run the adapter once in a fresh process (as `capacity run` would) and print JSON.
if (args[0] === '--adapter-child') {
  const [, url, connections, duration, outDir] = args;
  const { getEngine } = await import(path.join(root, 'dist/engines/index.js'));
  const plan = {
    scenario: 'overhead', model: 'closed', baseUrl: url, startTarget: Number(connections),
    stages: [{ durationS: Number(duration), target: Number(connections) }], thinkTimeS: 0,
    maxUsers: Number(connections), requestTimeoutS: 10, intervalS: 1,
    requests: [{ name: 'constant', method: 'GET', path: '/', weight: 1, auth: false }],
    data: { userIdRange: [1, 1], productIdRange: [1, 1], password: 'x', searchTerms: [] },
    slos: [], totalDurationS: Number(duration), peakTarget: Number(connections),
  };
  const output = await getEngine('autocannon').run({ plan, outDir, signal: new AbortController().signal, projectRoot: root, env: process.env });
  const durationS = (output.endedAt.getTime() - output.startedAt.getTime()) / 1000;
  process.stdout.write(JSON.stringify({ requests: output.totals.requests, durationS, rps: output.totals.requests / durationS, p95: output.totals.latencyMs?.p95 }) + '\n');
  process.exit(0);
}

const runs = option('runs', 5);
const connections = option('connections', 50);
const duration = option('duration', 10);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.slice(-500)}`))));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const work = mkdtempSync(path.join(tmpdir(), 'capacity-overhead-'));
const port = await freePort();
mkdirSync(path.join(work, 'logs'));
writeFileSync(
  path.join(work, 'nginx.conf'),
  `worker_processes 1;\npid ${work}/nginx.pid;\nerror_log ${work}/logs/error.log;\nevents { worker_connections 4096; }\n` +
    `http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } } }\n`,
);
execFileSync('nginx', ['-p', work, '-c', path.join(work, 'nginx.conf')]);
const nginxPid = Number(readFileSync(path.join(work, 'nginx.pid'), 'utf8'));
const url = `http://127.0.0.1:${port}`;
const cli = path.join(root, 'node_modules/.bin/autocannon');
console.log(`autocannon overhead: ${runs} alternating runs, ${connections} connections, ${duration} s, GET ${url}/ (nginx, 1 worker, constant 200)`);
const results = { cli: [], adapter: [] };
try {
  for (let i = 0; i < runs; i += 1) {
    const cliJson = JSON.parse(await run(cli, ['-c', String(connections), '-d', String(duration), '-j', url]));
    const cliRps = cliJson.requests.total / cliJson.duration;
    results.cli.push(cliRps);
    const outDir = path.join(work, `adapter-${i}`);
    mkdirSync(outDir);
    const adapter = JSON.parse(await run(process.execPath, [fileURLToPath(import.meta.url), '--adapter-child', url, String(connections), String(duration), outDir]));
    results.adapter.push(adapter.rps);
    console.log(`run ${i + 1}: cli ${cliRps.toFixed(0)} req/s, adapter ${adapter.rps.toFixed(0)} req/s (${((adapter.rps / cliRps) * 100).toFixed(1)} %)`);
  }
} finally {
  process.kill(nginxPid, 'SIGQUIT');
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(work, { recursive: true, force: true });
}
const cliMedian = median(results.cli);
const adapterMedian = median(results.adapter);
console.log(`median: cli ${cliMedian.toFixed(0)} req/s, adapter ${adapterMedian.toFixed(0)} req/s -> adapter achieves ${((adapterMedian / cliMedian) * 100).toFixed(1)} % of the CLI`);
// Each pair ran back to back, so the ratio within a pair is less exposed to a shared machine's swings.
const ratios = results.adapter.map((rps, index) => rps / results.cli[index]);
console.log(`median of the per-pair ratios: ${(median(ratios) * 100).toFixed(1)} %`);
