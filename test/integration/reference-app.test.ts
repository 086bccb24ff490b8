/**
 * The reference app against a real PostgreSQL and Redis on loopback: migrations, seeding, every
 * endpoint, cache behaviour, metrics, rate limiting, the fault knob and graceful shutdown.
 * Needs `npm run build` first (it runs reference-app/dist like the stack does).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineProduct, lineQuantity, priceCents } from '../../reference-app/src/seed-plan.js';
import { freePort, startPostgres, startRedis, type RunningService } from './support/services.js';

const execFileAsync = promisify(execFile);
const DIST = join(import.meta.dirname, '..', '..', 'reference-app', 'dist');
const SEED_USERS = 200;
const SEED_PRODUCTS = 100;
/** Latency the fault knob adds on the second instance; long enough to send a signal meanwhile. */
const FAULT_MS = 2000;

interface RunningApp {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

let postgres: RunningService;
let redis: RunningService;
let app: RunningApp;
let slowApp: RunningApp;

async function startApp(env: Record<string, string>, readyPath = '/readyz'): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(DIST, 'server.js')], {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: postgres.url, REDIS_URL: redis.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const running: RunningApp = {
    url,
    port,
    child,
    output: () => text,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}: ${text}`);
    try {
      if ((await fetch(`${url}${readyPath}`)).status === 200) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`app not ready within 30 s: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runTool(script: string, args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(DIST, script), ...args], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

function post(url: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

async function login(email: string, password = 'capacity'): Promise<{ accessToken: string; refreshToken: string; userId: number }> {
  const response = await post(`${app.url}/auth/login`, { email, password });
  expect(response.status).toBe(200);
  return (await response.json()) as { accessToken: string; refreshToken: string; userId: number };
}

/** The value of one sample of the app's /metrics, 0 when absent. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

beforeAll(async () => {
  if (!existsSync(join(DIST, 'server.js'))) throw new Error('reference-app/dist/server.js is missing: run `npm run build` first');
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const first = await runTool('migrate.js', [], postgres.url);
  expect(first, first.stderr).toMatchObject({ code: 0 });
  expect(first.stdout).toMatch(/applied 1 \(tables\)/);
  const again = await runTool('migrate.js', [], postgres.url);
  expect(again.stdout).toContain('schema up to date');
  const seeded = await runTool('seed.js', ['--users', String(SEED_USERS)], postgres.url);
  expect(seeded, seeded.stderr).toMatchObject({ code: 0 });
  expect(seeded.stdout).toMatch(/200 users, 100 products, 400 orders, 800 order items/);
  app = await startApp({ INSTANCE_ID: 'it-app-1' });
});

afterAll(async () => {
  await app?.stop();
  await slowApp?.stop();
  await redis?.stop();
  await postgres?.stop();
});

describe('health and headers', () => {
  it('reports liveness with the instance id, in the body and a header, with security headers', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-instance-id')).toBe('it-app-1');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await json(response)).toMatchObject({ status: 'ok', instanceId: 'it-app-1' });
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: 'ready', instanceId: 'it-app-1', postgres: 'ok', redis: 'ok' });
  });

  it('answers unknown routes with a JSON 404 and the instance header', async () => {
    const response = await fetch(`${app.url}/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-instance-id')).toBe('it-app-1');
    expect(await json(response)).toEqual({ statusCode: 404, error: 'Not Found', message: 'no route for GET /nowhere' });
  });
});

describe('auth', () => {
  const email = `new.user.${process.pid}@example.com`;

  it('signs up, refuses the same email twice, logs in and refreshes', async () => {
    const signup = await post(`${app.url}/auth/signup`, { email, password: 'correct horse', name: 'New User' });
    expect(signup.status).toBe(201);
    const created = (await signup.json()) as { id: number; accessToken: string; refreshToken: string };
    expect(created.id).toBe(SEED_USERS + 1);
    expect(typeof created.accessToken).toBe('string');

    const again = await post(`${app.url}/auth/signup`, { email: email.toUpperCase(), password: 'correct horse', name: 'Twin' });
    expect(again.status).toBe(409);
    expect((await json(again))['message']).toContain('already registered');

    const session = await login(email, 'correct horse');
    expect(session.userId).toBe(created.id);
    const me = await fetch(`${app.url}/me`, bearer(session.accessToken));
    expect(await json(me)).toMatchObject({ id: created.id, email, name: 'New User', orderCount: 0 });

    const refreshed = await post(`${app.url}/auth/refresh`, { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    const pair = (await refreshed.json()) as { accessToken: string; userId: number };
    expect(pair.userId).toBe(created.id);
    expect((await fetch(`${app.url}/me`, bearer(pair.accessToken))).status).toBe(200);
  });

  it('logs in seeded users with the shared password', async () => {
    expect((await login('user7@capacity.test')).userId).toBe(7);
  });

  it('answers 401 to a wrong password, an unknown email and misused tokens', async () => {
    const wrong = await post(`${app.url}/auth/login`, { email: 'user7@capacity.test', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'invalid email or password' });
    expect((await post(`${app.url}/auth/login`, { email: 'nobody@capacity.test', password: 'capacity' })).status).toBe(401);
    const session = await login('user8@capacity.test');
    expect((await post(`${app.url}/auth/refresh`, { refreshToken: session.accessToken })).status).toBe(401);
    expect((await fetch(`${app.url}/me`, bearer(session.refreshToken))).status).toBe(401);
    expect((await fetch(`${app.url}/me`, bearer('garbage'))).status).toBe(401);
    const missing = await fetch(`${app.url}/me`);
    expect(missing.status).toBe(401);
    expect((await json(missing))['message']).toContain('Authorization header');
  });

  it('validates bodies and names the field', async () => {
    const badEmail = await post(`${app.url}/auth/signup`, { email: 'not-an-email', password: 'long enough', name: 'X' });
    expect(badEmail.status).toBe(400);
    expect(await json(badEmail)).toMatchObject({ error: 'Bad Request', message: 'body/email must match format "email"' });
    const shortPassword = await post(`${app.url}/auth/signup`, { email: 'a@b.io', password: 'short', name: 'X' });
    expect((await json(shortPassword))['message']).toBe('body/password must NOT have fewer than 8 characters');
    const missing = await post(`${app.url}/auth/login`, { email: 'a@b.io' });
    expect((await json(missing))['message']).toBe("body must have required property 'password'");
  });

  it('refuses oversized bodies with 413', async () => {
    const response = await post(`${app.url}/auth/login`, { email: 'a@b.io', password: 'x'.repeat(40_000) });
    expect(response.status).toBe(413);
    expect((await json(response))['error']).toBe('Payload Too Large');
  });
});

describe('profile cache', () => {
  it('misses once, then hits, and counts both', async () => {
    const session = await login('user21@capacity.test');
    const hitsBefore = await metric('cache_hits_total', { cache: 'profile' });
    const missesBefore = await metric('cache_misses_total', { cache: 'profile' });
    const first = await fetch(`${app.url}/me`, bearer(session.accessToken));
    const second = await fetch(`${app.url}/me`, bearer(session.accessToken));
    const profile = await json(first);
    expect(profile).toMatchObject({ id: 21, email: 'user21@capacity.test', name: 'User 21', orderCount: 2 });
    expect(await json(second)).toEqual(profile);
    expect(await metric('cache_misses_total', { cache: 'profile' })).toBe(missesBefore + 1);
    expect(await metric('cache_hits_total', { cache: 'profile' })).toBe(hitsBefore + 1);
  });
});

describe('products', () => {
  it('paginates by id with a capped page size', async () => {
    const first = await json(await fetch(`${app.url}/products?page=1&limit=5`));
    expect(first).toMatchObject({ page: 1, limit: 5, hasMore: true });
    expect((first['items'] as { id: number }[]).map((p) => p.id)).toEqual([1, 2, 3, 4, 5]);
    const second = await json(await fetch(`${app.url}/products?page=2&limit=5`));
    expect((second['items'] as { id: number }[]).map((p) => p.id)).toEqual([6, 7, 8, 9, 10]);
    const last = await json(await fetch(`${app.url}/products?page=${SEED_PRODUCTS / 5}&limit=5`));
    expect(last['hasMore']).toBe(false);
    expect((last['items'] as { id: number }[]).map((p) => p.id)).toEqual([96, 97, 98, 99, 100]);
    const defaults = await json(await fetch(`${app.url}/products`));
    expect(defaults).toMatchObject({ page: 1, limit: 20 });
    const tooMany = await fetch(`${app.url}/products?limit=1000`);
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany))['message']).toBe('querystring/limit must be <= 100');
  });

  it('searches the full-text index', async () => {
    const found = await json(await fetch(`${app.url}/products/search?q=lamp&limit=50`));
    const items = found['items'] as { name: string }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.name.toLowerCase()).toContain('lamp');
    // Stemming: the plural finds the singular.
    const plural = await json(await fetch(`${app.url}/products/search?q=lamps&limit=50`));
    expect((plural['items'] as unknown[]).length).toBe(items.length);
    // Results are cached per normalized query.
    const hitsBefore = await metric('cache_hits_total', { cache: 'search' });
    const again = await json(await fetch(`${app.url}/products/search?q=%20LAMP%20&limit=50`));
    expect(again['items']).toEqual(items);
    expect(await metric('cache_hits_total', { cache: 'search' })).toBe(hitsBefore + 1);
    const none = await json(await fetch(`${app.url}/products/search?q=zeppelin`));
    expect(none['items']).toEqual([]);
    const missing = await fetch(`${app.url}/products/search`);
    expect(missing.status).toBe(400);
    expect((await json(missing))['message']).toBe("querystring must have required property 'q'");
  });

  it('serves one product, cached after the first read', async () => {
    const missesBefore = await metric('cache_misses_total', { cache: 'product' });
    const hitsBefore = await metric('cache_hits_total', { cache: 'product' });
    const first = await json(await fetch(`${app.url}/products/3`));
    const second = await json(await fetch(`${app.url}/products/3`));
    expect(first).toMatchObject({ id: 3, priceCents: priceCents(3) });
    expect(typeof first['description']).toBe('string');
    expect(second).toEqual(first);
    expect(await metric('cache_misses_total', { cache: 'product' })).toBe(missesBefore + 1);
    expect(await metric('cache_hits_total', { cache: 'product' })).toBe(hitsBefore + 1);
  });

  it('answers 404 for a missing product and 400 for a malformed id', async () => {
    const missing = await fetch(`${app.url}/products/99999`);
    expect(missing.status).toBe(404);
    expect((await json(missing))['message']).toBe('product 99999 not found');
    const malformed = await fetch(`${app.url}/products/abc`);
    expect(malformed.status).toBe(400);
    expect((await json(malformed))['message']).toBe('params/id must be integer');
  });
});

describe('orders', () => {
  it('lists the seeded orders, newest first, with their lines', async () => {
    const session = await login('user7@capacity.test');
    const listed = await json(await fetch(`${app.url}/orders`, bearer(session.accessToken)));
    const orders = listed['items'] as { id: number; totalCents: number; items: { productId: number; quantity: number; unitPriceCents: number }[] }[];
    expect(orders.map((o) => o.id)).toEqual([14, 13]);
    const [newest] = orders;
    expect(newest!.items).toEqual(
      [0, 1].map((line) => {
        const productId = lineProduct(14, line, SEED_PRODUCTS);
        return { productId, quantity: lineQuantity(14, line), unitPriceCents: priceCents(productId) };
      }),
    );
    expect(newest!.totalCents).toBe(newest!.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0));
  });

  it('creates an order in one transaction and invalidates the cached orders and profile', async () => {
    const session = await login('user9@capacity.test');
    const auth = bearer(session.accessToken);
    await fetch(`${app.url}/orders`, auth); // fills the orders cache
    expect((await json(await fetch(`${app.url}/me`, auth)))['orderCount']).toBe(2);
    const hitsBefore = await metric('cache_hits_total', { cache: 'orders' });
    expect(((await json(await fetch(`${app.url}/orders`, auth)))['items'] as unknown[]).length).toBe(2);
    expect(await metric('cache_hits_total', { cache: 'orders' })).toBe(hitsBefore + 1);

    const created = await post(
      `${app.url}/orders`,
      { items: [{ productId: 5, quantity: 2 }, { productId: 6, quantity: 1 }, { productId: 5, quantity: 1 }] },
      session.accessToken,
    );
    expect(created.status).toBe(201);
    const order = await json(created);
    expect(order['items']).toEqual([
      { productId: 5, quantity: 3, unitPriceCents: priceCents(5) },
      { productId: 6, quantity: 1, unitPriceCents: priceCents(6) },
    ]);
    expect(order['totalCents']).toBe(3 * priceCents(5) + priceCents(6));

    const missesBefore = await metric('cache_misses_total', { cache: 'orders' });
    const listed = await json(await fetch(`${app.url}/orders`, auth));
    expect(await metric('cache_misses_total', { cache: 'orders' })).toBe(missesBefore + 1);
    expect((listed['items'] as { id: number }[])[0]!.id).toBe(order['id']);
    expect((await json(await fetch(`${app.url}/me`, auth)))['orderCount']).toBe(3);

    const paged = await json(await fetch(`${app.url}/orders?page=2&limit=2`, auth));
    expect(paged).toMatchObject({ page: 2, limit: 2, hasMore: false });
    expect((paged['items'] as unknown[]).length).toBe(1);
  });

  it('rolls back and names the line when a product does not exist', async () => {
    const session = await login('user10@capacity.test');
    const refused = await post(
      `${app.url}/orders`,
      { items: [{ productId: 1, quantity: 1 }, { productId: 123456, quantity: 1 }] },
      session.accessToken,
    );
    expect(refused.status).toBe(400);
    expect((await json(refused))['message']).toBe('body/items/1/productId: product 123456 does not exist');
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const count = await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE user_id = 10');
      expect(Number(count.rows[0]!.n)).toBe(2);
    } finally {
      await db.end();
    }
  });

  it('validates order bodies and needs a token', async () => {
    const session = await login('user11@capacity.test');
    const zero = await post(`${app.url}/orders`, { items: [{ productId: 1, quantity: 0 }] }, session.accessToken);
    expect(zero.status).toBe(400);
    expect((await json(zero))['message']).toBe('body/items/0/quantity must be >= 1');
    const empty = await post(`${app.url}/orders`, { items: [] }, session.accessToken);
    expect((await json(empty))['message']).toBe('body/items must NOT have fewer than 1 items');
    expect((await post(`${app.url}/orders`, { items: [{ productId: 1, quantity: 1 }] })).status).toBe(401);
    expect((await fetch(`${app.url}/orders`)).status).toBe(401);
  });
});

describe('metrics', () => {
  it('exposes request, pool, cache and process metrics labelled by route template', async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^http_requests_total\{route="\/products\/:id",method="GET",status_code="200"\} \d+$/m);
    const lines = text.split('\n');
    const hasBucket = (le: string, route: string, method: string, status: string): boolean =>
      lines.some(
        (line) =>
          line.startsWith('http_request_duration_seconds_bucket{') &&
          [`le="${le}"`, `route="${route}"`, `method="${method}"`, `status_code="${status}"`].every((pair) => line.includes(pair)),
      );
    expect(hasBucket('0.005', '/products/:id', 'GET', '200')).toBe(true);
    expect(hasBucket('0.2', '/orders', 'POST', '201')).toBe(true);
    expect(hasBucket('+Inf', '/auth/login', 'POST', '401')).toBe(true);
    expect(text).toMatch(/^http_requests_total\{route="\/products\/:id",method="GET",status_code="404"/m);
    expect(text).toMatch(/^http_requests_total\{route="<unmatched>",method="GET",status_code="404"/m);
    expect(text).not.toMatch(/route="\/products\/\d/);
    // The scrape itself is in flight while the gauge is read.
    expect(text).toMatch(/^http_requests_in_flight 1$/m);
    for (const name of ['pg_pool_total', 'pg_pool_idle', 'pg_pool_waiting', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(await metric('pg_pool_total', {})).toBeGreaterThan(0);
  });
});

describe('rate limiting, fault knob and shutdown (second instance)', () => {
  it('starts a slow, strictly limited instance on the same PostgreSQL and Redis', async () => {
    slowApp = await startApp({
      INSTANCE_ID: 'it-app-2',
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '60000',
      FAULT_LATENCY_MS: String(FAULT_MS),
      FAULT_ROUTE: '/products/:id',
    });
  });

  it('limits each client through Redis and answers 429 with Retry-After', async () => {
    // Requests come from loopback, trusted as a proxy: X-Forwarded-For names the client.
    const asClient = (ip: string): RequestInit => ({ headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${slowApp.url}/products?limit=1`, asClient('10.1.2.3'))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${slowApp.url}/products?limit=1`, asClient('10.1.2.3'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await json(limited)).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect((await fetch(`${slowApp.url}/products?limit=1`, asClient('10.9.9.9'))).status).toBe(200);
    expect((await fetch(`${slowApp.url}/healthz`, asClient('10.1.2.3'))).status).toBe(200);
    const client = new Redis(redis.url);
    try {
      expect(Number(await client.get('ratelimit:10.1.2.3'))).toBeGreaterThanOrEqual(5);
    } finally {
      client.disconnect();
    }
  });

  it('adds the fault latency to the named route only', async () => {
    const fast = performance.now();
    expect((await fetch(`${slowApp.url}/products?limit=1`, { headers: { 'x-forwarded-for': '10.0.0.50' } })).status).toBe(200);
    expect(performance.now() - fast).toBeLessThan(FAULT_MS - 100);
    const slow = performance.now();
    expect((await fetch(`${slowApp.url}/products/4`, { headers: { 'x-forwarded-for': '10.0.0.51' } })).status).toBe(200);
    expect(performance.now() - slow).toBeGreaterThanOrEqual(FAULT_MS - 10);
  });

  it('drains an in-flight request on SIGTERM, refuses new connections and exits 0', async () => {
    const started = performance.now();
    let answered = false;
    const inFlight = fetch(`${slowApp.url}/products/5`, { headers: { 'x-forwarded-for': '10.0.0.52' } }).finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 400));
    slowApp.child.kill('SIGTERM');
    // New connections are refused while the slow request is still being served.
    const attempt = (): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(slowApp.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    let refused = await attempt();
    while (refused === 'connected' && !answered) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refused = await attempt();
    }
    // Refused, or reset: a connection that reached the accept queue as the listener closed is
    // reset rather than refused; either way no new connection is served.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(refused);
    expect(answered).toBe(false);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ id: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(FAULT_MS - 10);
    const code = await slowApp.exited;
    expect(code, slowApp.output()).toBe(0);
    expect(slowApp.output()).toContain('SIGTERM: draining in-flight requests');
  });
});

describe('without Redis', () => {
  it('is alive but not ready, and still serves from PostgreSQL', async () => {
    const degraded = await startApp({ INSTANCE_ID: 'it-app-3', REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, '/healthz');
    try {
      const ready = await fetch(`${degraded.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await json(ready)).toMatchObject({ status: 'not ready', postgres: 'ok' });
      const product = await fetch(`${degraded.url}/products/2`);
      expect(product.status).toBe(200);
      expect(await json(product)).toMatchObject({ id: 2, priceCents: priceCents(2) });
    } finally {
      await degraded.stop();
    }
    expect(degraded.output()).toContain('Redis connection error');
  });
});

describe('tools and configuration errors', () => {
  it('exits 2 with a clear message on bad configuration', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(DIST, 'server.js')], {
        env: { PATH: process.env['PATH'] ?? '', REDIS_URL: 'redis://127.0.0.1:1', PORT: 'eighty' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT must be an integer, got "eighty"');
    expect(result.stderr).toContain('DATABASE_URL is required');
  });

  it('refuses to seed a database without the schema, and rejects bad arguments', async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE unmigrated');
    } finally {
      await admin.end();
    }
    const unmigrated = postgres.url.replace(/\/postgres$/, '/unmigrated');
    const result = await runTool('seed.js', ['--users', '10'], unmigrated);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('run "node reference-app/dist/migrate.js" first');
    const bad = await runTool('seed.js', ['--users', 'many'], postgres.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--users must be a positive integer, got "many"');
  });

  it('after a failed seed, leaves empty tables with every key and index', async () => {
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      // A trigger that refuses order rows makes the load fail half-way.
      await db.query(`CREATE FUNCTION refuse_orders() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'orders are refused by a test trigger'; END $$`);
      await db.query('CREATE TRIGGER refuse_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_orders()');
      const result = await runTool('seed.js', ['--users', '20'], postgres.url);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('orders are refused by a test trigger');
      expect(result.stderr).toContain('restoring keys and indexes');
      const rows = await db.query<{ n: string }>('SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items) AS n');
      expect(rows.rows[0]!.n).toBe('0');
      const indexes = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname");
      expect(indexes.rows.map((row) => row.indexname)).toEqual([
        'order_items_pkey',
        'orders_pkey',
        'orders_user_id_created_at_idx',
        'products_pkey',
        'products_search_idx',
        'schema_migrations_pkey',
        'users_email_key',
        'users_pkey',
      ]);
      const foreignKeys = await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace");
      expect(foreignKeys.rows[0]!.n).toBe('3');
    } finally {
      await db.query('DROP TRIGGER IF EXISTS refuse_orders ON orders');
      await db.query('DROP FUNCTION IF EXISTS refuse_orders()');
      await db.end();
    }
  });

  it('replaces existing data when seeding again', async () => {
    const result = await runTool('seed.js', ['--users', '50'], postgres.url);
    expect(result.code, result.stderr).toBe(0);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const counts = await db.query<{ users: string; orders: string; last_emails: string }>(
        "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM orders) AS orders, (SELECT string_agg(email, ',') FROM users WHERE id >= 50) AS last_emails",
      );
      expect(counts.rows[0]).toMatchObject({ users: '50', orders: '100', last_emails: 'user50@capacity.test' });
      const constraints = await db.query<{ conname: string }>("SELECT conname FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace ORDER BY conname");
      expect(constraints.rows.map((row) => row.conname)).toEqual([
        'order_items_order_id_fkey',
        'order_items_pkey',
        'order_items_product_id_fkey',
        'orders_pkey',
        'orders_user_id_fkey',
        'products_pkey',
        'schema_migrations_pkey',
        'users_pkey',
      ]);
    } finally {
      await db.end();
    }
    // New sign-ups continue after the seeded ids.
    const signup = await post(`${app.url}/auth/signup`, { email: 'after.reseed@example.com', password: 'long enough', name: 'After' });
    expect((await json(signup))['id']).toBe(51);
  });
});
