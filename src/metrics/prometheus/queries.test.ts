import { describe, expect, it } from 'vitest';
import { boundedStep, parsePrometheusDuration, parseQueryData } from './client.js';
import { NAMED_QUERIES, counterIncreases, ownerLookup, rateWindowFor, toServerSeries } from './queries.js';

describe('parseQueryData', () => {
  it('reads matrices, vectors and scalars, with NaN and infinities', () => {
    const matrix = parseQueryData({ resultType: 'matrix', result: [{ metric: { instance: 'a:1' }, values: [[100, '1.5'], [101, 'NaN'], [102, '+Inf']] }] });
    expect(matrix[0]?.metric).toEqual({ instance: 'a:1' });
    expect(matrix[0]?.values[0]).toEqual([100, 1.5]);
    expect(Number.isNaN(matrix[0]?.values[1]?.[1])).toBe(true);
    expect(matrix[0]?.values[2]).toEqual([102, Infinity]);
    expect(parseQueryData({ resultType: 'vector', result: [{ metric: {}, value: [5, '2'] }] })[0]?.values).toEqual([[5, 2]]);
    expect(parseQueryData({ resultType: 'scalar', result: [5, '3'] })).toEqual([{ metric: {}, values: [[5, 3]] }]);
    expect(() => parseQueryData({ resultType: 'matrix' })).toThrow(/no result/);
  });
});

describe('durations, steps and rate windows', () => {
  it('parses Prometheus durations', () => {
    expect(parsePrometheusDuration('15s')).toBe(15);
    expect(parsePrometheusDuration('1m30s')).toBe(90);
    expect(parsePrometheusDuration('500ms')).toBe(0.5);
    expect(parsePrometheusDuration('1x')).toBeUndefined();
    expect(parsePrometheusDuration('')).toBeUndefined();
  });

  it('widens the step to stay under the point budget', () => {
    const start = new Date(0);
    expect(boundedStep(start, new Date(60_000), 1, 11_000)).toBe(1);
    expect(boundedStep(start, new Date(3_600_000), 1, 1_001)).toBe(3.6);
  });

  it('uses four scrapes at least for rate()', () => {
    expect(rateWindowFor(1, 1)).toBe('4000ms');
    expect(rateWindowFor(15, 5)).toBe('60000ms');
    expect(rateWindowFor(1, 10)).toBe('10000ms');
  });
});

describe('ownerLookup and toServerSeries', () => {
  const owner = ownerLookup([
    { name: 'app1', tier: 'app', metricsUrl: 'http://127.0.0.1:3001/metrics' },
    { name: 'app2', tier: 'app', metricsUrl: 'http://localhost:3002/metrics' },
  ]);

  it('maps by component label, then by host:port, else by job', () => {
    expect(owner({ component: 'app2', instance: 'x:1' })).toEqual({ tier: 'app', instance: 'app2' });
    expect(owner({ instance: '127.0.0.1:3001' })).toEqual({ tier: 'app', instance: 'app1' });
    expect(owner({ instance: '127.0.0.1:3002' })).toEqual({ tier: 'app', instance: 'app2' });
    expect(owner({ instance: '10.0.0.5:9100', job: 'node' })).toEqual({ tier: 'node', instance: '10.0.0.5:9100' });
  });

  it('puts t on the run timeline, splits by status and drops non-finite values', () => {
    const status = NAMED_QUERIES.find((q) => q.splitBy === 'status_code')!;
    const series = toServerSeries(
      status,
      [{ metric: { instance: '127.0.0.1:3001', status_code: '503' }, values: [[1000, 2], [1001, Number.NaN], [1002, 4]] }],
      999_000,
      owner,
    );
    expect(series).toEqual([{ tier: 'app', instance: 'app1', metric: 'responses_per_second_status_503', unit: 'req/s', source: 'prometheus', points: [[1, 2], [3, 4]] }]);
  });

  it('every named query is PromQL over the rate window', () => {
    for (const query of NAMED_QUERIES) expect(query.promql('4000ms')).not.toMatch(/undefined/);
    expect(NAMED_QUERIES.find((q) => q.metric === 'latency_p95_seconds')?.promql('4s')).toBe(
      'histogram_quantile(0.95, sum by (instance, job, component, le) (rate(http_request_duration_seconds_bucket[4s])))',
    );
  });
});

describe('counterIncreases', () => {
  it('sums increases across a counter reset, between the first and last raw samples', () => {
    const [increase] = counterIncreases([{ metric: { instance: 'a' }, values: [[10, 5], [11, 7], [12, 1], [13, 4]] }]);
    expect(increase).toEqual({ labels: { instance: 'a' }, fromS: 10, toS: 13, increase: 2 + 1 + 3 });
  });
});
