import { describe, expect, it } from 'vitest';
import { MAX_USERS, parseUserCount } from './size.js';

describe('--users', () => {
  it('takes whole numbers written in decimal, with or without an exponent', () => {
    expect(parseUserCount('1000000')).toEqual({ users: 1_000_000 });
    expect(parseUserCount('1e6')).toEqual({ users: 1_000_000 });
    expect(parseUserCount('2.5e6')).toEqual({ users: 2_500_000 });
    expect(parseUserCount(' 1 ')).toEqual({ users: 1 });
    expect(parseUserCount('3.0')).toEqual({ users: 3 });
    expect(parseUserCount(String(MAX_USERS))).toEqual({ users: MAX_USERS });
  });

  it('says precisely what is wrong with each bad count', () => {
    const problem = (raw: string) => {
      const parsed = parseUserCount(raw);
      return 'problem' in parsed ? parsed.problem : `accepted ${parsed.users}`;
    };
    expect(problem('0')).toBe('--users: must be at least 1 user, got 0');
    expect(problem('-5')).toBe('--users: must be at least 1 user, got -5');
    expect(problem('abc')).toMatch(/^--users: "abc" is not a number/);
    expect(problem('2.5')).toBe('--users: must be a whole number of users, got 2.5');
    expect(problem('0x10')).toMatch(/^--users: "0x10" is written in hexadecimal, octal or binary/);
    expect(problem('0b101')).toMatch(/hexadecimal, octal or binary/);
    // Infinity is a number too large, not "not a number"
    expect(problem('1e400')).toMatch(/^--users: 1e400 is too large: it is beyond any finite number/);
    expect(problem('1e400')).not.toMatch(/not a number/);
    expect(problem('Infinity')).toMatch(/^--users: "Infinity" is infinite/);
    expect(problem('2e10')).toMatch(/more users than people alive/);
    expect(problem('')).toMatch(/^--users: empty/);
    expect(problem('1,000')).toMatch(/"1,000" is not a number/);
  });
});
