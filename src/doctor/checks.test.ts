import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allRequiredFound,
  findBinary,
  findK6,
  findPostgresBinDir,
  findProjectRoot,
  parseVersion,
  postgresVersionedBinDirs,
  type CheckResult,
} from './checks.js';

let root: string;

function executable(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'capacity-doctor-'));
  executable(join(root, 'a', 'tool'));
  executable(join(root, 'b', 'tool'));
  writeFileSync(join(root, 'a', 'plain'), 'not executable');
  executable(join(root, 'project', '.tools', 'bin', 'k6'));
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

describe('k6, PostgreSQL and project lookups', () => {
  it('finds k6 in the project .tools/bin when it is not on PATH, PATH first otherwise', () => {
    expect(findK6({ path: '', projectRoot: join(root, 'project') })).toBe(join(root, 'project', '.tools', 'bin', 'k6'));
    executable(join(root, 'c', 'k6'));
    expect(findK6({ path: join(root, 'c'), projectRoot: join(root, 'project') })).toBe(join(root, 'c', 'k6'));
  });

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

describe('parseVersion and the verdict', () => {
  it('reads versions out of real banners', () => {
    expect(parseVersion('nginx version: nginx/1.22.1', /nginx\/(\d+\.\d+\.\d+)/)).toBe('1.22.1');
    expect(parseVersion('Redis server v=7.0.15 sha=00000000:0', /v=(\d+\.\d+\.\d+)/)).toBe('7.0.15');
    expect(parseVersion('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)', /PostgreSQL\)?\s+(\d+(?:\.\d+)*)/)).toBe('15.18');
    expect(parseVersion('no version here', /(\d+\.\d+)/)).toBeUndefined();
  });

  it('passes when only optional checks are missing', () => {
    const check = (name: string, required: boolean, found: boolean): CheckResult => ({
      name, kind: 'tool', required, found, purpose: 'p', hint: 'h',
    });
    expect(allRequiredFound([check('a', true, true), check('b', false, false)])).toBe(true);
    expect(allRequiredFound([check('a', true, false), check('b', false, true)])).toBe(false);
  });
});
