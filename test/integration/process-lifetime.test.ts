import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { downStack, readStackState } from '../../src/stack/index.js';
import { listRunRecords } from '../../src/stack/local/run-guard.js';
import { startApiTarget, type ApiTarget } from './support/api-target.js';
import { runBuiltCli } from './support/cli.js';
import { assertReferenceAppBuilt, makeStateDir, pidRunning, stackProcesses } from './support/stack.js';

/**
 * Processes die with the run: `kill -9` of `capacity run` during the hold leaves, within 5 s, no
 * engine process and none of a stack the run started (the engine dies by its parent-death signal,
 * or by the watchdog where setpriv is missing; the stack by the watchdog). When the watchdog is
 * killed too, `capacity down` finds the run's record, says it is stale and stops what it left.
 * Runs the built CLI (`npm run build`) as a child, so it can be killed for real.
 */

const BIN = fileURLToPath(new URL('../../bin/capacity', import.meta.url));
const KILL_BOUND_MS = 5_000;

let work: string;
let target: ApiTarget;
const started: ChildProcess[] = [];
const stateDirs: string[] = [];

beforeAll(async () => {
  assertReferenceAppBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'capacity-lifetime-'));
  target = await startApiTarget();
  // Two minutes at a low rate: the hold, long enough to be killed in; the kill comes much earlier.
  writeFileSync(
    path.join(work, 'hold.yaml'),
    [
      'name: hold',
      'model: open',
      'maxUsers: 20',
      'variables:',
      '  productId: { range: [1, 100] }',
      'stages:',
      '  - { name: hold, duration: 120s, target: 20 }',
      'requests:',
      '  - { name: get-product, path: "/products/{{productId}}" }',
      'slos: none',
      'interval: 1s',
      '',
    ].join('\n'),
  );
});

afterEach(async () => {
  // A failed test must not leave the run, its engine or its stack behind: by PID, ours only.
  for (const child of started.splice(0)) if (child.pid !== undefined && pidRunning(child.pid)) child.kill('SIGKILL');
  for (const stateDir of stateDirs.splice(0)) {
    for (const { record } of listRunRecords(stateDir)) for (const pid of [record.owner.pid, ...record.children.map((c) => c.pid)]) if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    // A watchdog still finishing writes its log into the state folder: stop it before removing that.
    for (const pid of watchdogsIn(stateDir)) if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    const state = readStackState(stateDir);
    if (state) await downStack(state, { purge: true });
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
});

afterAll(async () => {
  await target?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Processes whose working directory is inside `dir` (the engines run in their result folder). */
function processesWorkingIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir) && pidRunning(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Every watchdog whose command line names a run record under `stateDir`. */
function watchdogsIn(stateDir: string): number[] {
  const runs = path.join(stateDir, 'runs') + path.sep;
  return readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((arg) => arg.startsWith(runs));
    } catch {
      return false;
    }
  }).map(Number);
}

