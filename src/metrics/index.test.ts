import { describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import type { StackState } from '../stack/types.js';
import { createCollectors, stopAll } from './index.js';
import { limitedReporter, metricsCollectorFactory, metricsFlagsFrom } from './run-seam.js';
import { shiftSeries } from './series.js';
import type { Collector } from './types.js';

const stack: StackState = {
  driver: 'local',
  startedAt: '2026-11-22T10:00:00Z',
  stateDir: '/tmp/x',
  baseUrl: 'http://127.0.0.1:8080',
  prometheusUrl: 'http://127.0.0.1:9090',
  redisUrl: 'redis://127.0.0.1:6379',
  components: [
    { name: 'nginx', tier: 'lb', pid: 10, host: '127.0.0.1', port: 8080 },
    { name: 'app1', tier: 'app', pid: 11, host: '127.0.0.1', port: 3001, metricsUrl: 'http://127.0.0.1:3001/metrics' },
    { name: 'redis', tier: 'redis', pid: 12, host: '127.0.0.1', port: 6379 },
  ],
};

describe('createCollectors', () => {
  it('gives a local stack /proc, Prometheus and Redis INFO; scraping only when asked', () => {
    expect(createCollectors({ stack, platform: 'linux' }).map((c) => c.name)).toEqual(['proc', 'prometheus', 'redis-info']);
    expect(createCollectors({ stack, platform: 'linux', scrapeStackApps: true }).map((c) => c.name)).toContain('scrape');
    expect(createCollectors({ stack, platform: 'darwin' }).map((c) => c.name)).not.toContain('proc');
  });

  it('gives a bare URL target only what the flags ask for', () => {
    expect(createCollectors({})).toEqual([]);
    expect(createCollectors({ metricsUrls: ['http://127.0.0.1:3000/metrics'], prometheusUrl: 'http://127.0.0.1:9090' }).map((c) => c.name)).toEqual(['prometheus', 'scrape']);
  });

  it('refuses a malformed URL with exit 2, naming the flag', () => {
    const attempt = () => createCollectors({ metricsUrls: ['not a url'] });
    expect(attempt).toThrow(CapacityError);
    expect(attempt).toThrow(/--metrics-url/);
    try {
      createCollectors({ prometheusUrl: 'ftp://x' });
    } catch (error) {
      expect((error as CapacityError).exitCode).toBe(2);
      expect((error as CapacityError).message).toMatch(/--prometheus/);
    }
  });
});

describe('stopAll', () => {
  it('keeps the series of collectors that worked and reports the one that failed', async () => {
    const good: Collector = { name: 'good', start: () => undefined, stop: async () => [{ tier: 'app', instance: 'a', metric: 'm', unit: 'u', source: 'proc', points: [[1, 2]] }] };
    const bad: Collector = { name: 'bad', start: () => undefined, stop: async () => Promise.reject(new Error('Prometheus went away')) };
    const stopped = await stopAll([good, bad]);
    expect(stopped.series).toHaveLength(1);
    expect(stopped.problems).toEqual(['bad collector failed: Prometheus went away']);
  });
});

describe('run seam', () => {
  it('reads the run flags as commander gives them', () => {
    expect(metricsFlagsFrom({ prometheus: 'http://p:9090', metricsUrl: ['http://a/metrics', 'http://b/metrics'], collect: true })).toEqual({
      prometheusUrl: 'http://p:9090',
      metricsUrls: ['http://a/metrics', 'http://b/metrics'],
      collect: true,
    });
    expect(metricsFlagsFrom({ collect: false }).collect).toBe(false);
  });

  it('--no-collect gives no collector even on a stack', async () => {
    const factory = metricsCollectorFactory({ collect: false });
    expect(await factory({ plan: {} as never, target: { kind: 'local', baseUrl: stack.baseUrl }, stack, env: {} })).toEqual([]);
  });

  it('shows the first problems only', () => {
    const lines: string[] = [];
    const report = limitedReporter((line) => lines.push(line), 2);
    for (let i = 0; i < 10; i += 1) report(`failure ${i}`);
    expect(lines).toEqual(['metrics: failure 0', 'metrics: failure 1', 'metrics: further collection problems are not shown']);
  });

  it('moves series onto the engine timeline', () => {
    const shifted = shiftSeries([{ tier: 'app', instance: 'a', metric: 'm', unit: 'u', source: 'proc', points: [[1, 5], [2, 6]] }], -0.5);
    expect(shifted[0]?.points).toEqual([[0.5, 5], [1.5, 6]]);
  });
});
