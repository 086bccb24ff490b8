import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { createLatencyHistogram, recordLatencyMs, summarizeHistogram } from '../histogram.js';
import { locustfileText, RECORD_PREFIX } from './locustfile.js';
import { figuresFromLines, parseMasterLine, type MasterLine, type WorkerRecord } from './records.js';
import { locustConfigProblem, translateLocust } from './translate.js';

const plan: Plan = {
  scenario: 't',
  model: 'open',
  baseUrl: 'http://127.0.0.1:9',
  startTarget: 10,
  stages: [{ durationS: 2, target: 10 }],
  thinkTimeS: 0,
  maxUsers: 5,
  requestTimeoutS: 2,
  intervalS: 1,
  requests: [
    { name: 'a', method: 'GET', path: '/a', weight: 1 },
    { name: 'b', method: 'GET', path: '/b', weight: 1 },
  ],
  slos: [],
  totalDurationS: 2,
  peakTarget: 10,
};

/** A worker's record as the locustfile sends it: the latencies (ms) in a compressed HDR histogram. */
function record(i: number, name: string, latenciesMs: number[], errors = 0): WorkerRecord {
  const histogram = createLatencyHistogram();
  for (const ms of latenciesMs) recordLatencyMs(histogram, ms);
  return { i, name, n: latenciesMs.length, e: errors, s: { '200': latenciesMs.length - errors, ...(errors > 0 ? { '500': errors } : {}) }, k: errors > 0 ? { http_5xx: errors } : {}, h: encodeIntoCompressedBase64(histogram) };
}

const sample = (epoch: number, cpu: number) => ({ epoch, cpu, rss: 50_000_000 });

describe('figures from the master\'s lines', () => {
  it('merges the workers\' histograms exactly: the p95 of the union, not an average of p95s', () => {
    const fast = Array.from({ length: 90 }, (_, index) => 1 + index / 100);
    const slow = Array.from({ length: 10 }, (_, index) => 200 + index);
    const lines: MasterLine[] = [
      { type: 'start', epoch: 1000 },
      { type: 'worker', event: 'joined', worker: 'w1', epoch: 999.5 },
      { type: 'worker', event: 'joined', worker: 'w2', epoch: 999.5 },
      { type: 'records', worker: 'w1', host: 'h1', pid: 11, records: [record(0, 'a', fast.slice(0, 45)), record(1, 'b', fast.slice(45))], dropped: 0, sample: sample(1001, 30), done: false },
      { type: 'records', worker: 'w2', host: 'h2', pid: 12, records: [record(0, 'a', slow.slice(0, 5), 1), record(1, 'a', slow.slice(5))], dropped: 2, sample: sample(1001.2, 50), done: true },
      { type: 'worker', event: 'lost', worker: 'w2', epoch: 1001.5 },
    ];
    const figures = figuresFromLines(plan, lines, 2);
    const union = createLatencyHistogram();
    for (const ms of [...fast, ...slow]) recordLatencyMs(union, ms);
    expect(figures.totals.requests).toBe(100);
    expect(figures.totals.errors).toBe(1);
    // Percentiles and mean come from the buckets and are exact; the encoding keeps no exact
    // extremes, so min and max are read back as their buckets' edges (within 1/1024).
    const { min, max, ...percentiles } = summarizeHistogram(union) ?? { p50: 0, p95: 0, p99: 0 };
    const { min: mergedMin, max: mergedMax, ...mergedPercentiles } = figures.totals.latencyMs ?? { p50: 0, p95: 0, p99: 0 };
    expect(mergedPercentiles).toEqual(percentiles);
    expect(Math.abs((mergedMax ?? 0) - (max ?? 0))).toBeLessThanOrEqual((max ?? 0) / 1024 + 0.001);
    expect(Math.abs((mergedMin ?? 0) - (min ?? 0))).toBeLessThanOrEqual((min ?? 0) / 1024 + 0.001);
    // Each worker's own p95 is far from the union's: averaging them would be wrong.
    expect(figures.totals.latencyMs?.p95).toBeGreaterThan(200);
    expect(figures.totals.droppedIterations).toBe(2);
    expect(figures.totals.statusCounts).toEqual({ '200': 99, '500': 1 });
    expect(figures.intervals.map((interval) => interval.requests)).toEqual([50, 50]);
    expect(figures.endpoints.map((endpoint) => [endpoint.name, endpoint.requests])).toEqual([['a', 55], ['b', 45]]);
    expect(figures.workers).toEqual([
      { id: 'w1', host: 'h1', pid: 11, requests: 45 + 45, cpuPercentMean: 30, cpuPercentMax: 30, rssBytesMax: 50_000_000, joinedAtS: -0.5 },
      { id: 'w2', host: 'h2', pid: 12, requests: 10, cpuPercentMean: 50, cpuPercentMax: 50, rssBytesMax: 50_000_000, joinedAtS: -0.5, lostAtS: 1.5 },
    ]);
    expect(figures.startMs).toBe(1_000_000);
    // Summed over the workers, and the busiest one (each is capped at one core).
    expect(figures.cpuSamples).toEqual([{ t: 1, cpuPercent: 80, rssBytes: 100_000_000, busiestProcessPercent: 50 }]);
  });

  it('active users: the sum of every worker\'s latest running users, at its highest', () => {
    const users = (epoch: number, count: number) => ({ ...sample(epoch, 10), users: count });
    const lines: MasterLine[] = [
      { type: 'start', epoch: 1000 },
      { type: 'records', worker: 'w1', host: 'h1', pid: 11, records: [], dropped: 0, sample: users(1001, 3), done: false },
      { type: 'records', worker: 'w2', host: 'h2', pid: 12, records: [], dropped: 0, sample: users(1001.1, 4), done: false },
      { type: 'records', worker: 'w1', host: 'h1', pid: 11, records: [], dropped: 0, sample: users(1002, 1), done: true },
      { type: 'records', worker: 'w2', host: 'h2', pid: 12, records: [], dropped: 0, sample: users(1002.1, 2), done: true },
    ];
    expect(figuresFromLines(plan, lines, 2).totals.maxActiveUsers).toBe(7);
  });

  it('reads only its own lines off the master\'s stdout', () => {
    expect(parseMasterLine('[2026-12-01 17:00:00] vm/INFO/locust.main: Starting Locust 2.47.0')).toBeUndefined();
    expect(parseMasterLine(`${RECORD_PREFIX}{not json`)).toBeUndefined();
    expect(parseMasterLine(`${RECORD_PREFIX}{"type":"finish","epoch":5}`)).toEqual({ type: 'finish', epoch: 5 });
  });

  it('a run without records has no latency and zero requests', () => {
    const figures = figuresFromLines(plan, [{ type: 'start', epoch: 1 }], 2);
    expect(figures.totals.requests).toBe(0);
    expect(figures.totals.latencyMs).toBeUndefined();
    expect(figures.endpoints.map((endpoint) => endpoint.requests)).toEqual([0, 0]);
  });
});

