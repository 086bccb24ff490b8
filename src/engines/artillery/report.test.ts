import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { normalizeArtilleryReport, parseArtilleryReport } from './report.js';

// Recorded from a real Artillery 2.0.21 run: "get-x" (200) weight 3 and "bad" (500) weight 1,
// 4 s at 50 arrivals/s then 3 s ramping, metrics-by-endpoint with request names.
const reportText = readFileSync(new URL('./fixtures/report.json', import.meta.url), 'utf8');

const plan: Plan = {
  scenario: 'fixture',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 50,
  stages: [
    { durationS: 4, target: 50 },
    { durationS: 3, target: 60 },
  ],
  thinkTimeS: 0,
  maxUsers: 100,
  requestTimeoutS: 10,
  intervalS: 1,
  requests: [
    { name: 'get-x', method: 'GET', path: '/x/{productId}', weight: 3, auth: false },
    { name: 'bad', method: 'GET', path: '/bad', weight: 1, auth: true },
  ],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [],
  totalDurationS: 7,
  peakTarget: 60,
};

describe('Artillery report normalization', () => {
  it('takes totals and percentiles from the aggregate and keeps per-period figures', () => {
    const result = normalizeArtilleryReport(parseArtilleryReport(reportText), plan);
    // The sign-in before the load is not in Artillery's report, nor added to it (see setupFiguresOf).
    expect(result.totals).toMatchObject({
      requests: 306,
      errors: 78,
      errorsByKind: { http_5xx: 78 },
      statusCounts: { '200': 228, '500': 78 },
      latencyMs: { p50: 5, p95: 25.8, p99: 44.3, min: 0, max: 69, mean: 8.4 },
    });
    expect(result.durationS).toBeCloseTo(6.971, 3);
    expect(result.totals.achievedRps).toBeCloseTo(306 / 6.971, 2);
    expect(result.intervals).toHaveLength(1);
    expect(result.intervals[0]).toMatchObject({ t: 0, durationS: 6.971, requests: 306, errors: 78, latencyMs: { p95: 25.8 }, activeUsers: 1 });
    const byName = Object.fromEntries(result.endpoints.map((endpoint) => [endpoint.name, endpoint]));
    expect(byName['get-x']).toMatchObject({ requests: 228, errors: 0, statusCounts: { '200': 228 } });
    expect(byName['bad']).toMatchObject({ requests: 78, errors: 78, latencyMs: { p95: 22.9 } });
    expect(byName['login']).toMatchObject({ requests: 0, errors: 0 });
  });

  it('honours a mix entry that expects a non-2xx status', () => {
    const expecting = { ...plan, requests: plan.requests.map((request) => (request.name === 'bad' ? { ...request, expectStatus: [500] } : request)) };
    const result = normalizeArtilleryReport(parseArtilleryReport(reportText), expecting);
    expect(result.totals.errors).toBe(0);
  });

  it('rejects a file that is not an Artillery report', () => {
    expect(() => parseArtilleryReport('{"metrics":{}}')).toThrow(/not an Artillery report/);
  });
});
