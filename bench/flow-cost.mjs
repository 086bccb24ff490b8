#!/usr/bin/env node
// Benchmark: what a user flow with captures and checks costs on autocannon, against the plain
// GET mix, on the same local target. The target (a small Node server in its own process) answers
// GET /orders/new with a new id and GET /orders/<id> with the order, both JSON of the same size.
//   mix:  GET /orders/new and GET /orders/o1, weight 1:1, prebuilt (nothing read from responses)
//   flow: GET /orders/new, capture id (JSON path) -> GET /orders/{{id}}, checks: status 200,
//         id equals {{id}}, body contains "open" (a virtual user per connection, requests built
//         one at a time, responses read)
// Closed model without think time (each connection sends back to back: the generator's ceiling).
// Runs alternate (mix, flow, mix, flow, ...), each in a fresh process through dist/ (as
// `capacity run` would); prints each run, the medians, and the flow/mix ratio of each pair and
// its median. The issue's bar: the flow reaches at least 90 % of the mix's req/s.
//
//   npm run build && node bench/flow-cost.mjs [--runs 3] [--connections 20] [--duration 10]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const USAGE = 'usage: npm run build && node bench/flow-cost.mjs [--runs 3] [--connections 20] [--duration 10]';

// Target mode: the local API, in its own process so its CPU is not the generator's.
if (args[0] === '--target-child') {
  const { createServer } = await import('node:http');
  let next = 0;
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    let body;
    if (url === '/orders/new') body = JSON.stringify({ id: `o${(next += 1)}`, status: 'open' });
    else if (url.startsWith('/orders/')) body = JSON.stringify({ id: url.slice('/orders/'.length), status: 'open' });
    else body = JSON.stringify({ ok: true });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  server.listen(Number(args[1]), '127.0.0.1', () => process.stdout.write('listening\n'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (args[0] === '--adapter-child') {
  // Generator mode: one run of capacity's autocannon adapter, printed as JSON.
  const [, kind, url, connections, duration, outDir] = args;
  const { getEngine } = await import(path.join(root, 'dist/engines/index.js'));
  const common = {
    scenario: `flow-cost-${kind}`, model: 'closed', baseUrl: url, startTarget: Number(connections),
    stages: [{ durationS: Number(duration), target: Number(connections) }], thinkTimeS: 0,
    maxUsers: Number(connections), requestTimeoutS: 10, intervalS: 1, slos: [],
    totalDurationS: Number(duration), peakTarget: Number(connections), planVersion: 2,
  };
  const plan =
    kind === 'mix'
      ? { ...common, requests: [
          { name: 'new', method: 'GET', path: '/orders/new', weight: 1 },
          { name: 'read', method: 'GET', path: '/orders/o1', weight: 1 },
        ] }
      : { ...common, flow: true, requests: [
          { name: 'new', method: 'GET', path: '/orders/new', weight: 1, thinkTimeS: 0, captures: [{ variable: 'id', json: 'id' }] },
          { name: 'read', method: 'GET', path: '/orders/{{id}}', weight: 1, thinkTimeS: 0,
            checks: [{ status: [200] }, { jsonPath: 'id', exists: true, equals: '{{id}}' }, { bodyContains: 'open' }] },
        ] };
  const output = await getEngine('autocannon').run({ plan, outDir, signal: new AbortController().signal, projectRoot: root, env: process.env });
  const durationS = (output.endedAt.getTime() - output.startedAt.getTime()) / 1000;
  process.stdout.write(JSON.stringify({ kind, requests: output.totals.requests, errors: output.totals.errors, durationS, rps: output.totals.requests / durationS }) + '\n');
  process.exit(0);
} else {
  await main();
}

function parseOptions() {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options = { runs: 3, connections: 20, duration: 10 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value <= 0) {
      process.stderr.write(`flow-cost: bad argument ${args[i]} ${args[i + 1] ?? ''}\n${USAGE}\n`);
      process.exit(2);
    }
    options[name] = value;
  }
  if (options.runs > 20 || options.duration > 120 || options.connections > 500) {
    process.stderr.write(`flow-cost: at most 20 runs of 120 s with 500 connections\n${USAGE}\n`);
    process.exit(2);
  }
  return options;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function runChild(childArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`run exited ${code}`))));
  });
}

// A declaration, not a const: main() runs from the top of the module, before a const here would exist.
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const options = parseOptions();
  const port = await freePort();
  const target = spawn(process.execPath, [fileURLToPath(import.meta.url), '--target-child', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    target.stdout.once('data', resolve);
    target.once('exit', (code) => reject(new Error(`target exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(path.join(tmpdir(), 'capacity-flow-cost-'));
  const pairs = [];
  try {
    process.stdout.write(`flow-cost: ${options.runs} pairs of ${options.duration} s runs, ${options.connections} connections, target ${url}; load average before: ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
    for (let i = 0; i < options.runs; i += 1) {
      const pair = {};
      for (const kind of ['mix', 'flow']) {
        const outDir = mkdtempSync(path.join(work, `${kind}-`));
        pair[kind] = await runChild(['--adapter-child', kind, url, String(options.connections), String(options.duration), outDir]);
        process.stdout.write(`  run ${i + 1} ${kind.padEnd(4)} ${pair[kind].rps.toFixed(0)} req/s (${pair[kind].requests} requests, ${pair[kind].errors} errors, ${pair[kind].durationS.toFixed(1)} s)\n`);
      }
      pair.ratio = pair.flow.rps / pair.mix.rps;
      process.stdout.write(`  run ${i + 1} flow/mix ${(pair.ratio * 100).toFixed(1)} %\n`);
      pairs.push(pair);
    }
    const mixMedian = median(pairs.map((pair) => pair.mix.rps));
    const flowMedian = median(pairs.map((pair) => pair.flow.rps));
    const ratioMedian = median(pairs.map((pair) => pair.ratio));
    process.stdout.write(`\n| | median req/s |\n|---|---|\n| plain GET mix | ${mixMedian.toFixed(0)} |\n| flow with captures and checks | ${flowMedian.toFixed(0)} |\n`);
    process.stdout.write(`\nflow/mix per pair: ${pairs.map((pair) => `${(pair.ratio * 100).toFixed(1)} %`).join(', ')}; median ${(ratioMedian * 100).toFixed(1)} % (bar: 90 %)\n`);
    process.stdout.write(`load average after: ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
  } finally {
    target.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}
