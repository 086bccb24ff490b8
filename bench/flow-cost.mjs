#!/usr/bin/env node
// Benchmark: what a user flow with captures and checks costs on autocannon, against the plain
// GET mix, on the same local target. The target (a small Node server in its own process) answers
// GET /orders/new with a new id and GET /orders/<id> with the order, both JSON of the same size.
//   mix:  GET /orders/new and GET /orders/o1, weight 1:1, prebuilt (nothing read from responses)
//   flow: GET /orders/new, capture id (JSON path) -> GET /orders/{{id}}, checks: status 200,
//         id equals {{id}}, body contains "open" (a virtual user per connection, requests built
//         one at a time, responses read)
// Both routes cost the target the same (one small JSON object each), and both kinds send them half
// and half, so the comparison is of what the generator does per request, not of the routes.
// Closed model without think time (each connection sends back to back: the generator's ceiling).
// Runs alternate (mix, flow, mix, flow, ...), each in a fresh process through dist/ (as
// `capacity run` would); prints each run with the CPU the generator and the target spent per
// request (the generator's in the steady middle of the run; less sensitive to other load than
// req/s), the medians, and the flow/mix ratio of each
// pair and its median. The issue's bar: the flow reaches at least 90 % of the mix's req/s.
// With 2 cores the generator and the target share the machine, and where the scheduler puts them
// moves req/s from run to run; --pin 1 gives each its own core (taskset, Linux) for steadier pairs.
//
//   npm run build && node bench/flow-cost.mjs [--runs 3] [--connections 20] [--duration 10] [--pin 0|1]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { cpus, tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const USAGE = 'usage: npm run build && node bench/flow-cost.mjs [--runs 3] [--connections 20] [--duration 10] [--pin 0|1]';

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
  // The generator's CPU in the steady middle of the run (from its 2nd second to 1 s before its
  // end: no start-up, no result), per request of the whole seconds inside that window.
  const startMs = performance.now();
  const marks = [];
  const mark = () => marks.push({ s: (performance.now() - startMs) / 1000, cpu: process.cpuUsage() });
  const timers = [setTimeout(mark, 1000), setTimeout(mark, (Number(duration) - 1) * 1000)];
  const output = await getEngine('autocannon').run({ plan, outDir, signal: new AbortController().signal, projectRoot: root, env: process.env });
  timers.forEach(clearTimeout);
  const durationS = (output.endedAt.getTime() - output.startedAt.getTime()) / 1000;
  const { requests, errors } = output.totals;
  let generatorUsPerRequest;
  if (marks.length === 2) {
    const [from, to] = marks;
    const inside = output.intervals.filter((interval) => interval.t >= Math.ceil(from.s) && interval.t + 1 <= Math.floor(to.s));
    const steadyRps = inside.reduce((sum, interval) => sum + interval.requests, 0) / Math.max(1, inside.length);
    const cpuUsPerS = (to.cpu.user + to.cpu.system - from.cpu.user - from.cpu.system) / (to.s - from.s);
    if (inside.length > 0 && steadyRps > 0) generatorUsPerRequest = cpuUsPerS / steadyRps;
  }
  process.stdout.write(JSON.stringify({ kind, requests, errors, durationS, rps: requests / durationS, generatorUsPerRequest }) + '\n');
  process.exit(0);
} else {
  await main();
}

function parseOptions() {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const options = { runs: 3, connections: 20, duration: 10, pin: 0 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < (name === 'pin' ? 0 : 1) || (name === 'pin' && value > 1)) {
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

/** The command that starts a child: node, or node on one core under taskset when pinned. */
function childCommand(core, childArgs) {
  const node = [process.execPath, fileURLToPath(import.meta.url), ...childArgs];
  return core === undefined ? node : ['taskset', '-c', String(core), ...node];
}

/** CPU seconds a process has used (user + system), from /proc; undefined where there is none. */
function processCpuS(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function runChild(command) {
  return new Promise((resolve, reject) => {
    const [file, ...rest] = command;
    const child = spawn(file, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
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
  if (options.pin === 1 && (cpus().length < 2 || spawnSync('taskset', ['-c', '0', 'true']).status !== 0)) {
    process.stderr.write('flow-cost: --pin 1 needs 2 cores and taskset (util-linux)\n');
    process.exit(2);
  }
  // Pinned: the target on core 1, each generator run on core 0.
  const generatorCore = options.pin === 1 ? 0 : undefined;
  const port = await freePort();
  const [targetFile, ...targetArgs] = childCommand(options.pin === 1 ? 1 : undefined, ['--target-child', String(port)]);
  const target = spawn(targetFile, targetArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    target.stdout.once('data', resolve);
    target.once('exit', (code) => reject(new Error(`target exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(path.join(tmpdir(), 'capacity-flow-cost-'));
  const pairs = [];
  try {
    process.stdout.write(`flow-cost: ${options.runs} pairs of ${options.duration} s runs, ${options.connections} connections, target ${url}${generatorCore === undefined ? '' : ' (target on core 1, generator on core 0)'}; load average before: ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
    for (let i = 0; i < options.runs; i += 1) {
      const pair = {};
      for (const kind of ['mix', 'flow']) {
        const outDir = mkdtempSync(path.join(work, `${kind}-`));
        const targetCpuBefore = processCpuS(target.pid);
        pair[kind] = await runChild(childCommand(generatorCore, ['--adapter-child', kind, url, String(options.connections), String(options.duration), outDir]));
        const targetCpuAfter = processCpuS(target.pid);
        const run = pair[kind];
        const targetUs = targetCpuBefore === undefined || targetCpuAfter === undefined || run.requests === 0 ? undefined : ((targetCpuAfter - targetCpuBefore) * 1e6) / run.requests;
        const cpuText = [run.generatorUsPerRequest === undefined ? '' : `generator ${run.generatorUsPerRequest.toFixed(1)} µs`, targetUs === undefined ? '' : `target ${targetUs.toFixed(1)} µs`].filter(Boolean).join(', ');
        process.stdout.write(`  run ${i + 1} ${kind.padEnd(4)} ${run.rps.toFixed(0)} req/s (${run.requests} requests, ${run.errors} errors, ${run.durationS.toFixed(1)} s${cpuText ? `; CPU per request: ${cpuText}` : ''}; load ${loadavg()[0].toFixed(2)})\n`);
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
