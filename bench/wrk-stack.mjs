#!/usr/bin/env node
/**
 * Benchmark (not a test): the local reference stack under Debian's wrk at 10,000 open
 * connections, through the load balancer, on a read-heavy mix of the API (bench/lua/stack-mix.lua).
 *
 *   npm run build && node bench/wrk-stack.mjs [--runs 3] [--seed-users 100000] [--duration 30]
 *        [--connections 10000] [--threads 2] [--apps 3] [--mode users|saturate|both] [--think-ms 900]
 *
 * Two loads, because "10,000 concurrent users" means two different things to a load generator:
 *   users     each connection is a user who waits a think time (~0.9 s) between requests: the
 *             seeds' 10,000 concurrent users at ~10,000 req/s (Little: N = X (R + Z)).
 *   saturate  each connection sends its next request as soon as the last one answers (closed
 *             loop, no think time): the stack's ceiling. With 10,000 requests always in flight,
 *             mean latency is 10,000 / X by Little's law, whatever the stack does.
 *
 * Prints req/s, p50/p95/p99, error rate ((non-2xx + socket errors) / attempts) and the CPU each
 * process used (from /proc/<pid>/stat, summed over each component's process tree and session:
 * PostgreSQL backends and nginx workers included), per run and the median of the runs. Stops the stack
 * (and deletes its temporary state dir) at the end, on failure and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    'seed-users': { type: 'string', default: '100000' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '10000' },
    threads: { type: 'string', default: '2' },
    apps: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'both' },
    'think-ms': { type: 'string', default: '900' },
    'pg-pool': { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const seedUsers = Number(values['seed-users']);
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const threads = Number(values.threads);
const apps = Number(values.apps);
const thinkMs = Number(values['think-ms']);
const modes = values.mode === 'both' ? ['users', 'saturate'] : [values.mode];
const say = (line) => process.stderr.write(`${line}\n`);

const { upStack, downStack } = await import(join(root, 'dist', 'stack', 'index.js'));

const controller = new AbortController();
process.on('SIGINT', () => controller.abort('SIGINT'));
process.on('SIGTERM', () => controller.abort('SIGTERM'));

const ticksPerSecond = 100; // USER_HZ on Linux

function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), session: Number(fields[3]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks per component: every live process whose session is the component's (nginx workers)
 * or that descends from it (PostgreSQL backends call setsid(), so only the parent link finds them).
 */
