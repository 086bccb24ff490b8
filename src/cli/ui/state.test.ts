import { describe, expect, it } from 'vitest';
import { addMessage, addPhase, addServerSample, addTick, cpuPerTier, endRun, initialState, plainLine, progress, progressBar, sparkline, stageAt, startRun, HISTORY_LENGTH } from './state.js';
import { demoPlan, demoTick } from '../../../test/support/live-view-demo.js';

const heading = { engine: 'k6', engineVersion: 'v1.8.1', resultDir: 'results/x', index: 1, count: 1 };

describe('live view state', () => {
  it('finds the stage and the planned rate along linear ramps', () => {
    const plan = demoPlan();
    expect(stageAt(plan, 0)).toEqual({ index: 0, count: 2, name: 'ramp', planned: 10 });
    expect(stageAt(plan, 5)?.planned).toBe(30);
    expect(stageAt(plan, 15)).toEqual({ index: 1, count: 2, name: 'hold', planned: 50 });
    expect(stageAt(plan, 99)?.name).toBe('hold');
  });

  it('accumulates requests and errors, keeps a bounded p95 history, and tracks progress', () => {
    let state = startRun(initialState(), demoPlan(), heading);
    for (let t = 1; t <= HISTORY_LENGTH + 5; t += 1) state = addTick(state, { t: t / 4, achievedRps: 10, requests: 10, errors: t === 3 ? 2 : 0, latencyMs: { p50: 1, p95: t, p99: 3 } });
    expect(state.requests).toBe(10 * (HISTORY_LENGTH + 5));
    expect(state.errors).toBe(2);
    expect(state.p95History).toHaveLength(HISTORY_LENGTH);
    expect(state.p95History[0]).toBe(6);
    expect(progress(state)).toBeCloseTo((HISTORY_LENGTH + 5) / 4 / 20, 6);
  });

  it('sums server CPU per tier from the latest sample of each instance', () => {
    let state = initialState();
    state = addServerSample(state, { t: 1, tier: 'app', instance: 'app-1', cpuCores: 0.5 });
    state = addServerSample(state, { t: 1, tier: 'app', instance: 'app-2', cpuCores: 0.25 });
    state = addServerSample(state, { t: 2, tier: 'app', instance: 'app-1', cpuCores: 0.75 });
    state = addServerSample(state, { t: 2, tier: 'postgres', cpuCores: 0.1 });
    expect(cpuPerTier(state)).toEqual([
      { tier: 'app', cores: 1 },
      { tier: 'postgres', cores: 0.1 },
    ]);
  });

  it('formats one plain line with every figure', () => {
    let state = startRun(initialState(), demoPlan(), heading);
    state = addTick(state, demoTick(7, 38));
    state = addServerSample(state, { t: 7, tier: 'app', cpuCores: 0.42 });
    expect(plainLine(state)).toBe('[    7s/20s  35%]  ramp (1/2)  rate 37.2/38.0 req/s  p50 5.90 p95 19.6 p99 32.7 ms  errors 1 (total 1, 2.70 %)  users 7  busiest app 0.42 cores');
  });

  it('keeps the last messages, and marks a finished run complete', () => {
    let state = initialState();
    for (const message of ['a', 'b', 'c', 'd']) state = addMessage(state, message);
    expect(state.messages).toEqual(['b', 'c', 'd']);
    state = startRun(state, demoPlan(), heading);
    state = endRun(state, { status: 'complete', verdict: 'pass', totals: { requests: 100, errorRate: 0, latencyMs: { p95: 12 } } });
    expect(progress(state)).toBe(1);
  });

  it('draws bars and sparklines of the right size', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(2, 4)).toBe('████');
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5])).toBe('▄▄');
  });

  it('shows what the run does before its first interval, until the first tick', () => {
    const started = addPhase(startRun(initialState(), demoPlan(), { engine: 'autocannon', resultDir: 'r', index: 1, count: 1 }), 'signing in 20 users…');
    expect(started.phase).toBe('signing in 20 users…');
    expect(addTick(started, demoTick(1, 14)).phase).toBeUndefined();
  });
});
