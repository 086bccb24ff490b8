import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes JSON lines at or above the level', () => {
    const lines: string[] = [];
    const log = createLogger('warn', 'app1', (line) => lines.push(line));
    log.info('hidden');
    log.warn('cache read failed', { cache: 'profile' });
    log.error('request failed', { err: new Error('boom') });
    expect(lines).toHaveLength(2);
    const [warn, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warn).toMatchObject({ level: 'warn', instance: 'app1', msg: 'cache read failed', cache: 'profile' });
    expect(error).toMatchObject({ level: 'error', err: { message: 'boom' } });
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
  });

  it('writes nothing when silent', () => {
    const lines: string[] = [];
    const log = createLogger('silent', 'app1', (line) => lines.push(line));
    log.error('x');
    expect(lines).toEqual([]);
  });
});
