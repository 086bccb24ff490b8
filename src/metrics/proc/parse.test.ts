import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../../core/procfs.js';
import { cpuCoresFromSamples, parseChildren, parseProcStatm, processCpuSeconds, treeTicks, wakeupsFromSamples } from './parse.js';

// Captured from a Debian box: nginx worker, then a command name with spaces and parentheses.
const NGINX_WORKER =
  '2317 (nginx) S 2316 2316 2316 0 -1 4194624 1571 0 0 0 37 12 0 0 20 0 1 0 90517 56877056 1420 18446744073709551615 1 1 0 0 0 0 0 16781312 402734665 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';
const ODD_NAME =
  '4242 (my (odd) proc) R 1 4242 4242 0 -1 4194304 99 0 0 0 5 7 11 13 20 0 3 0 123456 3133440 383 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStatm', () => {
  it('reads sizes in pages', () => {
    expect(parseProcStatm('765 423 395 5 0 123 0\n')).toEqual({ sizePages: 765, residentPages: 423, sharedPages: 395 });
    expect(parseProcStatm('')).toBeUndefined();
  });
});

describe('schedstat', () => {
  it('prefers the run time to ticks, adding reaped children', () => {
    const stat = parseProcStat(ODD_NAME)!; // utime 5, stime 7, cutime 11, cstime 13
    expect(processCpuSeconds(stat, [1_500_000_000, 250_000_000], 100)).toBeCloseTo(1.75 + 0.24, 10);
    expect(processCpuSeconds(stat, undefined, 100)).toBeCloseTo(0.12 + 0.24, 10);
  });
});

describe('parseChildren', () => {
  it('reads a space-separated list, possibly empty', () => {
    expect(parseChildren('2317 2318 \n')).toEqual([2317, 2318]);
    expect(parseChildren('')).toEqual([]);
  });
});

describe('treeTicks and cpuCoresFromSamples', () => {
  it('adds reaped children ticks and turns tick deltas into cores', () => {
    const a = parseProcStat(NGINX_WORKER);
    const b = parseProcStat(ODD_NAME);
    expect(treeTicks([a!, b!])).toBe(37 + 12 + 5 + 7 + 11 + 13);
    const samples = [
      { t: 0, cpuSeconds: 10, rssBytes: 0, processes: 2 },
      { t: 1, cpuSeconds: 10.5, rssBytes: 0, processes: 2 },
      { t: 3, cpuSeconds: 12.5, rssBytes: 0, processes: 2 },
      { t: 4, cpuSeconds: 12.4, rssBytes: 0, processes: 1 },
    ];
    expect(cpuCoresFromSamples(samples)).toEqual([
      [1, 0.5],
      [3, 1],
      [4, 0],
    ]);
  });
});

describe('wakeupsFromSamples', () => {
  it('turns timeslice counts into wake-ups per second, a fall as zero, a gap without schedstat skipped', () => {
    const samples = [
      { t: 0, cpuSeconds: 0, rssBytes: 0, processes: 1, timeslices: 100 },
      { t: 2, cpuSeconds: 0, rssBytes: 0, processes: 1, timeslices: 700 },
      { t: 3, cpuSeconds: 0, rssBytes: 0, processes: 1, timeslices: 650 },
      { t: 4, cpuSeconds: 0, rssBytes: 0, processes: 1 },
      { t: 5, cpuSeconds: 0, rssBytes: 0, processes: 1, timeslices: 900 },
    ];
    expect(wakeupsFromSamples(samples)).toEqual([
      [2, 300],
      [3, 0],
    ]);
  });
});
