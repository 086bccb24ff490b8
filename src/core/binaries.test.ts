import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, findPostgresBinDir, findProjectRoot, postgresVersionedBinDirs } from './binaries.js';

let root: string;

function executable(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'capacity-binaries-'));
  executable(join(root, 'a', 'tool'));
  executable(join(root, 'b', 'tool'));
  writeFileSync(join(root, 'a', 'plain'), 'not executable');
  mkdirSync(join(root, 'project'), { recursive: true });
  writeFileSync(join(root, 'project', 'package.json'), JSON.stringify({ name: 'capacity' }));
  mkdirSync(join(root, 'project', 'src', 'deep'), { recursive: true });
  for (const version of ['9.6', '13', '15']) {
    executable(join(root, 'pg', version, 'bin', 'postgres'));
    if (version !== '15') executable(join(root, 'pg', version, 'bin', 'initdb'));
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findBinary', () => {
  it('takes the first PATH entry that holds an executable file', () => {
    expect(findBinary('tool', { path: `${root}/a:${root}/b` })).toBe(join(root, 'a', 'tool'));
    expect(findBinary('tool', { path: `${root}/b:${root}/a` })).toBe(join(root, 'b', 'tool'));
  });

  it('ignores non-executable files, empty and relative PATH entries', () => {
    expect(findBinary('plain', { path: `${root}/a` })).toBeUndefined();
    expect(findBinary('tool', { path: '::a:.' })).toBeUndefined();
  });

  it('finds nothing with an empty or missing PATH, and falls back to extra directories', () => {
    expect(findBinary('tool', { path: '' })).toBeUndefined();
    expect(findBinary('tool', { path: undefined })).toBeUndefined();
    expect(findBinary('tool', { path: '', extraDirs: [join(root, 'b')] })).toBe(join(root, 'b', 'tool'));
  });

  it('accepts an absolute path when it is executable', () => {
    expect(findBinary(join(root, 'a', 'tool'), { path: '' })).toBe(join(root, 'a', 'tool'));
    expect(findBinary(join(root, 'a', 'plain'), { path: '' })).toBeUndefined();
  });
});

describe('PostgreSQL and project lookups', () => {
  it('orders versioned PostgreSQL directories newest first and needs initdb beside postgres', () => {
    expect(postgresVersionedBinDirs(join(root, 'pg'))).toEqual(
      ['15', '13', '9.6'].map((v) => join(root, 'pg', v, 'bin')),
    );
    // 15 has no initdb, so 13 is the usable one.
    expect(findPostgresBinDir({ path: '', postgresRoot: join(root, 'pg') })).toBe(join(root, 'pg', '13', 'bin'));
    expect(findPostgresBinDir({ path: '', postgresRoot: join(root, 'nowhere') })).toBeUndefined();
  });

  it('walks up to the package named capacity', () => {
    expect(findProjectRoot(join(root, 'project', 'src', 'deep'))).toBe(join(root, 'project'));
    expect(findProjectRoot(join(root, 'a'))).not.toBe(join(root, 'a'));
  });
});
