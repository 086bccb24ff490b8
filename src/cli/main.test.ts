import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { CommandModule } from './command.js';
import type { ProcessContext } from '../core/context.js';
import { badInput, unhealthy } from '../core/errors.js';

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

  it('names a mistyped flag as unknown, with the closest one, before a required flag is said to be missing', async () => {
    const { ctx, stderr } = context();
    const required: CommandModule = { name: 'needs', summary: 'needs --scenario', configure: (command) => void command.requiredOption('-s, --scenario <name>', 'x'), action: async () => 0 };
    expect(await main(['needs', '--scenaro', 'smoke'], ctx, [required])).toBe(2);
    expect(stderr()).toContain("error: unknown option '--scenaro'\n(Did you mean --scenario?)");
    expect(stderr()).not.toContain('required option');
    const missing = context();
    expect(await main(['needs'], missing.ctx, [required])).toBe(2);
    expect(missing.stderr()).toContain("error: required option '-s, --scenario <name>' not specified");
  });

  it('a hint that suggests a stack command repeats the --state-dir the user gave', async () => {
    const module: CommandModule = {
      name: 'stacky',
      summary: 'fails with a hint',
      configure: (command) => void command.option('--state-dir <dir>', 'x'),
      action: async () => {
        throw unhealthy('no stack', 'start one with `capacity up`, then `capacity status`');
      },
    };
    const { ctx, stderr } = context();
    expect(await main(['stacky', '--state-dir', '/tmp/my stack'], ctx, [module])).toBe(4);
    expect(stderr()).toContain("hint: start one with `capacity up --state-dir '/tmp/my stack'`, then `capacity status --state-dir '/tmp/my stack'`");
    const plain = context();
    await main(['stacky'], plain.ctx, [module]);
    expect(plain.stderr()).toContain('hint: start one with `capacity up`, then `capacity status`');
  });
});
