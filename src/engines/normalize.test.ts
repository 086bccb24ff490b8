import { describe, expect, it } from 'vitest';
import type { Plan } from '../scenarios/types.js';
import { RunAggregator, endpointShapesOf, judgeGenerator, type CpuSample } from './normalize.js';

const plan: Plan = {
  scenario: 't',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 10,
  stages: [{ durationS: 3, target: 10 }],
  thinkTimeS: 0,
  maxUsers: 10,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: [
    { name: 'a', method: 'GET', path: '/a', weight: 1, auth: false },
    { name: 'b', method: 'POST', path: '/b', weight: 1, auth: true },
  ],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [],
  totalDurationS: 3,
  peakTarget: 10,
};

describe('RunAggregator', () => {
  it('buckets samples per interval and endpoint, and merges histograms for totals', () => {
    const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
    for (let i = 0; i < 10; i += 1) aggregator.record({ t: 0.05 * i, name: 'a', status: 200, latencyMs: 1, ok: true });
    for (let i = 0; i < 10; i += 1) aggregator.record({ t: 1 + 0.05 * i, name: 'b', status: 200, latencyMs: 100, ok: true });
    aggregator.record({ t: 2.5, name: 'b', status: 503, latencyMs: 5, ok: false, errorKind: 'http_5xx' });
    aggregator.record({ t: 2.6, name: 'a', status: 0, ok: false, errorKind: 'timeout' });
    aggregator.recordSetup({ name: 'login', status: 200, latencyMs: 50, ok: true });
    aggregator.recordActiveUsers(1.2, 4);
    aggregator.recordDropped(2);
    const { intervals, totals, endpoints, setup } = aggregator.finish(3);

    expect(intervals.map((interval) => interval.requests)).toEqual([10, 10, 2]);
    expect(intervals.map((interval) => interval.plannedRps)).toEqual([10, 10, 10]);
    expect(intervals[0]?.latencyMs?.p95).toBeCloseTo(1, 2);
    expect(intervals[1]?.latencyMs?.p50).toBeCloseTo(100, 0);
    expect(intervals[1]?.activeUsers).toBe(4);
    expect(intervals[2]).toMatchObject({ errors: 2, errorsByKind: { http_5xx: 1, timeout: 1 }, statusCounts: { '503': 1 } });

    // 22 in the run; the login before it is setup, reported apart.
    expect(totals).toMatchObject({ requests: 22, errors: 2, achievedRps: 7.333, plannedRps: 10, droppedIterations: 2, maxActiveUsers: 4 });
    expect(setup).toMatchObject({ requests: 1, errors: 0, latencyMs: { p95: expect.closeTo(50, 0) as number } });
    expect(intervals.map((interval) => interval.partial)).toEqual(['start', undefined, undefined]);
    expect(totals.statusCounts).toEqual({ '200': 20, '503': 1 });
    // Merged, not averaged: half the 22 latencies are 100 ms, so the p95 is 100 ms.
    expect(totals.latencyMs?.p95).toBeCloseTo(100, 0);

    expect(endpoints.map((endpoint) => [endpoint.name, endpoint.requests, endpoint.errors])).toEqual([
      ['a', 11, 1],
      ['b', 11, 1],
      ['login', 0, 0],
    ]);
    expect(aggregator.tick(1)).toMatchObject({ t: 2, requests: 10, achievedRps: 10, plannedRps: 10 });
  });

  it('cuts the last interval to the end of the run', () => {
    const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
    aggregator.record({ t: 2.1, name: 'a', status: 200, latencyMs: 1, ok: true });
    const { intervals } = aggregator.finish(2.5);
    expect(intervals.map((interval) => interval.durationS)).toEqual([1, 1, 0.5]);
    expect(intervals[2]?.achievedRps).toBe(2);
  });
});

