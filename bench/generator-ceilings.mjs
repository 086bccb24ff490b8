#!/usr/bin/env node
/**
 * Benchmark (not a test; run it alone on a quiet machine): how many req/s each load generator
 * reaches on this machine against a local nginx that answers a constant, side by side in one run.
 *
 *   npm run build && node bench/generator-ceilings.mjs [--rounds 3] [--duration 15] [--connections 50]
 *        [--nginx-workers 1] [--closed-10k] [--users 10000] [--think 1] [--hold 40] [--keep-results DIR] [--engines a,b]
 *
 * Ceiling mode (default): rounds of wrk, then each engine through `capacity run` (autocannon,
 * Artillery, k6 when it is on PATH, Locust with 1 and with 2 workers), each as hard as it goes:
 * the closed model with `--connections` users and no think time (Artillery, which has no fixed
 * users, runs the open model at a rate above any ceiling here). Per round: req/s of each and its
 * ratio to wrk's in the same round; at the end the medians over the rounds, and the median of the
 * per-round ratios (less exposed to a shared machine's swings than a ratio of medians).
 *
 * --closed-10k: instead, each engine holds `--users` users in the closed model with `--think`
 * seconds of think time (a 10 s ramp, then `--hold` seconds): achieved req/s against planned, p95,
 * the run's limit verdict and its SLO verdict, one engine after another.
 *
 * Every process it starts (nginx, wrk, capacity) it stops by PID, also on failure and Ctrl-C.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: node bench/generator-ceilings.mjs [--rounds 3] [--duration 15] [--connections 50] [--nginx-workers 1]
                                         [--closed-10k] [--users 10000] [--think 1] [--hold 40] [--keep-results DIR] [--engines a,b]`;

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        rounds: { type: 'string', default: '3' },
        duration: { type: 'string', default: '15' },
        connections: { type: 'string', default: '50' },
        'nginx-workers': { type: 'string', default: '1' },
        'closed-10k': { type: 'boolean', default: false },
        users: { type: 'string', default: '10000' },
        think: { type: 'string', default: '1' },
        hold: { type: 'string', default: '40' },
        'keep-results': { type: 'string' },
        engines: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name, integer) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) fail(`--${name} must be a positive ${integer ? 'whole number' : 'number'}, got ${values[name]}\n${USAGE}`);
    return value;
  };
  return {
    rounds: positive('rounds', true),
    durationS: positive('duration', true),
    connections: positive('connections', true),
    nginxWorkers: positive('nginx-workers', true),
    closed10k: values['closed-10k'],
    users: positive('users', true),
    thinkS: positive('think', false),
    holdS: positive('hold', true),
    // Where each run's result folder stays, so a verdict can be checked afterwards; by default they go with the work folder.
    keepResults: values['keep-results'] === undefined ? undefined : path.resolve(values['keep-results']),
    // Only these engine labels (autocannon, artillery, k6, locust-1w, locust-2w): to re-measure one.
    only: values.engines === undefined ? undefined : values.engines.split(',').map((label) => label.trim()).filter(Boolean),
  };
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const options = parseOptions(process.argv.slice(2));
const say = (line) => process.stdout.write(`${line}\n`);
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

if (!existsSync(path.join(root, 'dist', 'cli', 'bin.js'))) fail('dist/ is not built: run npm run build first');
const onPath = (name) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const nginxBinary = ['nginx', '/usr/sbin/nginx'].find((candidate) => candidate.includes('/') ? existsSync(candidate) : onPath(candidate));
if (!nginxBinary) fail('nginx is not installed (bash scripts/setup.sh)');
if (!options.closed10k && !onPath('wrk')) fail('wrk is not installed (bash scripts/setup.sh)');

const allEngines = [
  { label: 'autocannon', engine: 'autocannon', args: [] },
  { label: 'artillery', engine: 'artillery', args: [] },
  ...(onPath('k6') ? [{ label: 'k6', engine: 'k6', args: [] }] : []),
  { label: 'locust-1w', engine: 'locust', args: ['--workers', '1'] },
  { label: 'locust-2w', engine: 'locust', args: ['--workers', '2'] },
];
const unknown = (options.only ?? []).filter((label) => !allEngines.some((entry) => entry.label === label));
if (unknown.length > 0) fail(`--engines: no engine labelled ${unknown.join(', ')} here (${allEngines.map((entry) => entry.label).join(', ')})\n${USAGE}`);
const engines = options.only ? allEngines.filter((entry) => options.only.includes(entry.label)) : allEngines;
if (!onPath('k6')) say('k6 is not on PATH: its column is left out (capacity never installs it)');

const started = new Set();
function run(command, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    started.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    // A run that overstays its plan is stopped like Ctrl-C, then killed.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ code, out, err });
    });
  });
}

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

const median = (values) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

const work = mkdtempSync(path.join(tmpdir(), 'capacity-ceilings-'));
let nginxPid;
const cleanUp = () => {
  for (const child of started) child.kill('SIGKILL');
  if (nginxPid) {
    try {
      process.kill(nginxPid, 'SIGQUIT');
    } catch {
      // gone already
    }
  }
};
process.on('SIGINT', () => {
  cleanUp();
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});

async function startNginx() {
  const port = await freePort();
  mkdirSync(path.join(work, 'logs'), { recursive: true });
  writeFileSync(
    path.join(work, 'nginx.conf'),
    `worker_processes ${options.nginxWorkers};\npid ${work}/nginx.pid;\nerror_log ${work}/logs/error.log;\nevents { worker_connections 65535; }\nworker_rlimit_nofile 70000;\n` +
      `http { access_log off; keepalive_requests 10000000; keepalive_timeout 120s; server { listen 127.0.0.1:${port} backlog=65535; location / { return 200 "ok\\n"; } } }\n`,
  );
  execFileSync(nginxBinary, ['-p', work, '-c', path.join(work, 'nginx.conf')]);
  nginxPid = Number(readFileSync(path.join(work, 'nginx.pid'), 'utf8'));
  return `http://127.0.0.1:${port}`;
}

function scenarioFile(name, body) {
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, body);
  return file;
}

/** One `capacity run`; the figures of its result.json. */
async function capacityRun(entry, scenario, url, planS) {
  const resultsDir = path.join(options.keepResults ?? work, `results-${entry.label}-${Date.now()}`);
  const { code, err } = await run(process.execPath, [path.join(root, 'bin', 'capacity'), 'run', '-s', scenario, '--target', url, '--engine', entry.engine, ...entry.args, '--results-dir', resultsDir, '-q'], (planS * 3 + 120) * 1000);
  const ids = existsSync(resultsDir) ? readdirSync(resultsDir) : [];
  const file = ids.length > 0 ? path.join(resultsDir, ids[0], 'result.json') : undefined;
  if (!file || !existsSync(file)) return { error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` };
  const result = JSON.parse(readFileSync(file, 'utf8'));
  if (!options.keepResults) rmSync(resultsDir, { recursive: true, force: true });
  return {
    code,
    rps: result.totals.achievedRps,
    plannedRps: result.totals.plannedRps,
    p95: result.totals.latencyMs?.p95,
    limit: result.generator?.limit?.verdict ?? (result.generator?.saturated ? 'saturated' : 'not judged'),
    slo: result.verdict,
    cpu: result.generator?.cpuPercentMean,
  };
}

async function wrkRun(url) {
  const { code, out, err } = await run('wrk', ['-t', '2', '-c', String(options.connections), '-d', `${options.durationS}s`, url], (options.durationS + 60) * 1000);
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1]);
  return Number.isFinite(rps) ? { rps } : { error: `wrk exited ${code}: ${err.slice(-200)}` };
}

async function ceilings(url) {
  const closed = scenarioFile(
    'ceiling-closed',
    `name: ceiling\nmodel: closed\nmaxUsers: ${options.connections}\nstartTarget: ${options.connections}\nstages:\n  - { duration: ${options.durationS}s, target: ${options.connections} }\nrequests:\n  - { name: constant, path: / }\nslos: none\n`,
  );
  // Artillery has no fixed users: the open model at a rate above any ceiling on this machine.
  const openRate = 20_000;
  const open = scenarioFile(
    'ceiling-open',
    `name: ceiling-open\nmodel: open\nmaxUsers: ${openRate}\nstartTarget: ${openRate}\nstages:\n  - { duration: ${options.durationS}s, target: ${openRate} }\nrequests:\n  - { name: constant, path: / }\nslos: none\n`,
  );
  const byLabel = new Map([['wrk', []], ...engines.map((entry) => [entry.label, []])]);
  const ratios = new Map(engines.map((entry) => [entry.label, []]));
  say(`generator ceilings: ${options.rounds} round(s) of ${options.durationS} s, ${options.connections} users/connections, GET ${url}/ (nginx, ${options.nginxWorkers} worker(s), constant 200); ${cpus().length} cores; load average ${load()}`);
  for (let round = 1; round <= options.rounds; round += 1) {
    const wrk = await wrkRun(url);
    byLabel.get('wrk').push(wrk.rps ?? Number.NaN);
    const cells = [`wrk ${fmt(wrk.rps)} req/s${wrk.error ? ` (${wrk.error})` : ''}`];
    for (const entry of engines) {
      const figures = await capacityRun(entry, entry.engine === 'artillery' ? open : closed, url, options.durationS);
      byLabel.get(entry.label).push(figures.rps ?? Number.NaN);
      const ratio = (figures.rps ?? Number.NaN) / (wrk.rps ?? Number.NaN);
      ratios.get(entry.label).push(ratio);
      cells.push(figures.error ? `${entry.label} failed (${figures.error})` : `${entry.label} ${fmt(figures.rps)} req/s (${fmt(ratio * 100, 1)} % of wrk, generator CPU ${fmt(figures.cpu)} %, ${figures.limit})`);
    }
    say(`round ${round} (load average ${load()}):\n  ${cells.join('\n  ')}`);
  }
  const wrkMedian = median(byLabel.get('wrk'));
  say(`medians over ${options.rounds} round(s):`);
  say(`  wrk ${fmt(wrkMedian)} req/s`);
  for (const entry of engines) {
    const value = median(byLabel.get(entry.label));
    say(`  ${entry.label} ${fmt(value)} req/s: ${fmt((value / wrkMedian) * 100, 1)} % of wrk's median; median of the per-round ratios ${fmt(median(ratios.get(entry.label)) * 100, 1)} %`);
  }
}

