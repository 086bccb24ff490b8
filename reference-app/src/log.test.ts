import { describe, expect, it } from 'vitest';
import { createLogger, throttle } from './log.js';

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

describe('throttle', () => {
  it('opens once per interval', () => {
    let clock = 1000;
    const gate = throttle(10_000, () => clock);
    expect(gate()).toBe(true);
    clock += 9_999;
    expect(gate()).toBe(false);
    clock += 1;
    expect(gate()).toBe(true);
  });
});