describe('judgeGenerator', () => {
  const samples = (values: number[], extra: Partial<CpuSample> = {}): CpuSample[] => values.map((cpuPercent, t) => ({ t, cpuPercent, rssBytes: 1000 + t, ...extra }));

  it('weighs each sample by the seconds it covers, and a single-threaded process against its own core (Locust)', () => {
    // One sample stretched over 3 s (an in-process sampler on a stalled event loop) counts for 3 s.
    // Per sample the mean would be 35 %; per second it is (3 x 20 + 3 x 80) / 6 = 50 %.
    const stretched: CpuSample[] = [
      { t: 1, cpuPercent: 20, rssBytes: 1 },
      { t: 2, cpuPercent: 20, rssBytes: 1 },
      { t: 3, cpuPercent: 20, rssBytes: 1 },
      { t: 6, cpuPercent: 80, rssBytes: 1 },
    ];
    expect(judgeGenerator({ samples: stretched, coreLimit: 1, model: 'open', achievedRps: 1 }).cpuPercentMean).toBe(50);
    // A master and a worker on 2 cores: 99 % in all is half the cores, but the worker is at its one core.
    const locust = samples([99, 99, 99], { machineBusyCores: 1.5, machineCores: 2, busiestProcessPercent: 93 });
    const ceiling = { cores: 1, because: 'a Locust worker or master is one Python process' };
    const load = judgeGenerator({ samples: locust, coreLimit: 2, processCeiling: ceiling, model: 'open', achievedRps: 1 });
    expect(load.limit).toMatchObject({ verdict: 'generator-bound', busiestProcessCoresMax: 0.93, processCeilingCores: 1, processBusyShare: 1 });
    // Without the ceiling (a multi-threaded engine) the busiest process is not weighed.
    expect(judgeGenerator({ samples: locust, coreLimit: 2, model: 'open', achievedRps: 1 }).limit?.verdict).toBe('kept-up');
  });

  it('passes a generator with spare CPU that kept the rate, with the figures and the CPU series in the result', () => {
    const load = judgeGenerator({ samples: samples([20, 30, 25], { machineBusyCores: 0.5, machineCores: 2 }), coreLimit: 1, model: 'open', plannedRps: 100, achievedRps: 99 });
    expect(load).toMatchObject({ cpuPercentMean: 25, cpuPercentMax: 30, rssBytesMax: 1002, achievedToPlannedRatio: 0.99, saturated: false, reasons: [] });
    expect(load.limit).toMatchObject({ verdict: 'kept-up', coresUsable: 1, coresUsableBecause: 'one thread runs the engine', machineCores: 2, machineBusyCoresMean: 0.5 });
    expect(load.cpu).toEqual([
      { t: 0, generatorCores: 0.2, machineBusyCores: 0.5 },
      { t: 1, generatorCores: 0.3, machineBusyCores: 0.5 },
      { t: 2, generatorCores: 0.25, machineBusyCores: 0.5 },
    ]);
  });

  it('judges the rate over the full intervals, not the start-up or the tail past the plan (was "93.4 % of planned" at 20 req/s)', () => {
    const interval = (t: number, requests: number, partial?: 'start' | 'end') => ({ t, durationS: 1, plannedRps: 20, achievedRps: requests, requests, errors: 0, errorsByKind: {}, statusCounts: {}, ...(partial ? { partial } : {}) });
    const intervals = [interval(0, 12, 'start'), ...[1, 2, 3, 4, 5, 6, 7].map((t) => interval(t, 20)), interval(8, 3, 'end')];
    // Over the whole 8.6 s the same requests read as 153 / 8.6 = 17.8 req/s of 20: 89 %.
    const load = judgeGenerator({ samples: samples([5, 5]), coreLimit: 1, model: 'open', plannedRps: 20, achievedRps: 17.8, intervals });
    expect(load).toMatchObject({ saturated: false, achievedToPlannedRatio: 1 });
    const short = judgeGenerator({ samples: samples([5, 5]), coreLimit: 1, model: 'open', plannedRps: 20, achievedRps: 20, intervals: intervals.map((entry) => (entry.partial ? entry : { ...entry, requests: 15 })) });
    expect(short.saturated).toBe(true);
    expect(short.achievedToPlannedRatio).toBe(0.75);
  });

  it('flags a single-threaded generator pinned near one core', () => {
    const load = judgeGenerator({ samples: samples([95, 99, 98, 40]), coreLimit: 1, model: 'open', plannedRps: 100, achievedRps: 100 });
    expect(load.saturated).toBe(true);
    expect(load.limit?.verdict).toBe('generator-bound');
    expect(load.reasons[0]).toMatch(/in 3 of 4 s/);
  });

  it('judges a multi-core generator against all its cores, narrowed by its affinity and quota', () => {
    expect(judgeGenerator({ samples: samples([99, 99], { machineCores: 2 }), coreLimit: 2, model: 'open', achievedRps: 1 }).saturated).toBe(false);
    expect(judgeGenerator({ samples: samples([190, 195], { machineCores: 2 }), coreLimit: 2, model: 'open', achievedRps: 1 }).saturated).toBe(true);
    const pinned = judgeGenerator({ samples: samples([28, 29, 30], { machineCores: 2, affinityCores: 1, quotaCores: 0.3 }), coreLimit: 2, model: 'open', achievedRps: 1 });
    expect(pinned.limit).toMatchObject({ verdict: 'generator-bound', coresUsable: 0.3, coresUsableBecause: 'cgroup CPU quota: 0.3 cores' });
  });

  it('flags a rate below 95 % of the plan, rounded so the sentence is true, and dropped iterations', () => {
    const slow = judgeGenerator({ samples: [], coreLimit: 1, model: 'open', plannedRps: 1000, achievedRps: 949.6 });
    expect(slow.reasons[0]).toBe('it sent 94.9 % of the planned request rate (below 95 %)');
    const dropped = judgeGenerator({ samples: [], coreLimit: 4, model: 'open', plannedRps: 100, achievedRps: 100, droppedIterations: 50, plannedIterations: 1000 });
    expect(dropped.reasons[0]).toBe('50 iterations dropped (5.0 % of the planned ones): no free virtual user to start them on time');
    const fewDropped = judgeGenerator({ samples: [], coreLimit: 4, model: 'open', plannedRps: 100, achievedRps: 100, droppedIterations: 1, plannedIterations: 1000 });
    expect(fewDropped.saturated).toBe(false);
  });

  it('calls a shortfall on saturated machine cores machine-bound, never "its own CPU was not the limit"', () => {
    const shared = judgeGenerator({ samples: samples([144, 144, 144], { machineBusyCores: 1.98, machineCores: 2 }), coreLimit: 2, model: 'open', plannedRps: 10_000, achievedRps: 6_000 });
    expect(shared.limit?.verdict).toBe('machine-bound');
    expect(shared.saturated).toBe(true);
    expect(shared.reasons.join(' ')).not.toContain('not the limit');
  });

  it('does not hold a closed model to users / think time', () => {
    expect(judgeGenerator({ samples: [], coreLimit: 1, model: 'closed', plannedRps: 1000, achievedRps: 10 }).saturated).toBe(false);
  });
});
