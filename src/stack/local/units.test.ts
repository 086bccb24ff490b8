import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityError, ExitCode } from '../../core/errors.js';
import { interpretPostgresAnswer, postgresStartupMessage } from './health.js';
import { purgeTargets, stackLayout } from './layout.js';
import { parseNofileHardLimit } from './machine.js';
import { appHosts, fixedPortProblems } from './ports.js';
import { databaseSetupStatements, inspectDataDir, parsePostgresMajor } from './postgres.js';
import { stopSignalFor } from './component-process.js';
import { upOptionProblems } from './preflight.js';
import { logTail } from './steps/context.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-unit-'));
  dirs.push(dir);
  return dir;
}

describe('ports', () => {
  it('puts app i on 127.0.0.(10+i), or all on 127.0.0.1 without aliases', () => {
    expect(appHosts(3, true)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
    expect(appHosts(2, false)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('names each bad or duplicated fixed port by its option', () => {
    expect(fixedPortProblems({ lb: 8080, redis: 6379 })).toEqual([]);
    expect(fixedPortProblems({ lb: 70_000 })).toEqual(['--port 70000: a port is an integer from 1 to 65535']);
    expect(fixedPortProblems({ lb: 8080, prometheus: 8080 })).toEqual(['--prometheus-port 8080: the same port as --port']);
  });
});

describe('upOptionProblems', () => {
  it('accepts the defaults and lists every problem', () => {
    expect(upOptionProblems({ apps: 3 })).toEqual([]);
    const problems = upOptionProblems({ apps: 0, seedUsers: -1, pgPoolSize: 0, ports: { lb: 0 } });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('--apps');
  });
});

describe('postgres', () => {
  it('reads the major version from postgres --version', () => {
    expect(parsePostgresMajor('postgres (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)')).toBe('15');
    expect(parsePostgresMajor('postgres (PostgreSQL) 9.6.24')).toBe('9.6');
    expect(parsePostgresMajor('postgres (PostgreSQL) 17beta1')).toBe('17');
    expect(parsePostgresMajor('something else')).toBeUndefined();
  });

  it('tells an absent, empty, own or foreign data dir apart without writing to it', () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    expect(inspectDataDir(dataDir, '15').kind).toBe('absent');
    mkdirSync(dataDir);
    expect(inspectDataDir(dataDir, '15').kind).toBe('empty');
    writeFileSync(join(dataDir, 'PG_VERSION'), '15\n');
    expect(inspectDataDir(dataDir, '15').kind).toBe('ours');
    writeFileSync(join(dataDir, 'PG_VERSION'), '9.6\n');
    const before = statSync(join(dataDir, 'PG_VERSION')).mtimeMs;
    try {
      inspectDataDir(dataDir, '15');
      expect.unreachable();
    } catch (error) {
      expect((error as CapacityError).exitCode).toBe(ExitCode.BadInput);
      expect((error as CapacityError).message).toContain('PostgreSQL 9.6');
    }
    expect(statSync(join(dataDir, 'PG_VERSION')).mtimeMs).toBe(before);
    expect(readdirSync(dataDir)).toEqual(['PG_VERSION']);
  });

  it('refuses a non-empty folder that is not a cluster', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'notes.txt'), 'x');
    expect(() => inspectDataDir(dataDir, '15')).toThrow(/not a PostgreSQL data directory/);
  });

  it('creates the role idempotently and recreates the database only when asked', () => {
    const kept = databaseSetupStatements({ role: 'capacity', password: "it's", database: 'capacity', recreate: false });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toContain("PASSWORD 'it''s'");
    expect(kept[0]).toContain('IF NOT EXISTS');
    const fresh = databaseSetupStatements({ role: 'capacity', password: 'p', database: 'capacity', recreate: true });
    expect(fresh.slice(1)).toEqual(['DROP DATABASE IF EXISTS "capacity" WITH (FORCE)', 'CREATE DATABASE "capacity" OWNER "capacity"']);
  });

  it('stops with a fast shutdown (SIGINT), everything else with SIGTERM', () => {
    expect(stopSignalFor({ tier: 'postgres' })).toBe('SIGINT');
    expect(stopSignalFor({ tier: 'app' })).toBe('SIGTERM');
  });
});

describe('PostgreSQL wire probe', () => {
  it('builds a v3 startup message', () => {
    const message = postgresStartupMessage('u', 'd');
    expect(message.readInt32BE(0)).toBe(message.length);
    expect(message.readInt32BE(4)).toBe(196_608);
    expect(message.subarray(8).toString()).toBe('user\0u\0database\0d\0\0');
  });

  it('reads an authentication request as ready and an error as not ready', () => {
    expect(interpretPostgresAnswer(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 10])).healthy).toBe(true);
    const error = Buffer.concat([Buffer.from('E\0\0\0\0'), Buffer.from('SFATAL\0C57P03\0Mthe database system is starting up\0\0')]);
    expect(interpretPostgresAnswer(error)).toEqual({ healthy: false, detail: 'the database system is starting up' });
    expect(interpretPostgresAnswer(Buffer.from('X')).healthy).toBe(false);
  });
});

describe('machine and files', () => {
  it('reads the hard open-files limit', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\n';
    expect(parseNofileHardLimit(limits)).toBe(20_000);
    expect(parseNofileHardLimit('Max open files            1024                 unlimited            files')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseNofileHardLimit('')).toBeUndefined();
  });

  it('tails the last lines of a log, and nothing for a missing one', () => {
    const dir = tempDir();
    const file = join(dir, 'x.log');
    writeFileSync(file, Array.from({ length: 40 }, (_, index) => `line ${index}`).join('\n'));
    expect(logTail(file, 3)).toEqual(['line 37', 'line 38', 'line 39']);
    expect(logTail(join(dir, 'missing.log'))).toEqual([]);
  });

  it('purges only what the stack wrote', () => {
    const layout = stackLayout('/s');
    expect(purgeTargets(layout)).toEqual(['/s/postgres', '/s/redis', '/s/nginx', '/s/prometheus', '/s/logs', '/s/up.lock']);
    expect(layout.postgresDataDir).toBe('/s/postgres/data');
  });
});
