import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { CommandModule } from './command.js';
import type { ProcessContext } from '../core/context.js';
import { badInput } from '../core/errors.js';

function context(debug = false): { ctx: ProcessContext; stderr: () => string } {
  let err = '';
  const ctx: ProcessContext = {
    env: {},
    cwd: '/',
    stdout: { write: () => true },
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    now: () => new Date(0),
    signal: new AbortController().signal,
    debug,
    projectRoot: '/',
  };
  return { ctx, stderr: () => err };
}

/** A command whose body throws what it is given, as a bug in a real command would. */
function throwing(error: unknown): CommandModule {
  return {
    name: 'explode',
    summary: 'throws',
    configure: () => undefined,
    action: async () => {
      throw error;
    },
  };
}

describe('exit codes of main()', () => {
  it('an unexpected error in a command exits 70 and says it is a bug, never 1 (the SLO/regression code)', async () => {
    const { ctx, stderr } = context();
    const code = await main(['explode'], ctx, [throwing(new TypeError("Cannot read properties of undefined (reading 'p95')"))]);
    expect(code).toBe(70);
    expect(stderr()).toMatch(/^error: internal error \(this is a bug in capacity, not a verdict on the system under test\): Cannot read properties/);
    expect(stderr()).toContain('--debug');
    expect(stderr()).not.toContain('at '); // no stack trace without --debug
  });

  it('with --debug the stack trace is printed', async () => {
    const { ctx, stderr } = context(true);
    expect(await main(['explode', '--debug'], ctx, [throwing(new RangeError('bad index'))])).toBe(70);
    expect(stderr()).toMatch(/RangeError: bad index\n\s+at /);
  });

  it('a thrown non-Error value is also internal', async () => {
    const { ctx } = context();
    expect(await main(['explode'], ctx, [throwing('a string')])).toBe(70);
  });

  it('errors raised on purpose keep their own code', async () => {
    const { ctx, stderr } = context();
    expect(await main(['explode'], ctx, [throwing(badInput('scenario.yaml:3:7: maxUsers: too big'))])).toBe(2);
    expect(stderr()).toBe('error: scenario.yaml:3:7: maxUsers: too big\n');
  });

  it('an unknown option is a usage error (2)', async () => {
    const { ctx } = context();
    expect(await main(['explode', '--nope'], ctx, [throwing(new Error('unreached'))])).toBe(2);
  });
});
