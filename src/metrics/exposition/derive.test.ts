import { describe, expect, it } from 'vitest';
import { deriveSeries } from './derive.js';
import { parseExposition } from './parse.js';

function page(requests200: number, requests500: number, cpu: number, fastBucket: number, slowBucket: number, hits: number): string {
  return `http_requests_total{route="/p",method="GET",status_code="200"} ${requests200}
http_requests_total{route="/p",method="GET",status_code="500"} ${requests500}
http_request_duration_seconds_bucket{route="/p",le="0.01"} ${fastBucket}
http_request_duration_seconds_bucket{route="/p",le="0.1"} ${fastBucket + slowBucket}
http_request_duration_seconds_bucket{route="/p",le="+Inf"} ${fastBucket + slowBucket}
process_cpu_seconds_total ${cpu}
process_resident_memory_bytes 1000
cache_hits_total ${hits}
cache_misses_total 0
pg_pool_total 10
`;
}

const owner = { tier: 'app', instance: 'app1', source: 'scrape' as const };

describe('deriveSeries', () => {
  it('turns counter deltas into rates and bucket deltas into quantiles', () => {
    const scrapes = [
      { t: 0, samples: parseExposition(page(100, 0, 1.0, 100, 0, 10)).samples },
      { t: 2, samples: parseExposition(page(280, 20, 1.5, 100, 200, 50)).samples },
    ];
    const series = deriveSeries(scrapes, owner);
    const byMetric = new Map(series.map((s) => [s.metric, s.points]));
    expect(byMetric.get('requests_per_second')).toEqual([[2, 100]]);
    expect(byMetric.get('errors_per_second')).toEqual([[2, 10]]);
    expect(byMetric.get('responses_per_second_status_200')).toEqual([[2, 90]]);
    expect(byMetric.get('cpu_seconds_per_second')).toEqual([[2, 0.25]]);
    expect(byMetric.get('cache_hits_per_second')).toEqual([[2, 20]]);
    expect(byMetric.get('cache_hit_ratio')).toEqual([[2, 1]]);
    expect(byMetric.get('rss_bytes')).toEqual([[0, 1000], [2, 1000]]);
    expect(byMetric.get('pg_pool_total')).toEqual([[0, 10], [2, 10]]);
    // All 200 new observations lie in (0.01, 0.1]: the median sits mid-bucket.
    const p50 = byMetric.get('latency_p50_seconds')?.[0]?.[1] as number;
    expect(p50).toBeCloseTo(0.055, 10);
    expect(series.every((s) => s.tier === 'app' && s.instance === 'app1' && s.source === 'scrape')).toBe(true);
  });

  it('survives a counter reset (the app restarted between scrapes)', () => {
    const scrapes = [
      { t: 0, samples: parseExposition(page(1000, 0, 50, 1000, 0, 0)).samples },
      { t: 1, samples: parseExposition(page(30, 0, 0.2, 30, 0, 0)).samples },
    ];
    const byMetric = new Map(deriveSeries(scrapes, owner).map((s) => [s.metric, s.points]));
    expect(byMetric.get('requests_per_second')).toEqual([[1, 30]]);
    expect(byMetric.get('cpu_seconds_per_second')).toEqual([[1, 0.2]]);
  });

  it('leaves out quantiles when nothing was observed between scrapes', () => {
    const same = parseExposition(page(10, 0, 1, 10, 0, 0)).samples;
    const series = deriveSeries([{ t: 0, samples: same }, { t: 1, samples: same }], owner);
    expect(series.find((s) => s.metric === 'latency_p95_seconds')).toBeUndefined();
    expect(series.find((s) => s.metric === 'requests_per_second')?.points).toEqual([[1, 0]]);
  });
});
