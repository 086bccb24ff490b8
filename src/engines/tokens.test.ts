import { describe, expect, it } from 'vitest';
import { CapacityError, ExitCode } from '../core/errors.js';
import { signInFailureInLog } from './k6/adapter.js';
import { sampleLine, signInFailed } from './tokens.js';

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
