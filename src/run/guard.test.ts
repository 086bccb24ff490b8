import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, EngineRunInput } from '../engines/types.js';
import type { StackState } from '../stack/types.js';
import { sampleOutput } from '../../test/support/run-fixtures.js';
import { executeRun, type RunDependencies, type RunGuard } from './run.js';

/** The run tells its guard, in order: a stack it may start, whether it did, its engine children; then releases it, on every path. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const stack: StackState = { driver: 'local', startedAt: '2026-01-01T00:00:00Z', stateDir: '/state', baseUrl: 'http://127.0.0.1:1', components: [] };

function recordingGuard(calls: string[]): RunGuard {
  return {
    children: { started: (pid) => calls.push(`child ${pid} started`), ended: (pid) => calls.push(`child ${pid} ended`) },
    claimStackIfNone: () => calls.push('claim'),
    setStartedStack: (started) => calls.push(`started stack: ${started}`),
    release: async () => void calls.push('release'),
  };
}

function deps(calls: string[], engineRun: (input: EngineRunInput) => Promise<ReturnType<typeof sampleOutput>>, started = true): RunDependencies {
  const engine: Engine = { name: 'autocannon', detect: async () => ({ available: true, version: '1', hint: '' }), run: engineRun };
  return {
    env: {},
    projectRoot: '/nonexistent',
    cwd: '/',
    signal: new AbortController().signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
    observer: { onStart: () => undefined, onTick: () => undefined, onEnd: () => undefined },
    engines: { get: () => engine, list: () => ['autocannon'] },
    stack: {
      ensureStack: async () => {
        calls.push('ensureStack');
        return { state: stack, started };
      },
      downStack: async () => void calls.push('downStack'),
    },
    preflight: async () => 'ok',
    guard: async (stateDir) => {
      calls.push(`guard ${stateDir}`);
      return recordingGuard(calls);
    },
  };
}

function options() {
  const dir = mkdtempSync(path.join(tmpdir(), 'capacity-guard-'));
  dirs.push(dir);
  return { scenario: 'smoke', engine: 'autocannon' as const, overrides: { durationS: 1 }, keep: false, resultsDir: path.join(dir, 'results'), stateDir: path.join(dir, 'state') };
}

describe('the run and its guard', () => {
  it('claims the stack before ensuring it, records its answer and the engine children, stops the stack, then releases', async () => {
    const calls: string[] = [];
    const run = options();
    await executeRun(
      run,
      deps(calls, async (input) => {
        input.children?.started(4242);
        input.children?.ended(4242);
        return sampleOutput();
      }),
    );
    expect(calls).toEqual([`guard ${run.stateDir}`, 'claim', 'ensureStack', 'started stack: true', 'child 4242 started', 'child 4242 ended', 'downStack', 'release']);
  });

  it('a stack that was already running is not the run’s; the guard is released when the engine fails', async () => {
    const calls: string[] = [];
    await expect(
      executeRun(
        options(),
        deps(
          calls,
          async () => {
            throw new Error('engine failed');
          },
          false,
        ),
      ),
    ).rejects.toThrow('engine failed');
    expect(calls.slice(1)).toEqual(['claim', 'ensureStack', 'started stack: false', 'release']);
  });
});