function ticksByComponent(leaders) {
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) all.set(Number(entry), stat);
  }
  const owner = (pid) => {
    const seen = new Set();
    for (let current = pid; current > 1 && !seen.has(current); ) {
      seen.add(current);
      if (leaders.has(current)) return current;
      const stat = all.get(current);
      if (!stat) return undefined;
      if (leaders.has(stat.session)) return stat.session;
      current = stat.ppid;
    }
    return undefined;
  };
  const ticks = new Map();
  for (const [pid, stat] of all) {
    const leader = owner(pid);
    if (leader !== undefined) ticks.set(leader, (ticks.get(leader) ?? 0) + stat.ticks);
  }
  return ticks;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function login(baseUrl, users) {
  const tokens = [];
  for (let id = 1; id <= users; id += 1) {
    const response = await fetch(`${baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `user${id}@capacity.test`, password: 'capacity' }),
    });
    if (response.status !== 200) throw new Error(`login of user${id} answered ${response.status}: ${await response.text()}`);
    tokens.push((await response.json()).accessToken);
  }
  return tokens;
}

/** Why nginx answered errors during a run: its error log lines since `offset`, by cause. */
function nginxErrorCauses(logFile, offset) {
  let text = '';
  try {
    text = readFileSync(logFile).subarray(offset).toString('utf8');
  } catch {
    return {};
  }
  const causes = {
    'no live upstreams (all apps marked failed)': /no live upstreams/g,
    'upstream connect timed out (app accept queue full)': /timed out \(110: Connection timed out\) while connecting/g,
    'upstream read timed out': /timed out \(110: Connection timed out\) while reading/g,
    'upstream refused/reset': /(Connection refused|Connection reset by peer)/g,
    'worker_connections too few': /worker_connections are not enough/g,
    'too many open files': /Too many open files/g,
  };
  return Object.fromEntries(Object.entries(causes).map(([name, pattern]) => [name, (text.match(pattern) ?? []).length]).filter(([, count]) => count > 0));
}

function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Runs wrk once; samples the CPU of every stack component and of wrk while it runs. */
async function runWrk({ baseUrl, components, env, seconds, conns, label }) {
  const script = join(root, 'bench', 'lua', 'stack-mix.lua');
  // wrk needs a descriptor per connection: raise the soft limit to the hard one first.
  const command = `ulimit -n "$(ulimit -Hn)" && exec wrk -t${threads} -c${conns} -d${seconds}s --latency -s "${script}" "${baseUrl}"`;
  // Detached: wrk leads its own session, so its CPU is counted apart from this script's.
  const child = spawn('bash', ['-c', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const onAbort = () => child.kill('SIGTERM');
  controller.signal.addEventListener('abort', onAbort, { once: true });

  const nginxLog = components.find((c) => c.name === 'nginx')?.logFile;
  const nginxLogOffset = nginxLog ? fileSize(nginxLog) : 0;
  const sessions = [...components.map((c) => ({ name: c.name, session: c.pid })), { name: 'wrk', session: child.pid }];
  await delay(200);
  const leaders = new Set(sessions.map((entry) => entry.session));
  const first = ticksByComponent(leaders);
  const firstAt = Date.now();
  let last = first;
  let lastAt = firstAt;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await Promise.race([delay(1000), exited]);
    if (!done) {
      last = ticksByComponent(leaders);
      lastAt = Date.now();
    }
  }
  controller.signal.removeEventListener('abort', onAbort);
  const code = await exited;
  if (controller.signal.aborted) throw new Error('interrupted');
  const line = output.split('\n').find((row) => row.startsWith('WRK_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (${label}, exit ${code}):\n${output}`);
  const result = JSON.parse(line.slice('WRK_JSON '.length));
  const wall = (lastAt - firstAt) / 1000;
  const cpu = sessions.map(({ name, session }) => ({
    name,
    cores: ((last.get(session) ?? 0) - (first.get(session) ?? 0)) / ticksPerSecond / wall,
  }));
  const errors = result.errors;
  const socketErrors = errors.connect + errors.read + errors.write + errors.timeout;
  const attempts = result.requests + errors.connect + errors.timeout;
  return {
    label,
    rps: result.requests / (result.duration_us / 1e6),
    p50: result.latency_us.p50 / 1000,
    p95: result.latency_us.p95 / 1000,
    p99: result.latency_us.p99 / 1000,
    errorRate: (errors.status + socketErrors) / Math.max(1, attempts),
    errors,
    requests: result.requests,
    cpu,
    nginxErrors: nginxLog ? nginxErrorCauses(nginxLog, nginxLogOffset) : {},
  };
}

function printRun(run) {
  const cpu = run.cpu
    .filter((entry) => entry.cores >= 0.005)
    .sort((a, b) => b.cores - a.cores)
    .map((entry) => `${entry.name} ${(entry.cores * 100).toFixed(0)}%`)
    .join(', ');
  say(
    `  ${run.label}: ${run.rps.toFixed(0)} req/s  p50 ${run.p50.toFixed(1)} ms  p95 ${run.p95.toFixed(1)} ms  p99 ${run.p99.toFixed(1)} ms  ` +
      `errors ${(run.errorRate * 100).toFixed(3)} % (status ${run.errors.status}, connect ${run.errors.connect}, read ${run.errors.read}, ` +
      `write ${run.errors.write}, timeout ${run.errors.timeout}) of ${run.requests} requests`,
  );
  say(`    CPU (100 % = one core): ${cpu}`);
  const causes = Object.entries(run.nginxErrors ?? {});
  if (causes.length > 0) say(`    nginx error log: ${causes.map(([name, count]) => `${name} ×${count}`).join('; ')}`);
}

const stateDir = mkdtempSync(join(tmpdir(), 'capacity-bench-'));
chmodSync(stateDir, 0o755);
let state;
const report = {};
try {
  say(`bringing the stack up in ${stateDir} (${apps} apps, ${seedUsers} users)`);
  state = await upStack({
    projectRoot: root,
    stateDir,
    apps,
    seedUsers,
    pgPoolSize: Number(values['pg-pool']),
    path: process.env.PATH,
    signal: controller.signal,
    onProgress: (message) => say(`  ${message}`),
  });
  const tokens = await login(state.baseUrl, 50);
  const tokensFile = join(stateDir, 'tokens.txt');
  writeFileSync(tokensFile, `${tokens.join('\n')}\n`);
  const products = Math.max(1, Math.floor(seedUsers / 10));
  const components = state.components.filter((component) => component.pid !== undefined);
  const baseEnv = { PRODUCTS: String(products), TOKENS_FILE: tokensFile };

  say('warm-up: 10 s at 1,000 connections (caches, JIT); not counted');
  await runWrk({ baseUrl: state.baseUrl, components, env: { ...baseEnv, THINK_MS: '0' }, seconds: 10, conns: 1000, label: 'warm-up' });

  for (const mode of modes) {
    const env = { ...baseEnv, THINK_MS: mode === 'users' ? String(thinkMs) : '0' };
    const results = [];
    say(`${mode}: wrk -t${threads} -c${connections} -d${durationSeconds}s${mode === 'users' ? `, think time ~${thinkMs} ms` : ', no think time'}`);
    for (let run = 1; run <= runs; run += 1) {
      // Other work on the machine takes CPU from the stack: say how busy it was before each run.
      say(`  load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores before run ${run}`);
      const result = await runWrk({ baseUrl: state.baseUrl, components, env, seconds: durationSeconds, conns: connections, label: `run ${run}` });
      printRun(result);
      results.push(result);
      await delay(3000);
    }
    const cpuNames = results[0].cpu.map((entry) => entry.name);
    const summary = {
      runs: results.length,
      rps: median(results.map((r) => r.rps)),
      p50: median(results.map((r) => r.p50)),
      p95: median(results.map((r) => r.p95)),
      p99: median(results.map((r) => r.p99)),
      errorRate: median(results.map((r) => r.errorRate)),
      cpu: cpuNames.map((name) => ({ name, cores: median(results.map((r) => r.cpu.find((entry) => entry.name === name)?.cores ?? 0)) })),
    };
    report[mode] = summary;
    say(`${mode}: median of ${results.length}`);
    printRun({ ...summary, label: 'median', errors: { status: '-', connect: '-', read: '-', write: '-', timeout: '-' }, requests: '-' });
    const meets = summary.rps >= 10_000 && summary.p95 < 200 && summary.errorRate < 0.001;
    say(`  target >= 10,000 req/s, p95 < 200 ms, < 0.1 % errors: ${meets ? 'met' : 'NOT met'}`);
  }
  process.stdout.write(`${JSON.stringify({ connections, threads, durationSeconds, apps, seedUsers, thinkMs, modes: report }, null, 2)}\n`);
} finally {
  if (state) {
    say('stopping the stack');
    await downStack(state, { purge: true });
  }
  rmSync(stateDir, { recursive: true, force: true });
}
