#!/usr/bin/env node
/**
 * Benchmark (not a test): what server-side collection costs the stack. The local stack is loaded
 * by wrk with a fixed number of connections (closed loop, so req/s is what the stack can serve)
 * with collection on — the /proc sampler, Redis INFO every second and the Prometheus read-back at
 * the end, exactly what `capacity run` starts — and off, alternating on/off and off/on so drift
 * on a shared machine falls on both sides. Prints req/s per run, the medians and the drop.
 *
 *   npm run build && node bench/collection-overhead.mjs [--pairs 3] [--duration 20] [--connections 50]
 *        [--threads 1] [--apps 3] [--seed-users 10000] [--warm-up 20]
 *
 * Prometheus' own scraping of the apps is part of the stack and runs in both cases.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    apps: { type: 'string', default: '3' },
    'seed-users': { type: 'string', default: '10000' },
    'warm-up': { type: 'string', default: '20' },
  },
});
const pairs = Number(values.pairs);
const durationS = Number(values.duration);
const seedUsers = Number(values['seed-users']);
const say = (line) => process.stderr.write(`${line}\n`);

const { upStack, downStack } = await import(join(root, 'dist', 'stack', 'index.js'));
const { createCollectors, startAll, stopAll } = await import(join(root, 'dist', 'metrics', 'index.js'));

/** Runs wrk once and returns its req/s (and the non-2xx count, so a failing stack is visible). */
function wrk(baseUrl, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'wrk',
      ['-t', values.threads, '-c', values.connections, '-d', `${seconds}s`, '-s', join(root, 'bench', 'collection-overhead.lua'), baseUrl],
      { env: { ...process.env, PRODUCTS: String(Math.floor(seedUsers / 10)) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      if (code !== 0 || !rps) reject(new Error(`wrk failed (exit ${code}): ${out}`));
      else resolve({ rps: Number(rps[1]), non2xx: non2xx ? Number(non2xx[1]) : 0 });
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const stateDir = mkdtempSync(join(tmpdir(), 'capacity-overhead-'));
let stack;
const cleanup = async () => {
  if (stack) await downStack(stack, { purge: true }).catch((error) => say(`stopping the stack: ${error.message}`));
  stack = undefined;
  rmSync(stateDir, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));

try {
  say(`starting the stack (${values.apps} apps, ${seedUsers} users) in ${stateDir}`);
  stack = await upStack({ projectRoot: root, stateDir, apps: Number(values.apps), seedUsers, path: process.env.PATH, onProgress: (line) => say(`  ${line}`) });
  // JIT, pools and the product cache fill during the first tens of seconds: off the record.
  say(`warming up (${values['warm-up']} s)`);
  await wrk(stack.baseUrl, Number(values['warm-up']));

  const results = { on: [], off: [], collectorMsPerS: [] };
  for (let pair = 0; pair < pairs; pair += 1) {
    for (const mode of pair % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
      const load = loadavg()[0].toFixed(1);
      let collectors = [];
      // This process does nothing but collect while wrk runs: its CPU is the collectors' own cost.
      const cpuBefore = process.cpuUsage();
      if (mode === 'on') collectors = await startAll(createCollectors({ stack }), new Date(), (message) => say(`  collector: ${message}`));
      const { rps, non2xx } = await wrk(stack.baseUrl, durationS);
      const cpu = process.cpuUsage(cpuBefore);
      const collectorMsPerS = (cpu.user + cpu.system) / 1000 / durationS;
      let note = '';
      if (mode === 'on') {
        const began = Date.now();
        const { series, problems } = await stopAll(collectors);
        note = `  (${collectors.map((c) => c.name).join(', ')}: ${collectorMsPerS.toFixed(1)} ms CPU per second while loading, ${series.length} series, read-back took ${((Date.now() - began) / 1000).toFixed(1)} s${problems.length ? `, problems: ${problems.join('; ')}` : ''})`;
        results.collectorMsPerS.push(collectorMsPerS);
      }
      results[mode].push(rps);
      console.log(`pair ${pair + 1}  collection ${mode.padEnd(3)}  ${rps.toFixed(0).padStart(6)} req/s  non-2xx ${non2xx}  load avg ${load}${note}`);
    }
  }
  const on = median(results.on);
  const off = median(results.off);
  console.log(`\nmedian req/s: collection on ${on.toFixed(0)}, off ${off.toFixed(0)}; drop with collection ${(((off - on) / off) * 100).toFixed(1)} %`);
  console.log(`collectors' own CPU while loading: median ${median(results.collectorMsPerS).toFixed(1)} ms per second (${((median(results.collectorMsPerS) / 1000) * 100).toFixed(2)} % of one core)`);
  console.log(`(${pairs} pairs, ${durationS} s each, wrk ${values.connections} connections, ${values.apps} apps)`);
} finally {
  await cleanup();
}
