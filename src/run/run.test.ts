import { describe, expect, it } from 'vitest';
import { getEngine } from '../engines/index.js';
import type { Engine, EngineAvailability } from '../engines/types.js';
import { assembleRunResult } from '../results/assemble.js';
import { sampleContext, sampleOutput } from '../../test/support/run-fixtures.js';
import { formatTick } from './observer.js';
import { executeRun, prepareRun, resolveEngines, selectEngines, translateForEngines, type EngineName, type RunDependencies } from './run.js';
import { badInput } from '../core/errors.js';
import { demoPlan } from '../../test/support/live-view-demo.js';
import { formatRunSummary, formatSideBySide } from './summary.js';

/** Engines as the selection policy sees them: a name and whether detect() finds it. */
function registry(available: Partial<Record<EngineName, boolean>>) {
  const make = (name: EngineName): Engine => ({
    name,
    async detect(): Promise<EngineAvailability> {
      return available[name] ? { available: true, version: '1.0', hint: '' } : { available: false, hint: `install ${name}` };
    },
    async run() {
      throw new Error('selection only');
    },
  });
  const names: EngineName[] = ['k6', 'autocannon', 'artillery'];
  return { get: (name: string) => make(name as EngineName), list: () => names };
}

/** Dependencies of a run that reaches no real engine, stack or target; tests override what they watch. */
function unitDeps(overrides: Partial<RunDependencies> = {}): RunDependencies {
  return {
    env: {},
    projectRoot: '/nonexistent',
    cwd: '/',
    signal: new AbortController().signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
    observer: { onStart: () => undefined, onTick: () => undefined, onEnd: () => undefined },
    engines: registry({ autocannon: true }),
    stack: { ensureStack: async () => Promise.reject(new Error('no stack here')), downStack: async () => undefined },
    preflight: async () => 'ok',
    ...overrides,
  };
}

describe('engine selection', () => {
  it('auto picks k6 when installed, else autocannon', async () => {
    expect((await resolveEngines('auto', { engines: registry({ k6: true, autocannon: true }), env: {}, projectRoot: '/nonexistent' })).map((c) => c.engine.name)).toEqual(['k6']);
    expect((await resolveEngines('auto', { engines: registry({ autocannon: true }), env: {}, projectRoot: '/nonexistent' })).map((c) => c.engine.name)).toEqual(['autocannon']);
  });

  it('all runs every engine when each is installed', async () => {
    const all = await selectEngines('all', { engines: registry({ k6: true, autocannon: true, artillery: true }), env: {}, projectRoot: '/nonexistent' });
    expect(all.chosen.map((c) => c.engine.name)).toEqual(['k6', 'autocannon', 'artillery']);
    expect(all.skipped).toEqual([]);
  });

  it('all runs the installed engines and names each skipped one with its hint', async () => {
    const some = await selectEngines('all', { engines: registry({ autocannon: true, artillery: true }), env: {}, projectRoot: '/nonexistent' });
    expect(some.chosen.map((c) => c.engine.name)).toEqual(['autocannon', 'artillery']);
    expect(some.skipped).toEqual([{ name: 'k6', hint: 'install k6' }]);
    expect((await resolveEngines('all', { engines: registry({ autocannon: true }), env: {}, projectRoot: '/nonexistent' })).map((c) => c.engine.name)).toEqual(['autocannon']);
  });

  it('all with no engine installed, or a named engine missing, is exit 3 with the hints', async () => {
    await expect(resolveEngines('all', { engines: registry({}), env: {}, projectRoot: '/nonexistent' })).rejects.toMatchObject({
      exitCode: 3,
      message: 'engines not available: k6, autocannon, artillery',
      hint: 'k6: install k6; autocannon: install autocannon; artillery: install artillery',
    });
    await expect(resolveEngines('k6', { engines: registry({ autocannon: true, artillery: true }), env: {}, projectRoot: '/nonexistent' })).rejects.toMatchObject({
      exitCode: 3,
      message: 'engine not available: k6',
      hint: 'k6: install k6',
    });
  });
});

