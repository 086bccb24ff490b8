/** Fixed names and defaults of the local stack, shared by `up`, its steps and the other commands. */
import { LOOPBACK } from './ports.js';

/** The reference app's login; the stack is loopback-only and for load tests. */
export const DATABASE = { role: 'capacity', password: 'capacity', database: 'capacity' } as const;
export const DEFAULT_APPS = 3;
/** Set in every process the stack starts, to the state dir: lets tests and people find them all. */
export const STACK_MARKER_ENV = 'CAPACITY_STACK_DIR';
export const DEFAULT_SEED_USERS = 10_000;
export const DEFAULT_PG_POOL_SIZE = 10;
export const DEFAULT_UP_TIMEOUT_MS = 120_000;
export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 1;

export function databaseUrl(port: number): string {
  return `postgresql://${DATABASE.role}:${DATABASE.password}@${LOOPBACK}:${port}/${DATABASE.database}`;
}
