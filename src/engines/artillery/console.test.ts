import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EngineTick } from '../types.js';
import { ArtilleryConsoleReader } from './console.js';

// Recorded console output of a real Artillery 2.0.21 run (3 reporting periods).
const output = readFileSync(new URL('./fixtures/console.log', import.meta.url), 'utf8');

describe('Artillery console reader', () => {
  it('turns each period block into one live tick', () => {
    const reader = new ArtilleryConsoleReader();
    const ticks: EngineTick[] = [];
    output.split('\n').forEach((line, index) => {
      const tick = reader.feed(line, index);
      if (tick) ticks.push(tick);
    });
    const last = reader.finish(9999);
    if (last) ticks.push(last);
    expect(ticks.map((tick) => tick.requests)).toEqual([222, 676, 302]);
    expect(ticks[0]).toMatchObject({ achievedRps: Math.round((222 / 4.642) * 1000) / 1000, errors: 0, latencyMs: { p50: 16.9, p95: 71.5, p99: 111.1 } });
  });

  it('counts error statuses and network errors', () => {
    const reader = new ArtilleryConsoleReader();
    const lines = [
      'Metrics for period to: 10:00:10(+0000) (width: 10s)',
      'errors.ECONNREFUSED: ..... 3',
      'http.codes.200: ..... 5',
      'http.codes.503: ..... 2',
      'http.requests: ..... 10',
    ];
    for (const line of lines) reader.feed(line, 1);
    expect(reader.finish(10)).toMatchObject({ t: 10, requests: 10, errors: 5, achievedRps: 1 });
  });
});
