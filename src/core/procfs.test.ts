import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countCpuList, parseMachineCpu, parseProcCgroup, parseProcStat, parseSchedstat, quotaCores, quotaCoresFromCpuMax } from './procfs.js';

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

describe('machine-wide CPU and the limits of a process', () => {
  it('reads busy and total ticks and the cores from /proc/stat', () => {
    const text = ['cpu  100 5 50 800 20 3 2 1 0 0', 'cpu0 50 2 25 400 10 2 1 0 0 0', 'cpu1 50 3 25 400 10 1 1 1 0 0', 'intr 12345', 'ctxt 999'].join('\n');
    expect(parseMachineCpu(text)).toEqual({ busyTicks: 161, totalTicks: 981, cores: 2 });
    expect(parseMachineCpu('intr 1\n')).toBeUndefined();
  });

  it('counts a CPU list', () => {
    expect(countCpuList('0')).toBe(1);
    expect(countCpuList('0-1')).toBe(2);
    expect(countCpuList('0-3,6,8-9\n')).toBe(7);
    expect(countCpuList('')).toBeUndefined();
    expect(countCpuList('3-1')).toBeUndefined();
  });

  it('finds the cpu controller of cgroup v1 and the v2 path', () => {
    const v1 = ['9:name=systemd:/', '4:memory:/process_api/4e58', '2:cpuacct:/', '1:cpu:/capacity-test', '0::/'].join('\n');
    expect(parseProcCgroup(v1)).toEqual({ v1Cpu: '/capacity-test', v2: '/' });
    expect(parseProcCgroup('5:cpu,cpuacct:/a/b\n')).toEqual({ v1Cpu: '/a/b' });
    expect(parseProcCgroup('0::/user.slice/run.scope\n')).toEqual({ v2: '/user.slice/run.scope' });
  });

  it('turns a quota into cores', () => {
    expect(quotaCoresFromCpuMax('max 100000\n')).toBeUndefined();
    expect(quotaCoresFromCpuMax('30000 100000\n')).toBe(0.3);
    expect(quotaCores('-1', '100000')).toBeUndefined();
    expect(quotaCores('150000', '100000')).toBe(1.5);
  });
});

describe('parseSchedstat', () => {
  it('reads the time on a CPU, the time waiting for one and the timeslices', () => {
    expect(parseSchedstat('545236072 577862578 228\n')).toEqual({ runNs: 545236072, waitNs: 577862578, timeslices: 228 });
    expect(parseSchedstat('545236072 577862578\n')).toEqual({ runNs: 545236072, waitNs: 577862578, timeslices: undefined });
    expect(parseSchedstat('')).toBeUndefined();
    expect(parseSchedstat('x y z')).toBeUndefined();
  });
});
