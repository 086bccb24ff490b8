/**
 * Configuration of the reference app, read from environment variables. Pure: the caller passes
 * the environment and the process id, so the rules are testable with plain values.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  host: string;
  port: number;
  instanceId: string;
  databaseUrl: string;
  redisUrl: string;
  pgPoolSize: number;
  jwtSecret: string;
  bcryptRounds: number;
  /** Requests per window per client; 0 turns rate limiting off. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  faultLatencyMs: number;
  /** Route template ("/products/:id") or "*" for every route; undefined when the knob is off. */
  faultRoute: string | undefined;
  logLevel: LogLevel;
  cacheTtlSeconds: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
}

/** Used when JWT_SECRET is unset: fine on loopback, never in production. */
export const DEVELOPMENT_JWT_SECRET = 'capacity-reference-app-development-secret';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks every variable, reporting all problems at once rather than the first. */
export function parseConfig(env: Env, pid: number): AppConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) {
      problems.push(`${name} must be an integer, got "${raw}"`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: string[]): string => {
    const raw = text(name);
    if (raw === undefined) {
      problems.push(`${name} is required (a ${protocols[0]}// URL)`);
      return '';
    }
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name} is not a valid URL: "${raw}"`);
      return raw;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    }
    return raw;
  };

  const host = text('HOST') ?? '127.0.0.1';
  const port = integer('PORT', 3000, 0, 65535);
  const instanceId = text('INSTANCE_ID') ?? `app-${pid}`;
  if (!/^[\w.:-]{1,64}$/.test(instanceId)) {
    problems.push(`INSTANCE_ID must be 1 to 64 letters, digits, ".", ":", "_" or "-", got "${instanceId}"`);
  }
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const pgPoolSize = integer('PG_POOL_SIZE', 10, 1, 1000);
  const jwtSecret = text('JWT_SECRET') ?? DEVELOPMENT_JWT_SECRET;
  if (jwtSecret.length < 16) problems.push('JWT_SECRET must be at least 16 characters long');
  const bcryptRounds = integer('BCRYPT_ROUNDS', 4, 4, 15);
  const rateLimitMax = integer('RATE_LIMIT_MAX', 10_000_000, 0, Number.MAX_SAFE_INTEGER);
  const rateLimitWindowMs = integer('RATE_LIMIT_WINDOW_MS', 60_000, 1, 86_400_000);
  const faultLatencyMs = integer('FAULT_LATENCY_MS', 0, 0, 60_000);
  const faultRoute = text('FAULT_ROUTE');
  if (faultRoute !== undefined && faultRoute !== '*' && !faultRoute.startsWith('/')) {
    problems.push(`FAULT_ROUTE must be a route template starting with "/" (like "/products/:id") or "*", got "${faultRoute}"`);
  }
  if (faultLatencyMs > 0 && faultRoute === undefined) {
    problems.push('FAULT_LATENCY_MS is set but FAULT_ROUTE is not: name a route template or "*"');
  }
  const rawLevel = (text('LOG_LEVEL') ?? 'warn').toLowerCase();
  const logLevel = (LOG_LEVELS as readonly string[]).includes(rawLevel) ? (rawLevel as LogLevel) : 'warn';
  if (logLevel !== rawLevel) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${rawLevel}"`);
  const cacheTtlSeconds = integer('CACHE_TTL_SECONDS', 300, 1, 86_400);
  const bodyLimitBytes = integer('BODY_LIMIT_BYTES', 32_768, 1024, 10_485_760);
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    instanceId,
    databaseUrl,
    redisUrl,
    pgPoolSize,
    jwtSecret,
    bcryptRounds,
    rateLimitMax,
    rateLimitWindowMs,
    faultLatencyMs,
    faultRoute: faultLatencyMs > 0 ? faultRoute : undefined,
    logLevel,
    cacheTtlSeconds,
    bodyLimitBytes,
    shutdownTimeoutMs,
  };
}

/** The latency to add to a request on `routeTemplate` (0 when the fault knob does not apply). */
export function faultDelayFor(config: Pick<AppConfig, 'faultLatencyMs' | 'faultRoute'>, routeTemplate: string | undefined): number {
  if (config.faultLatencyMs <= 0 || config.faultRoute === undefined) return 0;
  if (config.faultRoute === '*' || config.faultRoute === routeTemplate) return config.faultLatencyMs;
  return 0;
}

export interface DatabaseToolConfig {
  databaseUrl: string;
  bcryptRounds: number;
}

/** The subset migrate.js and seed.js need: they never talk to Redis. */
export function parseDatabaseToolConfig(env: Env): DatabaseToolConfig {
  const full = parseConfig({ ...env, REDIS_URL: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' }, 0);
  return { databaseUrl: full.databaseUrl, bcryptRounds: full.bcryptRounds };
}
