/**
 * PostgreSQL's data directory: version check before anything touches it, initdb on first use,
 * the application role and database.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { badInput, missingDependency } from '../../core/errors.js';

const execFileAsync = promisify(execFile);

/** "postgres (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)" → "15"; "9.6.24" → "9.6". */
export function parsePostgresMajor(versionOutput: string): string | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const major = Number(match[1]);
  // Before 10, the major version had two parts (9.6).
  return major < 10 && match[2] !== undefined ? `${major}.${match[2]}` : String(major);
}

export async function postgresMajorVersion(binDir: string): Promise<string> {
  const { stdout } = await execFileAsync(join(binDir, 'postgres'), ['--version']);
  const major = parsePostgresMajor(stdout);
  if (!major) throw missingDependency(`cannot tell the version of ${join(binDir, 'postgres')} from "${stdout.trim()}"`, 'check the PostgreSQL install (`capacity doctor`)');
  return major;
}

export type DataDirState = { kind: 'absent' } | { kind: 'ours' } | { kind: 'empty' };

/**
 * What the data directory holds, checked without writing to it: nothing yet, a cluster of our
 * major version, or bad input (another version, or something that is not a cluster).
 */
export function inspectDataDir(dataDir: string, major: string): DataDirState {
  if (!existsSync(dataDir)) return { kind: 'absent' };
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const found = readFileSync(versionFile, 'utf8').trim();
    if (found === major) return { kind: 'ours' };
    throw badInput(
      `the PostgreSQL data directory ${dataDir} was created by PostgreSQL ${found}, but this machine runs PostgreSQL ${major}`,
      [`${versionFile} says ${found}`, 'capacity leaves it untouched: it never upgrades or deletes a cluster by itself'],
      `upgrade it with pg_upgrade, or start a fresh stack elsewhere (--state-dir <dir>), or delete it with \`capacity down --purge\``,
    );
  }
  if (readdirSync(dataDir).length === 0) return { kind: 'empty' };
  throw badInput(
    `${dataDir} is not empty and is not a PostgreSQL data directory (no PG_VERSION)`,
    [],
    'a previous `capacity up` may have been killed during initdb: remove it with `capacity down --purge`',
  );
}

/** SQL run once the server accepts connections: the app's role, and its database when fresh. */
export function databaseSetupStatements(input: { role: string; password: string; database: string; recreate: boolean }): string[] {
  const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const quoteIdent = (value: string) => `"${value.replace(/"/g, '""')}"`;
  const statements = [
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(input.role)}) THEN ` +
      `CREATE ROLE ${quoteIdent(input.role)} LOGIN PASSWORD ${quoteLiteral(input.password)}; END IF; END $$`,
  ];
  // CREATE DATABASE cannot run in a transaction block: each statement is its own psql -c.
  if (input.recreate) {
    statements.push(`DROP DATABASE IF EXISTS ${quoteIdent(input.database)} WITH (FORCE)`);
    statements.push(`CREATE DATABASE ${quoteIdent(input.database)} OWNER ${quoteIdent(input.role)}`);
  }
  return statements;
}
