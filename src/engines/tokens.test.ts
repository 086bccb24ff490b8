import { describe, expect, it } from 'vitest';
import { CapacityError, ExitCode } from '../core/errors.js';
import { signInFailureInLog } from './k6/adapter.js';
import { POOLED_ENV_MAX_CHARS, pooledEnv, pooledFromEnv, sampleLine, signInFailed } from './tokens.js';

describe('a failed sign-in', () => {
  it('stops the run with exit 4 naming the endpoint, the status and the first line of the answer', () => {
    const error = signInFailed('http://127.0.0.1:9/auth/login', 501, sampleLine('\nNot Implemented\nmore'), 20, 20);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(ExitCode.Unhealthy);
    expect(error.message).toBe('sign-in failed before the load: POST http://127.0.0.1:9/auth/login answered 501 (20 of 20 sign-ins failed): "Not Implemented"');
    expect(sampleLine('x'.repeat(300))).toHaveLength(201);
  });

  it("is read back from k6's log, where setup() threw it (k6 escapes the message as logfmt)", () => {
    const log = 'time="2026-11-22T12:00:00Z" level=error msg="Error: CAPACITY_SIGNIN_FAILED status=501 url=http%3A%2F%2F127.0.0.1%3A9%2Fauth%2Flogin sample=Not%20%22Implemented%22\n\tat setup (file:///k6-script.js:120:13(42))" hint="script exception"';
    expect(signInFailureInLog(log)).toEqual({ status: 501, url: 'http://127.0.0.1:9/auth/login', sample: 'Not "Implemented"' });
    expect(signInFailureInLog('level=info msg="done"')).toBeUndefined();
  });
});

describe("the pool's captures in an engine's environment", () => {
  it('round-trip through pieces of at most 100,000 ASCII characters, non-ASCII escaped', () => {
    const captures = Array.from({ length: 900 }, (_unused, index) => ({ token: `t-${index}-${'x'.repeat(200)}`, name: 'Zoë 🚀', n: index }));
    const env = pooledEnv(captures);
    const pieces = Object.keys(env);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces).toEqual(pieces.map((_unused, index) => `CAPACITY_POOLED_${index}`));
    for (const piece of Object.values(env)) {
      expect(piece.length).toBeLessThanOrEqual(100_000);
      expect(/^[\x20-\x7e]*$/.test(piece)).toBe(true);
    }
    expect(pooledFromEnv({ ...env, OTHER: 'x' })).toEqual(captures);
  });

  it('are no variable at all without a pool, and refused (exit 2) past what an environment carries', () => {
    expect(pooledEnv([])).toEqual({});
    expect(pooledFromEnv({})).toEqual([]);
    const tooMany = Array.from({ length: 20 }, () => ({ token: 'y'.repeat(POOLED_ENV_MAX_CHARS / 10) }));
    expect(() => pooledEnv(tooMany)).toThrow(expect.objectContaining({ exitCode: ExitCode.BadInput, message: expect.stringMatching(/auth|sign-ins captured/) }));
  });
});
