import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseProcStat } from './procfs.js';

// Captured from a Debian box: an nginx worker, then a command name with spaces and parentheses.
const NGINX_WORKER =
  '2317 (nginx) S 2316 2316 2316 0 -1 4194624 1571 0 0 0 37 12 0 0 20 0 1 0 90517 56877056 1420 18446744073709551615 1 1 0 0 0 0 0 16781312 402734665 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';
const ODD_NAME =
  '4242 (my (odd) proc) R 1 4242 4242 0 -1 4194304 99 0 0 0 5 7 11 13 20 0 3 0 123456 3133440 383 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads identity, parentage, CPU ticks and threads', () => {
    expect(parseProcStat(NGINX_WORKER)).toEqual({
      pid: 2317,
      comm: 'nginx',
      state: 'S',
      ppid: 2316,
      pgrp: 2316,
      session: 2316,
      utime: 37,
      stime: 12,
      cutime: 0,
      cstime: 0,
      numThreads: 1,
      startTime: 90517,
    });
  });

  it('copes with spaces and parentheses in the command name', () => {
    const stat = parseProcStat(ODD_NAME);
    expect(stat?.comm).toBe('my (odd) proc');
    expect([stat?.pgrp, stat?.session, stat?.utime, stat?.stime, stat?.cutime, stat?.cstime, stat?.numThreads, stat?.startTime]).toEqual([4242, 4242, 5, 7, 11, 13, 3, 123456]);
  });

  it('rejects empty, truncated or garbage text, and never throws', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x) S 1')).toBeUndefined();
    expect(parseProcStat('garbage')).toBeUndefined();
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseProcStat(text);
      }),
    );
  });
});