async function closed10k(url) {
  const rampS = 10;
  const scenario = scenarioFile(
    'closed-10k',
    `name: closed-10k\nmodel: closed\nmaxUsers: ${options.users}\nthinkTime: ${options.thinkS}s\nstages:\n  - { name: ramp, duration: ${rampS}s, target: ${options.users} }\n  - { name: hold, duration: ${options.holdS}s, target: ${options.users} }\nrequests:\n  - { name: constant, path: / }\nslos:\n  p95Ms: 50\n`,
  );
  say(`closed model: ${fmt(options.users)} users, ${options.thinkS} s think time, ${rampS} s ramp + ${options.holdS} s hold, GET ${url}/ (nginx, ${options.nginxWorkers} worker(s)); ${cpus().length} cores; load average ${load()}`);
  for (const entry of engines) {
    const figures = await capacityRun(entry, scenario, url, rampS + options.holdS);
    if (figures.error) {
      say(`  ${entry.label}: failed (${figures.error})`);
      continue;
    }
    say(`  ${entry.label}: ${fmt(figures.rps)} of ${fmt(figures.plannedRps)} planned req/s, p95 ${fmt(figures.p95, 1)} ms, limit: ${figures.limit}, SLO verdict ${figures.slo} (p95 < 50 ms), generator CPU ${fmt(figures.cpu)} %, load average ${load()}`);
  }
}

try {
  const url = await startNginx();
  if (options.closed10k) await closed10k(url);
  else await ceilings(url);
} finally {
  cleanUp();
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(work, { recursive: true, force: true });
}
