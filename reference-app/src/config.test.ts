import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_JWT_SECRET, faultDelayFor, parseConfig, parseDatabaseToolConfig } from './config.js';

const required = { DATABASE_URL: 'postgres://app@127.0.0.1:5432/app', REDIS_URL: 'redis://127.0.0.1:6379' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env, 42);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(required, 42);
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 3000,
      instanceId: 'app-42',
      databaseUrl: required.DATABASE_URL,
      redisUrl: required.REDIS_URL,
      pgPoolSize: 10,
      jwtSecret: DEVELOPMENT_JWT_SECRET,
      bcryptRounds: 4,
      rateLimitMax: 10_000_000,
      rateLimitWindowMs: 60_000,
      faultLatencyMs: 0,
      faultRoute: undefined,
      logLevel: 'warn',
      cacheTtlSeconds: 300,
      bodyLimitBytes: 32_768,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads every variable', () => {
    const config = parseConfig(
      {
        ...required,
        HOST: '127.0.0.12',
        PORT: '3002',
        INSTANCE_ID: 'app2',
        PG_POOL_SIZE: '20',
        JWT_SECRET: 'a-long-enough-secret-value',
        BCRYPT_ROUNDS: '10',
        RATE_LIMIT_MAX: '0',
        RATE_LIMIT_WINDOW_MS: '1000',
        FAULT_LATENCY_MS: '25',
        FAULT_ROUTE: '/products/:id',
        LOG_LEVEL: 'INFO',
        CACHE_TTL_SECONDS: '60',
        BODY_LIMIT_BYTES: '4096',
        SHUTDOWN_TIMEOUT_MS: '5000',
      },
      1,
    );
    expect(config).toMatchObject({
      host: '127.0.0.12',
      port: 3002,
      instanceId: 'app2',
      pgPoolSize: 20,
      jwtSecret: 'a-long-enough-secret-value',
      bcryptRounds: 10,
      rateLimitMax: 0,
      rateLimitWindowMs: 1000,
      faultLatencyMs: 25,
      faultRoute: '/products/:id',
      logLevel: 'info',
      cacheTtlSeconds: 60,
      bodyLimitBytes: 4096,
      shutdownTimeoutMs: 5000,
    });
  });

  it('treats blank values as unset', () => {
    expect(parseConfig({ ...required, PORT: '  ', INSTANCE_ID: '' }, 7)).toMatchObject({ port: 3000, instanceId: 'app-7' });
  });

  it('reports every problem at once, naming the variable and the value', () => {
    const problems = problemsOf({ PORT: 'eighty', PG_POOL_SIZE: '0', BCRYPT_ROUNDS: '40', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    expect(problems).toEqual([
      'PORT must be an integer, got "eighty"',
      'DATABASE_URL is required (a postgres:// URL)',
      'REDIS_URL is required (a redis:// URL)',
      'PG_POOL_SIZE must be between 1 and 1000, got 0',
      'JWT_SECRET must be at least 16 characters long',
      'BCRYPT_ROUNDS must be between 4 and 15, got 40',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
  });

  it('rejects URLs of the wrong kind', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://x/y', REDIS_URL: 'not a url' })).toEqual([
      'DATABASE_URL must use postgres: or postgresql:, got "mysql:"',
      'REDIS_URL is not a valid URL: "not a url"',
    ]);
  });

  it('rejects an instance id that could not travel in a header', () => {
    expect(problemsOf({ ...required, INSTANCE_ID: 'app 1\n' })[0]).toMatch(/^INSTANCE_ID must be/);
  });

  it('needs a route for the fault knob and a route template shape', () => {
    expect(problemsOf({ ...required, FAULT_LATENCY_MS: '10' })).toEqual([
      'FAULT_LATENCY_MS is set but FAULT_ROUTE is not: name a route template or "*"',
    ]);
    expect(problemsOf({ ...required, FAULT_LATENCY_MS: '10', FAULT_ROUTE: 'products' })[0]).toMatch(/^FAULT_ROUTE must be a route template/);
  });

  it('leaves the fault route unset when no latency is configured', () => {
    expect(parseConfig({ ...required, FAULT_ROUTE: '*' }, 1).faultRoute).toBeUndefined();
  });

  it('formats a readable message', () => {
    try {
      parseConfig({}, 1);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(
        'invalid configuration:\n  - DATABASE_URL is required (a postgres:// URL)\n  - REDIS_URL is required (a redis:// URL)',
      );
    }
  });
});

describe('parseDatabaseToolConfig', () => {
  it('needs only DATABASE_URL', () => {
    expect(parseDatabaseToolConfig({ DATABASE_URL: required.DATABASE_URL, BCRYPT_ROUNDS: '6' })).toEqual({
      databaseUrl: required.DATABASE_URL,
      bcryptRounds: 6,
    });
    expect(() => parseDatabaseToolConfig({})).toThrow(/DATABASE_URL is required/);
  });
});

describe('faultDelayFor', () => {
  it('delays only the named route template', () => {
    const knob = { faultLatencyMs: 30, faultRoute: '/products/:id' };
    expect(faultDelayFor(knob, '/products/:id')).toBe(30);
    expect(faultDelayFor(knob, '/products')).toBe(0);
    expect(faultDelayFor(knob, undefined)).toBe(0);
  });

  it('delays every route with "*" and nothing when off', () => {
    expect(faultDelayFor({ faultLatencyMs: 5, faultRoute: '*' }, '/me')).toBe(5);
    expect(faultDelayFor({ faultLatencyMs: 0, faultRoute: '*' }, '/me')).toBe(0);
    expect(faultDelayFor({ faultLatencyMs: 5, faultRoute: undefined }, '/me')).toBe(0);
  });
});
