import { describe, expect, it } from 'vitest';
import { allRequiredFound, parseVersion, type CheckResult } from './checks.js';

describe('parseVersion and the verdict', () => {
  it('reads versions out of real banners', () => {
    expect(parseVersion('nginx version: nginx/1.22.1', /nginx\/(\d+\.\d+\.\d+)/)).toBe('1.22.1');
    expect(parseVersion('Redis server v=7.0.15 sha=00000000:0', /v=(\d+\.\d+\.\d+)/)).toBe('7.0.15');
    expect(parseVersion('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)', /PostgreSQL\)?\s+(\d+(?:\.\d+)*)/)).toBe('15.18');
    expect(parseVersion('no version here', /(\d+\.\d+)/)).toBeUndefined();
  });

  it('passes when only optional checks are missing', () => {
    const check = (name: string, required: boolean, found: boolean): CheckResult => ({
      name, kind: 'tool', required, found, purpose: 'p', hint: 'h',
    });
    expect(allRequiredFound([check('a', true, true), check('b', false, false)])).toBe(true);
    expect(allRequiredFound([check('a', true, false), check('b', false, true)])).toBe(false);
  });
});
