import { describe, expect, it } from 'vitest';
import { evaluateSlos, verdictOf } from './slo.js';
import type { EndpointFigures, Totals } from './schema.js';

const totals: Totals = {
  requests: 1000,
  errors: 5,
  errorRate: 0.005,
  achievedRps: 100,
  latencyMs: { p50: 20, p95: 180, p99: 450 },
  errorsByKind: {},
  statusCounts: {},
};
const endpoints: EndpointFigures[] = [
  { name: 'login', method: 'POST', path: '/auth/login', requests: 100, errors: 0, latencyMs: { p50: 50, p95: 90, p99: 120 }, statusCounts: {} },
  { name: 'empty', method: 'GET', path: '/x', requests: 0, errors: 0, statusCounts: {} },
];

describe('evaluateSlos', () => {
  it('compares latency and error rate as ceilings and throughput as a floor', () => {
    const verdicts = evaluateSlos(
      [
        { name: 'p95', metric: 'p95', threshold: 200 },
        { name: 'p99', metric: 'p99', threshold: 400 },
        { name: 'errors', metric: 'errorRate', threshold: 0.01 },
        { name: 'rps', metric: 'minRps', threshold: 120 },
      ],
      { totals, endpoints, durationS: 10 },
    );
    expect(verdicts.map((verdict) => [verdict.name, verdict.observed, verdict.pass])).toEqual([
      ['p95', 180, true],
      ['p99', 450, false],
      ['errors', 0.005, true],
      ['rps', 100, false],
    ]);
    expect(verdictOf(verdicts)).toBe('fail');
  });

  it('a threshold equal to the figure holds', () => {
    expect(evaluateSlos([{ name: 'p95', metric: 'p95', threshold: 180 }], { totals, endpoints, durationS: 10 })[0]?.pass).toBe(true);
  });

  it('evaluates per endpoint, with throughput over the window', () => {
    const verdicts = evaluateSlos(
      [
        { name: 'login p95', metric: 'p95', threshold: 100, endpoint: 'login' },
        { name: 'login rps', metric: 'minRps', threshold: 10, endpoint: 'login' },
      ],
      { totals, endpoints, durationS: 10 },
    );
    expect(verdicts).toEqual([
      { name: 'login p95', metric: 'p95', endpoint: 'login', threshold: 100, observed: 90, pass: true },
      { name: 'login rps', metric: 'minRps', endpoint: 'login', threshold: 10, observed: 10, pass: true },
    ]);
    expect(verdictOf(verdicts)).toBe('pass');
  });

  it('a figure the run did not produce fails: unknown is not a pass', () => {
    const verdicts = evaluateSlos(
      [
        { name: 'p90', metric: 'p90', threshold: 100 },
        { name: 'empty p95', metric: 'p95', threshold: 100, endpoint: 'empty' },
        { name: 'empty errors', metric: 'errorRate', threshold: 0.1, endpoint: 'empty' },
        { name: 'gone', metric: 'p95', threshold: 100, endpoint: 'missing' },
      ],
      { totals, endpoints, durationS: 10 },
    );
    expect(verdicts.map((verdict) => [verdict.observed, verdict.pass])).toEqual([
      [null, false],
      [null, false],
      [null, false],
      [null, false],
    ]);
  });

  it('no SLOs is a pass', () => {
    expect(verdictOf(evaluateSlos([], { totals, endpoints, durationS: 1 }))).toBe('pass');
  });
});
