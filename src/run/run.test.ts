import { describe, expect, it } from 'vitest';
import type { Engine, EngineAvailability } from '../engines/types.js';
import { assembleRunResult } from '../results/assemble.js';
import { sampleContext, sampleOutput } from '../../test/support/run-fixtures.js';
import { formatTick } from './observer.js';
import { executeRun, prepareRun, resolveEngines, type EngineName, type RunDependencies } from './run.js';
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

describe('engine selection', () => {
  it('auto picks k6 when installed, else autocannon', async () => {
    expect((await resolveEngines('auto', { engines: registry({ k6: true, autocannon: true }), env: {}, projectRoot: '/nonexistent' })).map((c) => c.engine.name)).toEqual(['k6']);
    expect((await resolveEngines('auto', { engines: registry({ autocannon: true }), env: {}, projectRoot: '/nonexistent' })).map((c) => c.engine.name)).toEqual(['autocannon']);
  });

  it('all runs every engine, and a missing one is exit 3 with its hint before anything starts', async () => {
    expect((await resolveEngines('all', { engines: registry({ k6: true, autocannon: true, artillery: true }), env: {}, projectRoot: '/nonexistent' })).length).toBe(3);
    await expect(resolveEngines('all', { engines: registry({ autocannon: true }), env: {}, projectRoot: '/nonexistent' })).rejects.toMatchObject({
      exitCode: 3,
      message: 'engines not available: k6, artillery',
      hint: 'k6: install k6; artillery: install artillery',
    });
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
