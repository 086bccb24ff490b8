import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { LiveView } from './live-view.js';
import { addServerSample, addTick, endRun, initialState, startRun } from './state.js';
import { demoPlan, demoTick } from '../../../test/support/live-view-demo.js';
import { createLiveObserver } from './index.js';
import type { ProcessContext } from '../../core/context.js';

const heading = { engine: 'k6', engineVersion: 'v1.8.1', resultDir: 'results/x', index: 2, count: 3 };

describe('LiveView (ink)', () => {
  it('shows the bar, stage, rates, percentiles, errors, users, sparkline and server CPU', () => {
    let state = startRun(initialState(), demoPlan(), heading);
    for (let t = 1; t <= 10; t += 1) state = addTick(state, demoTick(t, 10 + 4 * t));
    state = addServerSample(state, { t: 10, tier: 'app', instance: 'app-1', cpuCores: 0.3 });
    state = addServerSample(state, { t: 10, tier: 'app', instance: 'app-2', cpuCores: 0.2 });
    state = addServerSample(state, { t: 10, tier: 'postgres', cpuCores: 0.12 });
    const { lastFrame, unmount } = render(<LiveView state={state} columns={100} />);
    const frame = lastFrame() ?? '';
    unmount();
    expect(frame).toContain('capacity run smoke · k6 v1.8.1 (2/3) → http://127.0.0.1:8080');
    expect(frame).toMatch(/█{20,}░{20,}\s+50% 10s \/ 20s\s+stage 2\/2 hold/);
    expect(frame).toContain('49.0 req/s achieved / 50.0 planned (98 %)');
    expect(frame).toContain('p50 6.50 ms p95 22.0 ms p99 36.7 ms');
    expect(frame).toMatch(/p95 trend\s+[▁▂▃▄▅▆▇█]{10} 14\.8–22\.0 ms/);
    expect(frame).toContain('1 total (0.32 %), 0 last interval');
    expect(frame).toContain('8 active');
    expect(frame).toContain('busiest app 0.50 cores · postgres 0.12');
  });

  it('shows the verdict when the run ends', () => {
    let state = startRun(initialState(), demoPlan(), heading);
    state = addTick(state, demoTick(20, 50));
    state = endRun(state, { status: 'complete', verdict: 'fail', totals: { requests: 900, errorRate: 0.01, latencyMs: { p95: 25 } } });
    const { lastFrame, unmount } = render(<LiveView state={state} columns={80} />);
    const frame = lastFrame() ?? '';
    unmount();
    expect(frame).toContain('100%');
    expect(frame).toContain('done: complete, 900 requests, p95 25.0 ms, verdict fail');
  });
});

describe('createLiveObserver', () => {
  function context(isTTY: boolean, env: Record<string, string> = {}) {
    let out = '';
    const ctx: ProcessContext = {
      env,
      cwd: '/',
      stdout: { write: (chunk: string) => ((out += chunk), true), isTTY },
      stderr: { write: () => true },
      now: () => new Date(0),
      signal: new AbortController().signal,
      debug: false,
      projectRoot: fileURLToPath(new URL('../../../', import.meta.url)),
    };
    return { ctx, output: () => out };
  }
  const result = { engine: { name: 'k6' }, status: 'complete', verdict: 'pass', totals: { requests: 60, errorRate: 0, latencyMs: { p95: 12.34 } } } as unknown as Parameters<ReturnType<typeof createLiveObserver>['onEnd']>[0];

  it('prints one plain line per interval when stdout is not a TTY', () => {
    const { ctx, output } = context(false);
    const observer = createLiveObserver(ctx);
    expect(observer.mode).toBe('plain');
    observer.onStart(demoPlan(), { engine: 'k6', resultId: 'x', resultDir: 'results/x', index: 1, count: 1 });
    for (let t = 1; t <= 3; t += 1) observer.onTick(demoTick(t, 20));
    observer.onEnd(result);
    const lines = output().trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('capacity run: smoke with k6 against http://127.0.0.1:8080, 20s → results/x');
    expect(lines[1]).toMatch(/^\[\s+1s\/20s\s+5%\] {2}ramp \(1\/2\) {2}rate 19\.6\/20\.0 req\/s/);
    expect(lines[4]).toBe('done: k6 complete, 60 requests, p95 12.3 ms, verdict pass');
  });

  it('falls back to plain lines in CI even on a TTY, and prints nothing when quiet', () => {
    expect(createLiveObserver(context(true, { CI: 'true' }).ctx).mode).toBe('plain');
    const { ctx, output } = context(false);
    const quiet = createLiveObserver(ctx, { quiet: true });
    quiet.onStart(demoPlan(), { engine: 'k6', resultId: 'x', resultDir: 'results/x', index: 1, count: 1 });
    quiet.onTick(demoTick(1, 20));
    quiet.onMessage?.('stack: started');
    quiet.onEnd(result);
    expect(quiet.mode).toBe('quiet');
    expect(output()).toBe('');
  });

  it('takes server samples from a feed and unsubscribes at the end', () => {
    const { ctx, output } = context(false);
    let listener: ((sample: { t: number; tier: string; cpuCores: number }) => void) | undefined;
    let unsubscribed = false;
    const observer = createLiveObserver(ctx, {
      serverSamples: {
        subscribe(next) {
          listener = next;
          return () => {
            unsubscribed = true;
          };
        },
      },
    });
    observer.onStart(demoPlan(), { engine: 'k6', resultId: 'x', resultDir: 'results/x', index: 1, count: 1 });
    listener?.({ t: 1, tier: 'app', cpuCores: 0.8 });
    observer.onTick(demoTick(1, 20));
    observer.onEnd(result);
    expect(output()).toContain('busiest app 0.80 cores');
    expect(unsubscribed).toBe(true);
  });
});
