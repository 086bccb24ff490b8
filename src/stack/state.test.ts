import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityError, ExitCode } from '../core/errors.js';
import { parseStackState, readStackState, resolveStateDir, stateFilePath, writeStackState } from './state.js';
import type { StackState } from './types.js';

const sample = (stateDir: string): StackState => ({
  driver: 'local',
  startedAt: '2026-11-22T12:00:00.000Z',
  stateDir,
  baseUrl: 'http://127.0.0.1:8080',
  prometheusUrl: 'http://127.0.0.1:9090',
  components: [
    { name: 'app1', tier: 'app', pid: 10, startTime: 5, command: 'node', host: '127.0.0.11', port: 3001, url: 'http://127.0.0.11:3001' },
  ],
  phase: 'ready',
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-state-'));
  dirs.push(dir);
  return dir;
}

describe('resolveStateDir', () => {
  it('prefers the option, then CAPACITY_STATE_DIR, then .capacity in the working dir', () => {
    expect(resolveStateDir({ option: 'x', env: { CAPACITY_STATE_DIR: '/e' }, cwd: '/w' })).toBe('/w/x');
    expect(resolveStateDir({ env: { CAPACITY_STATE_DIR: '/e' }, cwd: '/w' })).toBe('/e');
    expect(resolveStateDir({ env: {}, cwd: '/w' })).toBe('/w/.capacity');
  });

  it('rejects an empty one as bad input', () => {
    expect(() => resolveStateDir({ option: ' ', env: {}, cwd: '/w' })).toThrow(CapacityError);
  });
});

describe('parseStackState', () => {
  it('accepts a valid state', () => {
    expect(parseStackState(sample('/s'), 'f.json')).toEqual(sample('/s'));
  });

  it('lists every wrong field, as bad input naming the file', () => {
    const broken = { ...sample('/s'), driver: 'podman', components: [{ name: 'x', tier: 'app', host: 'h', port: 70_000 }] };
    try {
      parseStackState(broken, '/s/stack.json');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CapacityError);
      const capacityError = error as CapacityError;
      expect(capacityError.exitCode).toBe(ExitCode.BadInput);
      expect(capacityError.message).toContain('/s/stack.json');
      expect(capacityError.details.some((detail) => detail.startsWith('driver'))).toBe(true);
      expect(capacityError.details.some((detail) => detail.startsWith('components.0.port'))).toBe(true);
    }
  });
});

describe('state file', () => {
  it('round-trips and leaves no temporary file behind', () => {
    const dir = tempDir();
    writeStackState(sample(dir));
    expect(readStackState(dir)).toEqual(sample(dir));
    expect(readdirSync(dir)).toEqual(['stack.json']);
    expect(JSON.parse(readFileSync(stateFilePath(dir), 'utf8'))).toEqual(sample(dir));
  });

  it('reads nothing when there is no file, bad input when it is not JSON', () => {
    const dir = tempDir();
    expect(readStackState(dir)).toBeUndefined();
    writeFileSync(stateFilePath(dir), '{ half');
    expect(() => readStackState(dir)).toThrow(/not JSON/);
  });
});