describe('the generated locustfile', () => {
  it('embeds the translated plan (never the pool sign-ins\' captures: the master reads those from its environment)', () => {
    const { config } = translateLocust(plan);
    const text = locustfileText(config);
    const encoded = /base64\.b64decode\("([A-Za-z0-9+/=]+)"\)/.exec(text)?.[1] ?? '';
    const embedded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(embedded).toEqual(config);
    expect(embedded).not.toHaveProperty('pooled');
    expect(text).toContain('os.environ.get(POOLED_ENV_PREFIX');
    expect(text).toMatch(/^# Generated by capacity/);
  });

  it('refuses none of the scenario language: flows, data files, checks, sequential ranges all translate', () => {
    const runs = (extra: Partial<Plan>): boolean => locustConfigProblem(translateLocust({ ...plan, ...extra }).config) === undefined;
    expect(runs({ flow: true })).toBe(true);
    expect(runs({ requests: [{ name: 'a', method: 'GET', path: '/a/{{row.id}}', weight: 1 }], variables: [{ name: 'row', kind: 'data', format: 'csv', file: '/x.csv', order: 'unique' }] })).toBe(true);
    expect(runs({ requests: [{ name: 'a', method: 'GET', path: '/a', weight: 1, checks: [{ status: [200] }] }] })).toBe(true);
    expect(runs({ variables: [{ name: 'who', kind: 'range', low: 1, high: 9, order: 'sequential' }] })).toBe(true);
  });

  it('adds up, over workers and reports, the users a unique source ran out for', () => {
    const lines: MasterLine[] = [
      { type: 'start', epoch: 1000 },
      { type: 'records', worker: 'w1', host: 'h1', pid: 11, records: [], dropped: 0, sample: sample(1001, 10), done: false, exhausted: { row: 2 } },
      { type: 'records', worker: 'w2', host: 'h2', pid: 12, records: [], dropped: 0, sample: sample(1001, 10), done: false, exhausted: { row: 1, other: 1 } },
      { type: 'records', worker: 'w1', host: 'h1', pid: 11, records: [], dropped: 0, sample: sample(1002, 10), done: true, exhausted: { row: 1 } },
    ];
    expect(figuresFromLines(plan, lines, 2).exhausted).toEqual({ row: 4, other: 1 });
    expect(figuresFromLines(plan, lines.slice(0, 1), 2).exhausted).toEqual({});
  });

  it('rounds closed-model users to whole ones and says so', () => {
    const closed = translateLocust({ ...plan, model: 'closed', thinkTimeS: 1, startTarget: 1.5, stages: [{ name: 'hold', durationS: 2, target: 3 }] });
    expect(closed.config.startTarget).toBe(2);
    expect(closed.adaptations).toEqual(['start: 1.5 users rounded to 2 (Locust runs whole users)']);
    expect(closed.config.openUsers).toBe(0);
    expect(translateLocust(plan).config.openUsers).toBe(5);
  });
});
