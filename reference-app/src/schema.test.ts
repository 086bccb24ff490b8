import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, pendingMigrations, type Migration } from './schema.js';

describe('migrations', () => {
  it('have unique, increasing versions', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(LATEST_SCHEMA_VERSION).toBe(versions[versions.length - 1]);
  });

  it('index the full-text search column with GIN', () => {
    const sql = MIGRATIONS.flatMap((m) => m.statements).join('\n');
    expect(sql).toMatch(/search tsvector GENERATED ALWAYS AS \(to_tsvector\('english'/);
    expect(sql).toContain('USING GIN (search)');
    expect(sql).toContain('ON orders (user_id, created_at DESC, id DESC)');
  });
});

describe('pendingMigrations', () => {
  const list: Migration[] = [
    { version: 2, name: 'b', statements: [] },
    { version: 1, name: 'a', statements: [] },
    { version: 3, name: 'c', statements: [] },
  ];

  it('returns the missing ones in version order', () => {
    expect(pendingMigrations(new Set(), list).map((m) => m.version)).toEqual([1, 2, 3]);
    expect(pendingMigrations(new Set([1, 3]), list).map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations(new Set([1, 2, 3]), list)).toEqual([]);
  });
});
