import { describe, expect, it } from 'vitest';
import { CapacityError } from '../../core/errors.js';
import { parseTierMappings, tierQueries } from './tiers.js';

describe('--prometheus-tier', () => {
  it("maps the user's words for tiers to sizing's tiers, CPU by default, memory when named", () => {
    const mappings = parseTierMappings([
      'app=process_cpu_seconds_total{job="api"}',
      'database=rate(pg_stat_cpu_seconds_total{instance=~"db.*"}[$window])',
      'db.memory=pg_memory_bytes',
      'load-balancer=haproxy_process_cpu_seconds_total',
      'cache=redis_cpu_sys_seconds_total',
    ]);
    expect(mappings).toEqual([
      { tier: 'app', cpu: 'process_cpu_seconds_total{job="api"}' },
      { tier: 'postgres', cpu: 'rate(pg_stat_cpu_seconds_total{instance=~"db.*"}[$window])', memory: 'pg_memory_bytes' },
      { tier: 'lb', cpu: 'haproxy_process_cpu_seconds_total' },
      { tier: 'redis', cpu: 'redis_cpu_sys_seconds_total' },
    ]);
  });

  it('turns a counter selector into a per-instance rate and keeps a whole expression, with the window', () => {
    const queries = tierQueries(parseTierMappings(['app=process_cpu_seconds_total{job="api"}', 'database=sum by (instance) (rate(x_total[$window]))', 'database.memory=process_resident_memory_bytes{job="db"}']));
    expect(queries.map((q) => [q.tier, q.metric, q.promql('4s')])).toEqual([
      ['app', 'cpu_seconds_per_second', 'sum by (instance) (rate(process_cpu_seconds_total{job="api"}[4s]))'],
      ['postgres', 'cpu_seconds_per_second', 'sum by (instance) (rate(x_total[4s]))'],
      ['postgres', 'rss_bytes', 'sum by (instance) (process_resident_memory_bytes{job="db"})'],
    ]);
  });

  it('lists every malformed mapping (exit 2)', () => {
    let error: unknown;
    try {
      parseTierMappings(['frontend=x_total', 'app', 'app=rate(x[1m]', 'cache.memory=redis_memory_used_bytes', 'lb=a_total', 'lb=b_total']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CapacityError);
    const { exitCode, details } = error as CapacityError;
    expect(exitCode).toBe(2);
    expect(details).toEqual([
      expect.stringContaining('unknown tier "frontend"'),
      expect.stringContaining('--prometheus-tier app: expected <tier>=<selector>'),
      expect.stringContaining('"rate(x[1m]" is not a PromQL selector or expression'),
      '--prometheus-tier lb=b_total: lb cpu given twice',
      '--prometheus-tier: tier redis has memory but no CPU selector (service demand is CPU-seconds per request)',
    ]);
  });
});
