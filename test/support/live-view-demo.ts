/** A synthetic plan and run for the live view's tests and for trying the view without a stack. */
import type { Plan } from '../../src/scenarios/types.js';
import type { EngineTick } from '../../src/engines/types.js';
import type { RunObserver } from '../../src/run/observer.js';
import type { RunResult } from '../../src/results/schema.js';
import type { ServerSample } from '../../src/cli/ui/state.js';

export function demoPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    scenario: 'smoke',
    model: 'open',
    baseUrl: 'http://127.0.0.1:8080',
    startTarget: 10,
    stages: [
      { name: 'ramp', durationS: 10, target: 50 },
      { name: 'hold', durationS: 10, target: 50 },
    ],
    thinkTimeS: 0,
    maxUsers: 100,
    requestTimeoutS: 10,
    intervalS: 1,
    requests: [{ name: 'home', method: 'GET', path: '/', weight: 1, auth: false }],
    data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'capacity', searchTerms: ['lamp'] },
    slos: [],
    totalDurationS: 20,
    peakTarget: 50,
    ...overrides,
  };
}

/** Synthetic tick at second t: rate follows the plan, latency grows with it. */
export function demoTick(t: number, planned: number): EngineTick {
  const achieved = planned * 0.98;
  return {
    t,
    plannedRps: planned,
    achievedRps: achieved,
    requests: Math.round(achieved),
    errors: t % 7 === 0 ? 1 : 0,
    latencyMs: { p50: 4 + planned / 20, p95: 11 + planned / 5 + (t % 3), p99: 20 + planned / 3 },
    activeUsers: 3 + Math.round(planned / 10),
  };
}

/**
 * Drives an observer through a synthetic run: start, one tick per `intervalMs` with server CPU
 * samples, end. For the terminal tests and for trying the view without a stack.
 */
export async function driveDemo(
  observer: RunObserver & { onServerSample?: (sample: ServerSample) => void },
  options: { intervalMs: number; sleep: (ms: number) => Promise<void> },
): Promise<void> {
  const plan = demoPlan();
  observer.onMessage?.('stack: using a synthetic demo run');
  observer.onStart(plan, { engine: 'k6', engineVersion: 'v1.8.1', resultId: 'demo', resultDir: 'results/demo', index: 1, count: 1 });
  let requests = 0;
  let errors = 0;
  for (let t = 1; t <= plan.totalDurationS; t += 1) {
    await options.sleep(options.intervalMs);
    const planned = t <= 10 ? 10 + 4 * t : 50;
    const tick = demoTick(t, planned);
    requests += tick.requests;
    errors += tick.errors;
    observer.onServerSample?.({ t, tier: 'app', instance: 'app-1', cpuCores: planned / 200 });
    observer.onServerSample?.({ t, tier: 'app', instance: 'app-2', cpuCores: planned / 250 });
    observer.onServerSample?.({ t, tier: 'postgres', cpuCores: planned / 900 });
    observer.onTick(tick);
  }
  const result = {
    engine: { name: 'k6', version: 'v1.8.1' },
    status: 'complete',
    verdict: 'pass',
    totals: { requests, errors, errorRate: errors / requests, achievedRps: requests / plan.totalDurationS, latencyMs: { p50: 6.1, p95: 21.4, p99: 35.2 } },
  };
  // Only the fields a view reads: a demo has no intervals, endpoints or machine to report.
  observer.onEnd(result as unknown as RunResult);
}
