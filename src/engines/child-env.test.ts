import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnv } from './child-env.js';

describe('childEnv', () => {
  it('keeps the caller environment, adds the engine variables and makes sure node is on PATH', () => {
    const env = childEnv({ PATH: '/usr/bin', HOME: '/root', UNSET: undefined }, { K6_X: '1' });
    expect(env['HOME']).toBe('/root');
    expect(env['K6_X']).toBe('1');
    expect('UNSET' in env).toBe(false);
    expect(env['PATH']?.split(':')).toEqual(['/usr/bin', path.dirname(process.execPath)].filter((dir, index, all) => all.indexOf(dir) === index));
  });

  it('has a minimal PATH without a caller environment', () => {
    expect(childEnv(undefined, {})['PATH']).toContain('/usr/bin');
  });
});