describe('translation before the load', () => {
  const engine = (name: EngineName, translate: Engine['translate']) => ({ engine: { name, translate } as Engine });
  const accepts = engine('autocannon', () => ({ config: {}, adaptations: ['ramps run as 2 s steps'] }));
  const refuses = engine('artillery', () => {
    throw badInput('artillery cannot run a closed model without think time');
  });

  it('says each adaptation, and under `all` skips an engine that refuses the plan', () => {
    const said: string[] = [];
    expect(translateForEngines('all', [accepts, refuses], demoPlan(), (line) => said.push(line))).toEqual([accepts]);
    expect(said).toEqual(['autocannon: ramps run as 2 s steps', 'engine artillery skipped: it cannot run this plan (artillery cannot run a closed model without think time)']);
  });

  it('a named engine that refuses, or `all` with none left, is bad input (exit 2)', () => {
    expect(() => translateForEngines('artillery', [refuses], demoPlan(), () => undefined)).toThrow(/closed model/);
    expect(() => translateForEngines('all', [refuses], demoPlan(), () => undefined)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('prepareRun', () => {
  it('a --target makes a URL run; the stack is the default target', async () => {
    expect((await prepareRun({ scenario: 'smoke', targetUrl: 'http://127.0.0.1:9/', overrides: {} }, '/')).target).toEqual({ kind: 'url', url: 'http://127.0.0.1:9' });
    expect((await prepareRun({ scenario: 'smoke', overrides: {} }, '/')).target).toEqual({ kind: 'local' });
  });

  it('validates overrides and the target before anything starts', async () => {
    await expect(prepareRun({ scenario: 'smoke', targetUrl: 'not a url', overrides: {} }, '/')).rejects.toMatchObject({ exitCode: 2 });
    await expect(prepareRun({ scenario: 'smoke', overrides: { set: ['stages.0.target=x'] } }, '/')).rejects.toMatchObject({ exitCode: 2 });
    await expect(prepareRun({ scenario: 'failover', targetUrl: 'http://127.0.0.1:9', overrides: {} }, '/')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('needs the local stack'),
    });
  });
});

describe('generator memory', () => {
  // smoke is open with maxUsers 20: autocannon ~129 MiB (128 MiB base + 20 x 64 KiB).
  function deps(freeBytes: number | undefined, calls: string[]): RunDependencies {
    const engines = registry({ autocannon: true });
    return {
      env: {},
      projectRoot: '/nonexistent',
      cwd: '/',
      signal: new AbortController().signal,
      now: () => new Date('2026-01-01T00:00:00Z'),
      observer: { onStart: () => calls.push('observer'), onTick: () => undefined, onEnd: () => undefined },
      engines,
      stack: {
        ensureStack: async () => {
          calls.push('ensureStack');
          throw new Error('stack reached');
        },
        downStack: async () => undefined,
      },
      preflight: async () => {
        calls.push('preflight');
        throw new Error('preflight reached');
      },
      ...(freeBytes === undefined ? {} : { freeMemoryBytes: () => freeBytes }),
    };
  }
  const options = { scenario: 'smoke', engine: 'autocannon' as const, overrides: {}, keep: false, resultsDir: '/nonexistent/results', stateDir: '/nonexistent/state' };

  it('exit 2 before the stack or the engine starts when the estimate exceeds free memory', async () => {
    const calls: string[] = [];
    await expect(executeRun(options, deps(64 * 1024 * 1024, calls))).rejects.toMatchObject({
      exitCode: 2,
      message: 'the load generator would need about 129.3 MiB of memory for 20 users, but 64.0 MiB is free',
      details: [expect.stringContaining('autocannon: about 129.3 MiB for 20 connections')],
      hint: expect.stringContaining('fewer users'),
    });
    expect(calls).toEqual([]);
  });

  it('goes on when it fits, or when no free-memory function is given', async () => {
    const fits: string[] = [];
    await expect(executeRun(options, deps(8 * 1024 ** 3, fits))).rejects.toThrow('stack reached');
    expect(fits).toEqual(['ensureStack']);
    const unchecked: string[] = [];
    await expect(executeRun({ ...options, overrides: { users: 1_000_000 } }, deps(undefined, unchecked))).rejects.toThrow('stack reached');
  });
});

describe("each chosen engine's translation of the plan, before anything starts", () => {
  // The real adapters' translations, with detect() stubbed so no engine needs to be installed.
  function deps(order: string[]): RunDependencies {
    const installed = (name: string): Engine => ({ ...getEngine(name), detect: async () => ({ available: true, version: '1.0', hint: '' }) });
    const reached = (step: string) => async (): Promise<never> => {
      order.push(step);
      throw new Error(`${step} reached`);
    };
    const observer = { onStart: () => order.push('start'), onTick: () => undefined, onEnd: () => undefined, onMessage: (message: string) => order.push(message) };
    const process = { env: {}, projectRoot: '/nonexistent', cwd: '/', signal: new AbortController().signal, now: () => new Date(0) };
    return { ...process, observer, engines: { get: installed, list: () => ['k6', 'autocannon', 'artillery'] }, stack: { ensureStack: reached('ensureStack'), downStack: async () => undefined }, preflight: reached('preflight') };
  }
  const options = { scenario: 'baseline', engine: 'artillery' as const, overrides: { rps: 300, durationS: 30 }, keep: false, resultsDir: '/nonexistent/results', stateDir: '/nonexistent/state' };

  it('says what was adapted to fit the engine before the stack is brought up (baseline --rps 300 --duration 30s on Artillery)', async () => {
    const order: string[] = [];
    await expect(executeRun(options, deps(order))).rejects.toThrow('ensureStack reached');
    expect(order[0]).toMatch(/^artillery: stage 1 \(ramp\): 4\.286 s is not a whole number of seconds and Artillery ramps once a second/);
    expect(order.indexOf('ensureStack')).toBeGreaterThan(0);
  });

  it('refuses a plan the engine cannot run with exit 2, naming the engine, before anything starts', async () => {
    const order: string[] = [];
    await expect(executeRun({ ...options, scenario: 'stress', overrides: {} }, deps(order))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('artillery cannot run this plan: the closed model without think time'),
    });
    expect(order).toEqual([]);
  });
});

describe('--engine all without every engine installed', () => {
  it('tells which engines it skipped and why, then goes on with the installed ones', async () => {
    const messages: string[] = [];
    const started: string[] = [];
    const deps = unitDeps({
      observer: { onStart: (_plan, info) => started.push(info.engine), onTick: () => undefined, onEnd: () => undefined, onMessage: (message) => messages.push(message) },
      engines: registry({ autocannon: true, artillery: true }),
      preflight: async () => {
        throw new Error('preflight reached');
      },
    });
    const options = { scenario: 'smoke', engine: 'all' as const, targetUrl: 'http://127.0.0.1:9', overrides: {}, keep: false, resultsDir: '/nonexistent/results', stateDir: '/nonexistent/state' };
    await expect(executeRun(options, deps)).rejects.toThrow('preflight reached');
    expect(messages).toEqual(['engine k6 skipped: not installed (install k6)']);
    expect(started).toEqual([]);
    await expect(executeRun(options, { ...deps, engines: registry({}) })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('nothing an engine run started outlives it', () => {
  it('a collector that cannot start: the ones already started are stopped, the engine never runs', async () => {
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const resultsDir = await mkdtemp(path.join(tmpdir(), 'capacity-run-unit-'));
    const calls: string[] = [];
    const collector = (name: string, fails: boolean) => ({
      name,
      start: async () => {
        calls.push(`start ${name}`);
        if (fails) throw new Error(`${name} cannot start`);
      },
      stop: async () => {
        calls.push(`stop ${name}`);
        return [];
      },
    });
    const engines = registry({ autocannon: true });
    const deps = unitDeps({
      engines: {
        ...engines,
        get: (name) => ({ ...engines.get(name), run: async () => Promise.reject(new Error('the engine ran')) }),
      },
      collectorFactories: [() => [collector('a', false), collector('b', true), collector('c', false)]],
    });
    try {
      await expect(
        executeRun({ scenario: 'smoke', engine: 'autocannon', targetUrl: 'http://127.0.0.1:9', overrides: {}, keep: false, resultsDir, stateDir: resultsDir }, deps),
      ).rejects.toThrow('b cannot start');
      expect(calls).toEqual(['start a', 'start b', 'stop a']);
      expect(await readdir(resultsDir)).toEqual([]);
    } finally {
      await rm(resultsDir, { recursive: true, force: true });
    }
  });

  it('a failover controller that throws is a failed action: finish() settles, so the run goes on to clean up', async () => {
    const { scheduleFailover } = await import('./failover.js');
    const controller = {
      stop: async () => Promise.reject(new Error('stack.json is corrupt')),
      start: async () => ({ ok: true, detail: 'started' }),
    };
    const schedule = scheduleFailover({ atS: 0, restoreAtS: 0.02, instance: 'app2' }, controller, { signal: new AbortController().signal, now: () => new Date() });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(schedule.finish()).resolves.toBeUndefined();
    expect(schedule.actions).toMatchObject([{ action: 'stop', ok: false, detail: 'stack.json is corrupt' }]);
  });
});

describe('text output', () => {
  it('prints one line per tick', () => {
    expect(formatTick({ t: 12, plannedRps: 20, achievedRps: 19.84, requests: 20, errors: 1, latencyMs: { p50: 2, p95: 12.34, p99: 20 }, activeUsers: 3 })).toBe(
      '   12s  planned 20.0/s  achieved 19.8/s  p50 2.0 ms  p95 12.3 ms  p99 20.0 ms  requests 20  errors 1  users 3',
    );
    expect(formatTick({ t: 0, achievedRps: 0, requests: 0, errors: 0 })).toBe('    0s  achieved 0.0/s  no latency yet  requests 0  errors 0');
  });

  it('summarizes a result with its SLO verdicts and the file', () => {
    const text = formatRunSummary(assembleRunResult(sampleOutput(), sampleContext()), 'results/x/result.json');
    expect(text).toContain('p50 5 ms  p95 40 ms  p99 90 ms');
    expect(text).toMatch(/pass {2}p95 <= 50 ms +40 ms/);
    expect(text).toMatch(/FAIL {2}error rate <= 0\.5 % +1\.00 %/);
    expect(text).toContain('verdict      FAIL');
    expect(text).toContain('results/x/result.json');
  });

  it('sets engines side by side', () => {
    const a = assembleRunResult(sampleOutput(), sampleContext());
    const b = assembleRunResult(sampleOutput({ engine: { name: 'k6', version: '1.8.1', percentileSource: 'histogram', notes: [] } }), sampleContext());
    const lines = formatSideBySide([a, b]).split('\n');
    expect(lines[0]).toMatch(/autocannon +k6$/);
    expect(lines.find((line) => line.startsWith('p95 ms'))).toMatch(/40 +40$/);
  });
});

describe('preflight', () => {
  it('names a port that fetch refuses to use', async () => {
    const { preflight } = await import('./preflight.js');
    await expect(preflight('http://127.0.0.1:1')).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('port 1 is blocked') });
  });
});
