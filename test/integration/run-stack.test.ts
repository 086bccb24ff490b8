import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunResult } from '../../src/results/read.js';

const readResult = async (dir: string) => (await loadRunResult(dir, process.cwd())).result;
import { readStackState, stackStatus } from '../../src/stack/index.js';
import { runBuiltCli } from './support/cli.js';
import { makeStateDir, pidRunning, stackProcesses, startTestStack, stopTestStack, type TestStack } from './support/stack.js';

/**
 * `capacity run` against the real local stack (PostgreSQL, Redis, 3 app servers, nginx,
 * Prometheus on loopback): request counts checked against the app servers' own counters, the
 * failover scenario stopping and restoring an app server, and a run that brings the stack up and
 * down by itself.
 */

// Stack runs take their time: no early Ctrl-C.
const runCli = (args: string[], cwd: string) => runBuiltCli(args, cwd, 600_000);

/** Requests the app servers counted themselves (http_requests_total), without health and metrics routes. */
async function appCounters(stack: TestStack): Promise<number> {
  let total = 0;
  const state = readStackState(stack.stateDir) ?? stack.state;
  for (const app of state.components.filter((component) => component.tier === 'app')) {
    const text = await (await fetch(app.metricsUrl as string)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('http_requests_total{')) continue;
      if (/route="\/(healthz|readyz|metrics)"/.test(line)) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

let stack: TestStack;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'capacity-run-stack-'));
  stack = await startTestStack();
});

afterAll(async () => {
  const stateDir = stack.stateDir;
  await stopTestStack(stack);
  await rm(work, { recursive: true, force: true });
  // Nothing of the stack survives, including the app server failover started again under a new PID.
  expect(stackProcesses(stateDir)).toEqual([]);
});

describe('capacity run against the local stack', () => {
  it('uses the running stack, leaves it running, and its request count matches the app servers within 1 %', async () => {
    const before = await appCounters(stack);
    const resultsDir = path.join(work, 'smoke');
    const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--duration', '5s', '--state-dir', stack.stateDir, '--results-dir', resultsDir], work);
    expect(exit.stderr).toContain('already running');
    expect([0, 1]).toContain(exit.code);
    const [id] = await readdir(resultsDir);
    const result = await readResult(path.join(resultsDir, id as string));
    expect(exit.code).toBe(result.verdict === 'pass' ? 0 : 1);
    expect(result).toMatchObject({ status: 'complete', target: { kind: 'local', baseUrl: stack.state.baseUrl } });
    expect(result.endpoints.map((endpoint) => endpoint.name)).toEqual(expect.arrayContaining(['get-product', 'list-products', 'me', 'create-order']));
    const served = (await appCounters(stack)) - before;
    expect(served).toBeGreaterThan(0);
    // The apps also answered the sign-in, which the result reports apart from the measured load.
    expect(Math.abs(result.totals.requests + (result.setup?.requests ?? 0) - served) / served).toBeLessThanOrEqual(0.01);
    for (const component of readStackState(stack.stateDir)?.components ?? []) if (component.pid) expect(pidRunning(component.pid)).toBe(true);
  });

  it('failover stops app2 mid-run, starts it again, and records the burst and the recovery', async () => {
    const before = readStackState(stack.stateDir)?.components.find((component) => component.name === 'app2');
    const resultsDir = path.join(work, 'failover');
    const exit = await runCli(
      ['run', '--scenario', 'failover', '--engine', 'autocannon', '--duration', '12s', '--rps', '100', '--state-dir', stack.stateDir, '--results-dir', resultsDir],
      work,
    );
    expect([0, 1], exit.stderr).toContain(exit.code);
    expect(exit.stderr).toMatch(/failover: stop ok: SIGKILL app2/);
    expect(exit.stderr).toMatch(/failover: start ok: started app2 again/);
    const [id] = await readdir(resultsDir);
    const result = await readResult(path.join(resultsDir, id as string));
    expect(result.failover).toMatchObject({ instance: 'app2' });
    const failover = result.failover!;
    expect(failover.events.map((event) => [event.action, event.ok])).toEqual([
      ['stop', true],
      ['start', true],
    ]);
    // --duration 12s scales the stop/restore at 30s/60s of 90s to 4s/8s.
    expect(failover.stoppedAtS).toBeGreaterThan(3);
    expect(failover.restoredAtS).toBeGreaterThan(failover.stoppedAtS as number);
    expect(failover.timeToRecoverS).not.toBeNull();
    expect(exit.stdout).toMatch(/failover +app2 stopped at/);

    // The restarted app2 is recorded in the state file and the whole stack is healthy again.
    const after = readStackState(stack.stateDir)?.components.find((component) => component.name === 'app2');
    expect(after?.pid).not.toBe(before?.pid);
    expect(pidRunning(after?.pid as number)).toBe(true);
    if (before?.pid) expect(pidRunning(before.pid)).toBe(false);
    const health = await stackStatus(readStackState(stack.stateDir)!);
    expect(health.filter((component) => !component.healthy)).toEqual([]);
  });
});

describe('capacity run without a running stack', () => {
  it('brings the stack up, runs, and stops everything it started', async () => {
    const stateDir = makeStateDir('capacity-run-own-');
    try {
      const resultsDir = path.join(work, 'own');
      const exit = await runCli(['run', '--scenario', 'smoke', '--engine', 'autocannon', '--duration', '2s', '--state-dir', stateDir, '--results-dir', resultsDir, '--apps', '2'], work);
      expect([0, 1], exit.stderr).toContain(exit.code);
      expect(exit.stderr).toContain('stack: started');
      expect(exit.stderr).toContain('stack: stopping what this run started');
      const [id] = await readdir(resultsDir);
      expect((await readResult(path.join(resultsDir, id as string))).status).toBe('complete');
      expect(stackProcesses(stateDir)).toEqual([]);
    } finally {
      for (const pid of stackProcesses(stateDir)) process.kill(pid, 'SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
