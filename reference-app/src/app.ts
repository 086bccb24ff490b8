import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { faultDelayFor, type AppConfig } from './config.js';
import { HttpError, errorReply } from './errors.js';
import { createLogger, throttle, type Logger } from './log.js';
import { createMetrics, type AppMetrics, type CacheName } from './metrics.js';
import * as schemas from './schemas.js';
import { securityHeaders } from './security-headers.js';
import { InvalidTokenError, createTokenService } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: number;
    counted: boolean;
  }
}

export interface AppDeps {
  config: AppConfig;
  pool: pg.Pool;
  redis: Redis;
}

export interface App {
  server: FastifyInstance;
  metrics: AppMetrics;
  log: Logger;
  /** Call before server.close(): responses still to come close their connection instead of keeping it alive. */
  startDraining(): void;
}

const UNMATCHED_ROUTE = '<unmatched>';
const READY_TIMEOUT_MS = 1000;
const UNIQUE_VIOLATION = '23505';

interface ProfileRow {
  id: number;
  email: string;
  name: string;
  created_at: Date;
  order_count: number;
}
interface ProductRow {
  id: number;
  name: string;
  description: string;
  category: string;
  price_cents: number;
  created_at: Date;
}
interface OrderRow {
  id: number;
  status: string;
  total_cents: number;
  created_at: Date;
  items: { productId: number; quantity: number; unitPriceCents: number }[];
}

