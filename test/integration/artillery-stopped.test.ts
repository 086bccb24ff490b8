import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunResult } from '../../src/results/read.js';
import { BACKSTOP_AFTER_GRACE_S, PLAN_END_GRACE_S } from '../../src/engines/child-process.js';
import { startSlowTarget } from './support/slow-target.js';

/**
 * Artillery keeps its result when it is stopped at the plan's end. A generator that cannot keep
 * up (a machine whose cores are all busy) runs its phases late, on past the plan's end, and the
 * backstop stops it; Artillery writes its own report only at its normal end. Here the starving is
 * made certain: the Artillery process is frozen (SIGSTOP) a second before the plan's end, so it
 * can only be ended by the backstop, while a target that cannot keep up (SLOTS at a time,
 * SERVICE_MS each, the rest queued) still owes answers. The run must still have its result, from
 * the processor's own record of every request: requests counted, the unanswered counted as in
 * flight, exit 0 (no SLOs, never the internal error 70), and a window within the plan's end plus
 * grace plus the backstop's margin. Runs the built CLI (`npm run build`).
 */

const BIN = fileURLToPath(new URL('../../bin/capacity', import.meta.url));
const PLAN_S = 10;
const BOUND_S = PLAN_S + PLAN_END_GRACE_S + BACKSTOP_AFTER_GRACE_S;
/** Planned rate: 2.5 times what the target serves, so its queue grows all along. */
const RATE = 100;
const SLOTS = 4;
const SERVICE_MS = 100;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The PIDs of `parent`'s children whose command line contains `name`. */
function childrenNamed(parent: number, name: string): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], (_error, stdout) => {
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.includes(name))
          .map((line) => Number.parseInt(line.trim(), 10))
          .filter((pid) => Number.isInteger(pid) && pid > 0),
      );
    });
  });
}

/** True while `pid` runs or is stopped (a zombie waiting to be reaped is gone). */
function isAlive(pid: number): boolean {
  try {
    const state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('Artillery stopped at the plan end keeps its result', () => {
  it(`a ${PLAN_S} s plan whose Artillery is starved before the end, against a target that cannot keep up: within ${BOUND_S} s, with its requests and what was in flight`, { timeout: 200_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'capacity-stopped-engine-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const target = await startSlowTarget(SLOTS, SERVICE_MS);
    cleanups.push(() => target.close());
    const scenario = path.join(work, 'scenario.yaml');
    await writeFile(
      scenario,
      [
        'name: artillery-stopped',
        'model: open',
        `maxUsers: ${RATE * 2}`,
        'requestTimeout: 30s',
        'stages:',
        `  - { name: hold, duration: ${PLAN_S}s, target: ${RATE} }`,
        'requests:',
        '  - { name: get-item, path: /item }',
        'slos: none',
        'interval: 1s',
        '',
      ].join('\n'),
    );
    const resultsDir = path.join(work, 'results');
    const startedAt = Date.now();
    const cli = spawn(process.execPath, [BIN, 'run', '--scenario', scenario, '--engine', 'artillery', '--target', target.url, '--results-dir', resultsDir, '--state-dir', path.join(work, 'state')], {
      cwd: work,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
    const frozen: number[] = [];
    cleanups.push(async () => {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
      // The backstop kills it; should the test fail first, the frozen engine is not left behind.
      for (const pid of frozen) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    // The plan starts with the first request; a second before its end, Artillery is frozen.
    const freeze = (async () => {
      const deadline = Date.now() + 120_000;
      while (target.received === 0 && Date.now() < deadline && cli.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const firstAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstAt + (PLAN_S - 1) * 1000 - Date.now())));
      for (const pid of await childrenNamed(cli.pid as number, 'artillery run ')) {
        process.kill(pid, 'SIGSTOP');
        frozen.push(pid);
      }
    })();
    const code = await exited;
    await freeze;
    const wallS = (Date.now() - startedAt) / 1000;
    expect(frozen.length, output).toBeGreaterThan(0);
    expect(code, output.slice(-3000)).toBe(0);
    // The backstop ended the frozen engine: nothing of it is left (its parent reaps it, or init).
    for (let waited = 0; waited < 50 && frozen.some(isAlive); waited += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(frozen.filter(isAlive)).toEqual([]);
    const [id] = await readdir(resultsDir);
    const folder = path.join(resultsDir, id as string);
    const { result } = await loadRunResult(folder, work);
    const files = await readdir(folder);
    console.log(
      `artillery stopped: window ${result.window.durationS.toFixed(1)} s, command ${wallS.toFixed(1)} s, requests ${result.totals.requests}, errors ${result.totals.errors}, in flight at end ${String(result.totals.inFlightAtEnd)}, dropped ${String(result.totals.droppedIterations)}; target received ${target.received}, answered ${target.answered}`,
    );
    // Stopped: no report of its own, the figures from the processor's record.
    expect(files).not.toContain('artillery-report.json');
    expect(files.some((file) => file.startsWith('artillery-samples-'))).toBe(true);
    expect(result.engine.notes.join('\n')).toMatch(/stopped before it wrote its report/);
    expect(result.engine.percentileSource).toBe('histogram');
    expect(result.status).toBe('complete');
    expect(result.window.durationS).toBeLessThanOrEqual(BOUND_S);
    // Answered requests were counted, with their latency, and the unanswered as in flight.
    expect(result.totals.requests).toBeGreaterThan(0);
    expect(result.totals.latencyMs?.p95).toBeGreaterThan(0);
    expect(result.totals.inFlightAtEnd).toBeGreaterThan(0);
    expect(result.totals.requests - result.totals.errors).toBeLessThanOrEqual(target.answered);
    // Every request the target received is in the result, answered or in flight (1 %: one on the wire when frozen).
    const accounted = result.totals.requests + (result.totals.inFlightAtEnd ?? 0);
    expect(Math.abs(accounted - target.received)).toBeLessThanOrEqual(Math.max(2, 0.01 * target.received));
    expect(result.intervals.length).toBeGreaterThan(0);
  });
});
