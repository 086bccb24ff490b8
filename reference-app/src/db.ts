import pg from 'pg';

// bigint (int8) columns and count(*) come back as strings by default; every id and count here
// stays far below 2^53, so numbers are safe and what the JSON API wants.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export function createPool(connectionString: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
}