const profileKey = (userId: number): string => `profile:${userId}`;
const productKey = (productId: number): string => `product:${productId}`;
const ordersKey = (userId: number): string => `orders:${userId}`;
/** Queries differing only in case or spacing share one cache entry. */
const searchKey = (q: string, limit: number): string => `search:${limit}:${q.trim().toLowerCase().replace(/\s+/g, ' ')}`;
const SEARCH_CANDIDATES = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function buildApp({ config, pool, redis }: AppDeps): Promise<App> {
  const server = Fastify({
    logger: false,
    bodyLimit: config.bodyLimitBytes,
    // nginx in front runs on loopback: trust its X-Forwarded-For so limits apply per real client.
    trustProxy: 'loopback',
    return503OnClosing: true,
  });
  const log = createLogger(config.logLevel, config.instanceId);
  const metrics = createMetrics(pool);
  const headers = { ...(await securityHeaders()), 'x-instance-id': config.instanceId };
  const tokens = createTokenService(config.jwtSecret);
  const ttl = config.cacheTtlSeconds;
  let closing = false;

  server.decorateRequest('startedAt', 0);
  server.decorateRequest('counted', false);

  server.addHook('onRequest', (request, reply, done) => {
    request.startedAt = performance.now();
    request.counted = true;
    metrics.inFlight.inc();
    reply.headers(headers);
    done();
  });
  const finish = (request: FastifyRequest, statusCode: number): void => {
    if (!request.counted) return;
    request.counted = false;
    metrics.inFlight.dec();
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeRequest(route, request.method, statusCode, (performance.now() - request.startedAt) / 1000);
  };
  server.addHook('onResponse', (request, reply, done) => {
    finish(request, reply.statusCode);
    done();
  });
  server.addHook('onRequestAbort', (request, done) => {
    // Clients that hang up still count, under nginx's "client closed request" status.
    finish(request, 499);
    done();
  });
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  if (config.faultLatencyMs > 0) {
    server.addHook('preHandler', async (request) => {
      const delay = faultDelayFor(config, request.routeOptions.url);
      if (delay > 0) await sleep(delay);
    });
  }

  server.setErrorHandler((error, request, reply) => {
    const { statusCode, body } = errorReply(error);
    if (statusCode >= 500) log.error('request failed', { err: error, method: request.method, route: request.routeOptions.url });
    void reply.code(statusCode).send(body);
  });
  server.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    void reply.code(404).send(errorReply(new HttpError(404, `no route for ${request.method} ${path}`)).body);
  });

  if (config.rateLimitMax > 0) {
    await server.register(rateLimit, {
      global: true,
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
      redis,
      nameSpace: 'ratelimit:',
      // When Redis is down, serve rather than fail every request; /readyz reports the fault.
      skipOnError: true,
      // The x-ratelimit-* headers go on 429 answers only (with Retry-After): three headers less
      // on every successful response.
      addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    });
  }

  const userIdOf = (request: FastifyRequest): number => {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) throw new HttpError(401, 'missing bearer token in the Authorization header');
    try {
      return tokens.verify(header.slice(7).trim(), 'access');
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new HttpError(401, `invalid access token: ${error.message}`);
      throw error;
    }
  };

  const cacheWarning = throttle(10_000);
  /** Cache-aside read: a Redis failure counts as a miss and falls through to PostgreSQL. */
  const cached = async (cache: CacheName, read: () => Promise<string | null>): Promise<string | null> => {
    let value: string | null = null;
    try {
      value = await read();
    } catch (error) {
      if (cacheWarning()) log.warn('cache read failed (warnings limited to one per 10 s)', { err: error, cache });
    }
    if (value === null) metrics.cacheMiss(cache);
    else metrics.cacheHit(cache);
    return value;
  };
  const cacheWrite = async (write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } catch (error) {
      if (cacheWarning()) log.warn('cache write failed (warnings limited to one per 10 s)', { err: error });
    }
  };

  const noRateLimit = { rateLimit: false } as const;

  server.get('/healthz', { config: noRateLimit }, async () => ({
    status: 'ok',
    instanceId: config.instanceId,
    uptimeSeconds: Math.round(process.uptime()),
  }));

  server.get('/readyz', { config: noRateLimit }, async (_request, reply) => {
    const check = async (what: string, probe: () => Promise<unknown>): Promise<string> => {
      try {
        await withTimeout(probe(), READY_TIMEOUT_MS, what);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const [postgres, redisState] = await Promise.all([check('PostgreSQL', () => pool.query('SELECT 1')), check('Redis', () => redis.ping())]);
    const ready = !closing && postgres === 'ok' && redisState === 'ok';
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : closing ? 'shutting down' : 'not ready',
      instanceId: config.instanceId,
      postgres,
      redis: redisState,
    });
  });

  server.get('/metrics', { config: noRateLimit }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  server.post<{ Body: schemas.SignupBody }>('/auth/signup', { schema: schemas.signup }, async (request, reply) => {
    const email = request.body.email.toLowerCase();
    const hash = await bcrypt.hash(request.body.password, config.bcryptRounds);
    let id: number;
    try {
      const result = await pool.query<{ id: number }>(
        'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
        [email, request.body.name, hash],
      );
      id = result.rows[0]!.id;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new HttpError(409, `body/email ${email} is already registered`);
      throw error;
    }
    return reply.code(201).send({ id, ...tokens.issue(id) });
  });

  server.post<{ Body: schemas.LoginBody }>('/auth/login', { schema: schemas.login }, async (request) => {
    const result = await pool.query<{ id: number; password_hash: string }>({
      name: 'login',
      text: 'SELECT id, password_hash FROM users WHERE email = $1',
      values: [request.body.email.toLowerCase()],
    });
    const user = result.rows[0];
    // The same answer whether the email or the password is wrong.
    if (user === undefined || !(await bcrypt.compare(request.body.password, user.password_hash))) {
      throw new HttpError(401, 'invalid email or password');
    }
    return { ...tokens.issue(user.id), userId: user.id };
  });

  server.post<{ Body: schemas.RefreshBody }>('/auth/refresh', { schema: schemas.refresh }, async (request) => {
    let userId: number;
    try {
      userId = tokens.verify(request.body.refreshToken, 'refresh');
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new HttpError(401, `invalid refresh token: ${error.message}`);
      throw error;
    }
    const exists = await pool.query({ name: 'user-exists', text: 'SELECT 1 FROM users WHERE id = $1', values: [userId] });
    if (exists.rowCount === 0) throw new HttpError(401, 'invalid refresh token: the user no longer exists');
    return { ...tokens.issue(userId), userId };
  });

  server.get('/me', async (request, reply) => {
    const userId = userIdOf(request);
    const key = profileKey(userId);
    const hit = await cached('profile', () => redis.get(key));
    if (hit !== null) return reply.type('application/json; charset=utf-8').send(hit);
    const result = await pool.query<ProfileRow>({
      name: 'profile',
      text: `SELECT u.id, u.email, u.name, u.created_at, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) AS order_count
             FROM users u WHERE u.id = $1`,
      values: [userId],
    });
    const row = result.rows[0];
    if (row === undefined) throw new HttpError(404, `user ${userId} not found`);
    const json = JSON.stringify({ id: row.id, email: row.email, name: row.name, createdAt: row.created_at, orderCount: row.order_count });
    await cacheWrite(() => redis.set(key, json, 'EX', ttl));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  server.get<{ Querystring: schemas.PageQuery }>('/products', { schema: schemas.productList }, async (request) => {
    const { page, limit } = request.query;
    const result = await pool.query<Pick<ProductRow, 'id' | 'name' | 'category' | 'price_cents'>>({
      name: 'product-page',
      text: 'SELECT id, name, category, price_cents FROM products ORDER BY id LIMIT $1 OFFSET $2',
      values: [limit + 1, (page - 1) * limit],
    });
    const rows = result.rows;
    return {
      page,
      limit,
      hasMore: rows.length > limit,
      items: rows.slice(0, limit).map((row) => ({ id: row.id, name: row.name, category: row.category, priceCents: row.price_cents })),
    };
  });

  server.get<{ Querystring: schemas.SearchQuery }>('/products/search', { schema: schemas.productSearch }, async (request, reply) => {
    const { q, limit } = request.query;
    const key = searchKey(q, limit);
    const hit = await cached('search', () => redis.get(key));
    if (hit !== null) return reply.type('application/json; charset=utf-8').send(hit);
    // Ranking reads every matching row's tsvector: rank at most SEARCH_CANDIDATES matches so a
    // query matching half the catalogue costs the same as a precise one.
    const result = await pool.query<Pick<ProductRow, 'id' | 'name' | 'category' | 'price_cents'>>({
      name: 'product-search',
      text: `SELECT id, name, category, price_cents
             FROM (SELECT id, name, category, price_cents, search, query
                   FROM products, websearch_to_tsquery('english', $1) AS query
                   WHERE search @@ query
                   LIMIT ${SEARCH_CANDIDATES}) AS candidates
             ORDER BY ts_rank(search, query) DESC, id
             LIMIT $2`,
      values: [q, limit],
    });
    const json = JSON.stringify({
      q,
      items: result.rows.map((row) => ({ id: row.id, name: row.name, category: row.category, priceCents: row.price_cents })),
    });
    await cacheWrite(() => redis.set(key, json, 'EX', ttl));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  server.get<{ Params: schemas.IdParams }>('/products/:id', { schema: schemas.productById }, async (request, reply) => {
    const productId = request.params.id;
    const key = productKey(productId);
    const hit = await cached('product', () => redis.get(key));
    if (hit !== null) return reply.type('application/json; charset=utf-8').send(hit);
    const result = await pool.query<ProductRow>({
      name: 'product-by-id',
      text: 'SELECT id, name, description, category, price_cents, created_at FROM products WHERE id = $1',
      values: [productId],
    });
    const row = result.rows[0];
    if (row === undefined) throw new HttpError(404, `product ${productId} not found`);
    const json = JSON.stringify({
      id: row.id,
      name: row.name,
      description: row.description,
      category: row.category,
      priceCents: row.price_cents,
      createdAt: row.created_at,
    });
    await cacheWrite(() => redis.set(key, json, 'EX', ttl));
    return reply.type('application/json; charset=utf-8').send(json);
  });

  server.get<{ Querystring: schemas.PageQuery }>('/orders', { schema: schemas.orderList }, async (request, reply) => {
    const userId = userIdOf(request);
    const { page, limit } = request.query;
    const key = ordersKey(userId);
    const field = `${page}:${limit}`;
    const hit = await cached('orders', () => redis.hget(key, field));
    if (hit !== null) return reply.type('application/json; charset=utf-8').send(hit);
    const result = await pool.query<OrderRow>({
      name: 'orders-page',
      text: `SELECT o.id, o.status, o.total_cents, o.created_at,
                    (SELECT coalesce(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
                                                               'unitPriceCents', i.unit_price_cents) ORDER BY i.line), '[]'::json)
                     FROM order_items i WHERE i.order_id = o.id) AS items
             FROM orders o WHERE o.user_id = $1
             ORDER BY o.created_at DESC, o.id DESC
             LIMIT $2 OFFSET $3`,
      values: [userId, limit + 1, (page - 1) * limit],
    });
    const rows = result.rows;
    const json = JSON.stringify({
      page,
      limit,
      hasMore: rows.length > limit,
      items: rows.slice(0, limit).map((row) => ({
        id: row.id,
        status: row.status,
        totalCents: row.total_cents,
        createdAt: row.created_at,
        items: row.items,
      })),
    });
    // One hash per user holds every cached page, so one DEL invalidates them all.
    await cacheWrite(() => redis.multi().hset(key, field, json).expire(key, ttl).exec());
    return reply.type('application/json; charset=utf-8').send(json);
  });

  server.post<{ Body: schemas.OrderBody }>('/orders', { schema: schemas.orderCreate }, async (request, reply) => {
    const userId = userIdOf(request);
    // The same product twice in one order becomes one line with the summed quantity.
    const quantities = new Map<number, number>();
    const firstIndex = new Map<number, number>();
    request.body.items.forEach((item, index) => {
      quantities.set(item.productId, (quantities.get(item.productId) ?? 0) + item.quantity);
      if (!firstIndex.has(item.productId)) firstIndex.set(item.productId, index);
    });
    const productIds = [...quantities.keys()];
    const client = await pool.connect();
    let order: { id: number; status: string; created_at: Date };
    let lines: { productId: number; quantity: number; unitPriceCents: number }[];
    let totalCents = 0;
    try {
      await client.query('BEGIN');
      const prices = await client.query<{ id: number; price_cents: number }>({
        name: 'order-prices',
        text: 'SELECT id, price_cents FROM products WHERE id = ANY($1::bigint[])',
        values: [productIds],
      });
      const priceOf = new Map(prices.rows.map((row) => [row.id, row.price_cents]));
      const missing = productIds.find((id) => !priceOf.has(id));
      if (missing !== undefined) throw new HttpError(400, `body/items/${firstIndex.get(missing)}/productId: product ${missing} does not exist`);
      lines = productIds.map((productId) => ({ productId, quantity: quantities.get(productId)!, unitPriceCents: priceOf.get(productId)! }));
      totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
      const inserted = await client.query<{ id: number; status: string; created_at: Date }>({
        name: 'order-insert',
        text: 'INSERT INTO orders (user_id, total_cents) VALUES ($1, $2) RETURNING id, status, created_at',
        values: [userId, totalCents],
      });
      order = inserted.rows[0]!;
      await client.query({
        name: 'order-items-insert',
        text: `INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents)
               SELECT $1, line - 1, product_id, quantity, unit_price_cents
               FROM unnest($2::bigint[], $3::integer[], $4::integer[]) WITH ORDINALITY AS l(product_id, quantity, unit_price_cents, line)`,
        values: [order.id, lines.map((l) => l.productId), lines.map((l) => l.quantity), lines.map((l) => l.unitPriceCents)],
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    await cacheWrite(() => redis.del(ordersKey(userId), profileKey(userId)));
    return reply.code(201).send({ id: order.id, status: order.status, totalCents, createdAt: order.created_at, items: lines });
  });

  return {
    server,
    metrics,
    log,
    startDraining() {
      closing = true;
    },
  };
}
