import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the reference app on loopback (NOT the reference app): it answers every route the
 * built-in scenarios use, signs users in with a JSON token the engines accept (`accessToken`,
 * src/engines/tokens.ts), checks that signed-in routes carry one of the tokens it issued, and
 * counts what it serves per route ("GET /products/:id"), so a test can hold an engine's figures
 * against what really arrived.
 */
export interface ApiTarget {
  url: string;
  /** "METHOD /route" -> requests served, since the last reset. */
  counts: Map<string, number>;
  /** Requests to signed-in routes without a valid token (answered 401). */
  unauthorized: number;
  /** Requests to every route except /healthz and POST /auth/login: the scenario mix as served. */
  mixCount(): number;
  logins(): number;
  reset(): void;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
};

/** The route template of a path (the reference app's route names). */
function routeOf(method: string, pathname: string): { route: string; auth: boolean } | undefined {
  if (method === 'GET' && pathname === '/healthz') return { route: '/healthz', auth: false };
  if (method === 'POST' && pathname === '/auth/login') return { route: '/auth/login', auth: false };
  if (method === 'GET' && pathname === '/products') return { route: '/products', auth: false };
  if (method === 'GET' && pathname === '/products/search') return { route: '/products/search', auth: false };
  if (method === 'GET' && /^\/products\/\d+$/.test(pathname)) return { route: '/products/:id', auth: false };
  if (method === 'GET' && pathname === '/me') return { route: '/me', auth: true };
  if ((method === 'GET' || method === 'POST') && pathname === '/orders') return { route: '/orders', auth: true };
  return undefined;
}

/** How the stand-in misbehaves, for tests of what a run says about it. */
export interface ApiTargetOptions {
  /** Answer POST /auth/login after this long (a slow password check). */
  loginDelayMs?: number;
  /** Answer POST /auth/login with this status and a plain-text line instead of a token. */
  loginStatus?: number;
  /** Answer this share of the mix requests with 500 (every 1/share-th one). */
  errorShare?: number;
  /** Answer every mix request after this long (a latency above engines' millisecond resolution). */
  delayMs?: number;
}

export function startApiTarget(options: ApiTargetOptions = {}): Promise<ApiTarget> {
  let served = 0;
  const counts = new Map<string, number>();
  const issued = new Set<string>();
  let nextToken = 0;
  const target = {
    url: '',
    counts,
    unauthorized: 0,
    mixCount: () => [...counts].filter(([key]) => key !== 'GET /healthz' && key !== 'POST /auth/login').reduce((sum, [, n]) => sum + n, 0),
    logins: () => counts.get('POST /auth/login') ?? 0,
    reset: () => {
      counts.clear();
      target.unauthorized = 0;
    },
    close: async (): Promise<void> => undefined,
  } satisfies ApiTarget;

  const handle = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    const method = request.method ?? 'GET';
    const { pathname } = new URL(request.url ?? '/', 'http://target.invalid');
    const matched = routeOf(method, pathname);
    const key = `${method} ${matched?.route ?? '<unmatched>'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!matched) return json(response, 404, { error: 'not found' });
    if (matched.auth) {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined || !issued.has(token)) {
        target.unauthorized += 1;
        return json(response, 401, { error: 'unauthorized' });
      }
    }
    if (matched.route !== '/healthz' && matched.route !== '/auth/login' && options.errorShare) {
      served += 1;
      if (served % Math.round(1 / options.errorShare) === 0) return json(response, 500, { error: 'injected failure' });
    }
    switch (matched.route) {
      case '/healthz':
        return json(response, 200, { status: 'ok' });
      case '/auth/login': {
        let email: unknown;
        try {
          email = (JSON.parse(body) as { email?: unknown }).email;
        } catch {
          email = undefined;
        }
        if (typeof email !== 'string') return json(response, 400, { error: 'email required' });
        nextToken += 1;
        const token = `token-${nextToken}`;
        issued.add(token);
        return json(response, 200, { accessToken: token, refreshToken: `refresh-${nextToken}`, user: { email } });
      }
      case '/products':
      case '/products/search':
        return json(response, 200, { items: [{ id: 1, name: 'thing', priceCents: 100 }], page: 1 });
      case '/products/:id':
        return json(response, 200, { id: Number(pathname.split('/')[2]), name: 'thing', priceCents: 100 });
      case '/me':
        return json(response, 200, { id: 1, email: 'user1@capacity.test' });
      default:
        return method === 'POST' ? json(response, 201, { id: 1, status: 'created' }) : json(response, 200, { items: [], page: 1 });
    }
  };

  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const isLogin = request.method === 'POST' && request.url === '/auth/login';
      if (isLogin && options.loginStatus !== undefined) {
        counts.set('POST /auth/login', (counts.get('POST /auth/login') ?? 0) + 1);
        response.writeHead(options.loginStatus, { 'content-type': 'text/plain' }).end('sign-in is not implemented here\nsecond line');
        return;
      }
      const delayMs = isLogin ? options.loginDelayMs : request.url === '/healthz' ? 0 : options.delayMs;
      if (delayMs) setTimeout(() => handle(request, response, body), delayMs);
      else handle(request, response, body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      target.close = () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
      resolve(target);
    });
  });
}