/** The watchdog of the run `ownerPid`: its command line names the run's record. */
function watchdogOf(stateDir: string, ownerPid: number): number[] {
  const record = path.join(stateDir, 'runs', `${ownerPid}.json`);
  return readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(record);
    } catch {
      return false;
    }
  }).map(Number);
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, log: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the run said:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function startRun(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: work, env: { ...env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** The engine child the run recorded, once the load is under way. */
async function engineOf(stateDir: string, ownerPid: number, output: () => string): Promise<number> {
  return waitFor(
    'the engine child in the run record',
    () => listRunRecords(stateDir).find(({ record }) => record.owner.pid === ownerPid)?.record.children[0]?.pid,
    240_000,
    output,
  );
}

/** Kills the run with SIGKILL and measures how long until none of `pids` and no stack process lives. */
async function killAndMeasure(run: ChildProcess, pids: number[], stateDir: string): Promise<number> {
  const exited = new Promise((resolve) => run.once('exit', resolve));
  const killedAt = Date.now();
  run.kill('SIGKILL');
  await exited;
  for (;;) {
    const left = [...pids.filter(pidRunning), ...stackProcesses(stateDir)];
    const elapsed = Date.now() - killedAt;
    if (left.length === 0) return elapsed;
    if (elapsed > 15_000) throw new Error(`still running ${elapsed} ms after kill -9: ${left.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('processes die with the run', () => {
  it('kill -9 during the hold: the Artillery child and the stack the run started are gone within 5 s', { timeout: 600_000 }, async () => {
    const stateDir = makeStateDir('capacity-lifetime-stack-');
    stateDirs.push(stateDir);
    const resultsDir = path.join(work, 'results-stack');
    const { child: run, output } = startRun(['--scenario', path.join(work, 'hold.yaml'), '--engine', 'artillery', '--apps', '1', '--state-dir', stateDir, '--results-dir', resultsDir]);
    const runPid = run.pid as number;
    const engine = await engineOf(stateDir, runPid, output);
    const state = readStackState(stateDir);
    expect(state?.phase, output()).toBe('ready');
    // Every component the state records (PostgreSQL, Redis, the app, nginx, Prometheus), and any
    // other process carrying the stack's marker (workers, backends).
    const componentPids = (state?.components ?? []).flatMap((component) => (component.pid === undefined ? [] : [component.pid]));
    expect(componentPids).toHaveLength(5);
    expect(componentPids.every(pidRunning)).toBe(true);
    const stackPids = [...new Set([...componentPids, ...stackProcesses(stateDir)])];
    // In the hold: the load balancer has passed product requests to the app.
    await waitFor(
      'load on the stack',
      async () => {
        const text = await (await fetch(`${state?.baseUrl}/metrics`)).text().catch(() => '');
        return /http_requests_total\{[^}]*route="\/products\/:id"[^}]*\} [1-9]/.test(text) ? true : undefined;
      },
      60_000,
      output,
    );
    const engines = [engine, ...processesWorkingIn(resultsDir)];
    const watchdog = watchdogOf(stateDir, runPid);
    expect(watchdog).toHaveLength(1);

    const goneAfterMs = await killAndMeasure(run, [...engines, ...stackPids], stateDir);
    console.log(`lifetime: engine ${engine} and ${stackPids.length} stack processes gone ${goneAfterMs} ms after kill -9 of capacity run ${runPid}`);
    expect(goneAfterMs).toBeLessThanOrEqual(KILL_BOUND_MS);
    expect(processesWorkingIn(resultsDir)).toEqual([]);
    // The watchdog removed the record and the state and exited; `down` finds nothing stale.
    await waitFor('the watchdog to exit', () => (watchdog.some(pidRunning) ? undefined : true), 10_000, output);
    expect(listRunRecords(stateDir)).toEqual([]);
    expect(readStackState(stateDir)).toBeUndefined();
    const down = await runBuiltCli(['down', '--state-dir', stateDir], work);
    expect(down.stderr).not.toContain('stale');
    expect(down.stderr).toContain('nothing to stop');
  });

  it('without setpriv, the watchdog stops the engine child within 5 s of kill -9', { timeout: 300_000 }, async () => {
    // A PATH with node alone: setpriv is not found, the engine is a plain child.
    const bin = mkdtempSync(path.join(tmpdir(), 'capacity-lifetime-path-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const stateDir = makeStateDir('capacity-lifetime-url-');
    stateDirs.push(stateDir);
    const resultsDir = path.join(work, 'results-url');
    try {
      target.reset();
      const { child: run, output } = startRun(
        ['--scenario', path.join(work, 'hold.yaml'), '--engine', 'artillery', '--target', target.url, '--state-dir', stateDir, '--results-dir', resultsDir],
        { ...process.env, PATH: bin },
      );
      const engine = await engineOf(stateDir, run.pid as number, output);
      expect(readFileSync(`/proc/${engine}/cmdline`, 'utf8')).not.toContain('setpriv');
      await waitFor('load on the target', () => (target.mixCount() > 20 ? true : undefined), 60_000, output);
      const watchdog = watchdogOf(stateDir, run.pid as number);
      expect(watchdog).toHaveLength(1);
      const goneAfterMs = await killAndMeasure(run, [engine, ...processesWorkingIn(resultsDir)], stateDir);
      console.log(`lifetime (no setpriv): engine ${engine} gone ${goneAfterMs} ms after kill -9`);
      expect(goneAfterMs).toBeLessThanOrEqual(KILL_BOUND_MS);
      expect(processesWorkingIn(resultsDir)).toEqual([]);
      // The watchdog logs what it stopped, removes the record and exits.
      await waitFor('the watchdog to exit', () => (watchdog.some(pidRunning) ? undefined : true), 10_000, output);
      expect(listRunRecords(stateDir)).toEqual([]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('when the watchdog dies too, `capacity down` says the run is stale and stops the stack it started', { timeout: 600_000 }, async () => {
    const stateDir = makeStateDir('capacity-lifetime-stale-');
    stateDirs.push(stateDir);
    const resultsDir = path.join(work, 'results-stale');
    const { child: run, output } = startRun(['--scenario', path.join(work, 'hold.yaml'), '--engine', 'artillery', '--apps', '1', '--state-dir', stateDir, '--results-dir', resultsDir]);
    const runPid = run.pid as number;
    await engineOf(stateDir, runPid, output);
    const watchdog = watchdogOf(stateDir, runPid);
    expect(watchdog).toHaveLength(1);
    for (const pid of watchdog) process.kill(pid, 'SIGKILL');
    const exited = new Promise((resolve) => run.once('exit', resolve));
    run.kill('SIGKILL');
    await exited;
    expect(stackProcesses(stateDir).length).toBeGreaterThan(0);
    expect(existsSync(path.join(stateDir, 'runs', `${runPid}.json`))).toBe(true);

    const down = await runBuiltCli(['down', '--state-dir', stateDir], work);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`stale: run pid ${runPid}`);
    expect(down.stderr).toContain('stopped the stack it started');
    expect(stackProcesses(stateDir)).toEqual([]);
    expect(listRunRecords(stateDir)).toEqual([]);
  });
});
