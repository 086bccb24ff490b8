import { getEventListeners } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from '../../src/core/binaries.js';
import { runCapacity } from './support/cli.js';
import { startApiTarget, type ApiTarget } from './support/api-target.js';
import { installedEngines } from './support/engines.js';

/**
 * `capacity run --engine all` runs the engines one after another in one process: nothing an
 * engine run starts (abort listeners, timers, sockets, child processes) may outlive it. Runs
 * `--engine all` twice in-process through main() and checks, after each, that the process is
 * back where it was. k6 runs when it is on PATH; without it, `all` is the installed engines and
 * says k6 was skipped.
 */

/** Resource kinds an engine run could leave behind (process.getActiveResourcesInfo names). */
const WATCHED = ['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap', 'TCPWrap', 'PipeWrap', 'ProcessWrap', 'ChildProcess', 'FSEventWrap', 'StatWatcher', 'TTYWrap', 'UDPWrap', 'SignalWrap'];

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Kinds watched that now exceed the baseline, e.g. { TCPSocketWrap: "3 > 1" }. */
function grownResources(baseline: Record<string, number>): Record<string, string> {
  const now = resourceCounts();
  const grown: Record<string, string> = {};
  for (const kind of WATCHED) if ((now[kind] ?? 0) > (baseline[kind] ?? 0)) grown[kind] = `${now[kind] ?? 0} > ${baseline[kind] ?? 0}`;
  return grown;
}

/** Direct children of this process, from /proc (every thread's children list). */
async function childPids(): Promise<number[]> {
  const tasks = await readdir(`/proc/${process.pid}/task`);
  const pids = new Set<number>();
  for (const task of tasks) {
    const text = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of text.trim().split(/\s+/).filter(Boolean)) pids.add(Number(pid));
  }
  return [...pids];
}

async function describePid(pid: number): Promise<string> {
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return `${pid} ${command.replaceAll('\0', ' ').trim()}`;
}

/**
 * Composite signals (AbortSignal.any) that depend on `signal`: Node 20 keeps each in the source's
 * dependants set until the source aborts, so one per request would pile up on the run's signal.
 * Node internals, read by the symbol's name; 0 where the set does not exist (yet).
 */
function dependantSignals(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((symbol) => symbol.description === 'kDependantSignals');
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, unknown>)[key];
  return set instanceof Set ? set.size : 0;
}

/** Counts the abort listeners on `signal` as they come and go, and the most at once. */
function watchAbortListeners(signal: AbortSignal): { peak: number; reset(): void } {
  const live = new Set<unknown>();
  const watch = { peak: 0, reset: () => void (watch.peak = live.size) };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
    const [type, listener] = args;
    if (type === 'abort' && listener) {
      live.add(listener);
      watch.peak = Math.max(watch.peak, live.size);
    }
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
    if (args[0] === 'abort') live.delete(args[1]);
    remove(...args);
  };
  return watch;
}

/** Polls until `check` returns nothing (an empty object or list), up to `ms`; returns the last answer. */
async function settle<T extends object>(check: () => T | Promise<T>, ms = 2_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await check();
  while (Object.keys(last).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await check();
  }
  return last;
}

let work: string;
let target: ApiTarget;
const k6OnPath = findBinary('k6', { path: process.env.PATH }) !== undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'capacity-leaks-'));
  target = await startApiTarget();
});

afterAll(async () => {
  await target?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('capacity run --engine all leaves nothing behind', () => {
  it('two runs in one process: no MaxListenersExceededWarning, abort listeners, timers, sockets or child processes left', async () => {
    if (!k6OnPath) console.log(`k6 is not on PATH: \`--engine all\` runs the installed engines (${installedEngines.join(', ')}) and must say k6 was skipped`);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const controller = new AbortController();
    const { signal } = controller;
    const listenersBefore = getEventListeners(signal, 'abort').length;
    const dependantsBefore = dependantSignals(signal);
    const watch = watchAbortListeners(signal);
    // Warm up what the first run would otherwise create once for the life of the process (module
    // imports, fetch's dispatcher): a plan prints without running anything.
    expect((await runCapacity(['plan', '--scenario', 'smoke', '--engine', 'all', '--target', target.url], { cwd: work, env: { PATH: process.env.PATH } })).code).toBe(0);
    const resourcesBefore = resourceCounts();
    const childrenBefore = await childPids();
    try {
      for (const round of [1, 2]) {
        const resultsDir = path.join(work, `results-${round}`);
        watch.reset();
        // 100 req/s: autocannon runs each step as 10 staggered instances (the most it uses).
        const exit = await runCapacity(['run', '--scenario', 'smoke', '--engine', 'all', '--target', target.url, '--duration', '4s', '--rps', '100', '--results-dir', resultsDir], {
          cwd: work,
          env: { PATH: process.env.PATH, CI: '1' },
          signal,
          now: () => new Date(),
        });
        expect([0, 1], `round ${round}: exit ${exit.code}\n${exit.stderr}`).toContain(exit.code);
        const engines = (await readdir(resultsDir)).map((id) => id.split('_').at(-1)).sort();
        expect(engines).toEqual([...installedEngines]);
        if (!k6OnPath) expect(exit.stderr).toMatch(/engine k6 skipped: not installed \(install k6/);

        console.log(
          `round ${round}: engines ${engines.join(', ')}; most abort listeners at once on the run's signal ${watch.peak} (before: ${listenersBefore}); composite signals depending on it +${dependantSignals(signal) - dependantsBefore}`,
        );
        expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map(String), `round ${round}`).toEqual([]);
        expect(getEventListeners(signal, 'abort').length, `round ${round}: abort listeners on the run's signal`).toBe(listenersBefore);
        // Each engine listens once (its run, its login pool, its child), not once per step or instance.
        expect(watch.peak, `round ${round}: most abort listeners on the run's signal at once`).toBeLessThanOrEqual(listenersBefore + 2);
        // The preflight (src/run/preflight.ts) ties one AbortSignal.any to the run's signal per run;
        // nothing per engine, per login or per request may.
        expect(dependantSignals(signal) - dependantsBefore, `round ${round}: composite signals depending on the run's signal`).toBeLessThanOrEqual(round);
        expect(await settle(() => grownResources(resourcesBefore)), `round ${round}: active resources above the baseline`).toEqual({});
        const left = await settle(async () => (await childPids()).filter((pid) => !childrenBefore.includes(pid)));
        expect(await Promise.all(left.map(describePid)), `round ${round}: child processes left`).toEqual([]);
      }
    } finally {
      process.off('warning', onWarning);
    }
  });
});
