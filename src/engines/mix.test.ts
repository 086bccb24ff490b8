import { describe, expect, it } from 'vitest';
import type { Plan } from '../scenarios/types.js';
import {
  httpErrorKind,
  isExpectedStatus,
  meanTargetBetween,
  networkErrorKind,
  plannedLoad,
  plannedRequests,
  plannedRps,
  plannedRpsBetween,
  targetAt,
} from './mix.js';
import { RunAggregator, endpointShapesOf } from './normalize.js';
import { normalizeArtilleryReport } from './artillery/report.js';

const ramp = { startTarget: 0, stages: [{ durationS: 10, target: 100 }, { durationS: 10, target: 100 }, { durationS: 10, target: 0 }] };

describe('planned target', () => {
  it('ramps linearly within a stage and holds between', () => {
    expect(targetAt(ramp, 0)).toBe(0);
    expect(targetAt(ramp, 5)).toBe(50);
    expect(targetAt(ramp, 15)).toBe(100);
    expect(targetAt(ramp, 25)).toBe(50);
    expect(targetAt(ramp, 40)).toBe(0);
  });

  it('averages a ramp by area, across stage edges', () => {
    expect(meanTargetBetween(ramp, 0, 10)).toBeCloseTo(50, 6);
    expect(meanTargetBetween(ramp, 5, 15)).toBeCloseTo(87.5, 6);
    expect(meanTargetBetween(ramp, 0, 30)).toBeCloseTo(200 / 3, 6);
  });

  it('gives the closed model a rate only when it has think time', () => {
    const closed = { ...ramp, model: 'closed', thinkTimeS: 2 } as unknown as Plan;
    expect(plannedRpsBetween(closed, 10, 20)).toBeCloseTo(50, 6);
    expect(plannedRpsBetween({ ...closed, thinkTimeS: 0 }, 10, 20)).toBeUndefined();
  });
});

describe('planned load (the one definition every engine reports)', () => {
  // The smoke scenario: 2 s ramp to 20 req/s, 6 s at 20: 20 + 120 requests over 8 s.
  const smoke = { ...ramp, model: 'open', thinkTimeS: 0, startTarget: 0, stages: [{ durationS: 2, target: 20 }, { durationS: 6, target: 20 }], totalDurationS: 8, intervalS: 1, requests: [], peakTarget: 20 } as unknown as Plan;

  it('is the area under the stages: per stage, in all, and as a rate', () => {
    expect(plannedLoad(smoke)).toEqual({
      model: 'open',
      requests: 140,
      stages: [
        { durationS: 2, startRate: 0, endRate: 20, requests: 20 },
        { durationS: 6, startRate: 20, endRate: 20, requests: 120 },
      ],
      requestUnit: 1,
    });
    expect(plannedRps(smoke)).toBe(17.5);
  });

  it('counts the closed model as users / think time, and not at all without think time', () => {
    const closed = { ...smoke, model: 'closed', thinkTimeS: 2 } as Plan;
    expect(plannedRequests(closed)).toBe(70);
    expect(plannedRps(closed)).toBe(8.75);
    expect(plannedRequests({ ...closed, thinkTimeS: 0 })).toBeUndefined();
  });

  it('is what the engines report as planned, however long their run really took (was 17.5, 17.7 and 17.1)', () => {
    for (const runS of [8, 8.1, 8.6]) expect(new RunAggregator(smoke, endpointShapesOf(smoke)).finish(runS).totals.plannedRps).toBe(17.5);
    const report = { aggregate: { counters: {}, firstMetricAt: 0, lastMetricAt: 8_400 }, intermediate: [] };
    expect(normalizeArtilleryReport(report, smoke).totals.plannedRps).toBe(17.5);
  });
});

describe('statuses and error kinds', () => {
  it('treats 2xx and 3xx as success unless the entry lists its own', () => {
    expect(isExpectedStatus(204, undefined)).toBe(true);
    expect(isExpectedStatus(302, undefined)).toBe(true);
    expect(isExpectedStatus(404, undefined)).toBe(false);
    expect(isExpectedStatus(404, [200, 404])).toBe(true);
    expect(isExpectedStatus(200, [201])).toBe(false);
  });

  it('names error kinds', () => {
    expect(httpErrorKind(503)).toBe('http_5xx');
    expect(httpErrorKind(429)).toBe('http_4xx');
    expect(networkErrorKind('ETIMEDOUT')).toBe('timeout');
    expect(networkErrorKind('connect ECONNREFUSED 127.0.0.1:1')).toBe('econnrefused');
    expect(networkErrorKind('ECONNRESET')).toBe('econnreset');
    expect(networkErrorKind('EPIPE')).toBe('connection_error');
  });
});
