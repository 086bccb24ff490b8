import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP API that is not the reference app, on loopback, for the scenario-language tests. It
 * demands `x-api-key: <secret>` (the secret the test hands the run through the environment) on
 * every route but the reachability probe (GET / and /healthz), signs users in at POST /login (a token per sign-in), demands that
 * token as a bearer on /orders, takes customer ids in paths (the test's CSV), and records what
 * every request carried, so the tests hold the engines to what really arrived.
 */
export interface SeenRequest {
  method: string;
  /** Route template: "POST /login", "GET /customers/:id", "POST /orders", "GET /orders/:id". */
  route: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
  status: number;
  /** The id in the path (customers and orders). */
  id?: string;
  /** The bearer token it carried, if any. */
  token?: string;
}

export interface AnyApiServer {
  url: string;
  seen: SeenRequest[];
  /** Every token it issued → the email it was issued to (tokens are unguessable, so a test can grep for them). */
  tokens: Map<string, string>;
  /** Order id → the token that created it. */
  orders: Map<string, string>;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** How the API misbehaves, for the sign-in-again test. */
export interface AnyApiOptions {
  /** A token is good for this many /orders requests, then answers 401 (an expired session). */
  tokenUses?: number;
}

export function startAnyApiServer(secret: string, options: AnyApiOptions = {}): Promise<AnyApiServer> {
  const uses = new Map<string, number>();
  const seen: SeenRequest[] = [];
  const tokens = new Map<string, string>();
  const orders = new Map<string, string>();
  let issued = 0;
  let created = 0;
  const handle = (request: IncomingMessage, response: ServerResponse, body: string): void => {
    const url = new URL(request.url ?? '/', 'http://x');
    const method = request.method ?? 'GET';
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
    const bearer = /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1];
    const record = (route: string, status: number, id?: string): void => {
      seen.push({ method, route, path: `${url.pathname}${url.search}`, headers, body, status, ...(id === undefined ? {} : { id }), ...(bearer === undefined ? {} : { token: bearer }) });
    };
    // capacity's reachability probe before the load (not part of a scenario): answered, not recorded.
    if (method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/')) return send(response, 200, { ok: true });
    if (headers['x-api-key'] !== secret) {
      record(`${method} ${url.pathname}`, 403);
      return send(response, 403, { error: 'api key' });
    }
    if (method === 'POST' && url.pathname === '/login') {
      let email: unknown;
      try {
        email = (JSON.parse(body) as { email?: unknown }).email;
      } catch {
        email = undefined;
      }
      if (typeof email !== 'string' || email === '') {
        record('POST /login', 400);
        return send(response, 400, { error: 'email' });
      }
      issued += 1;
      const token = `tok-${issued}-${randomBytes(8).toString('hex')}`;
      tokens.set(token, email);
      record('POST /login', 200);
      return send(response, 200, { accessToken: token, user: { email } });
    }
    const customer = /^\/customers\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && customer) {
      record('GET /customers/:id', 200, decodeURIComponent(customer[1] as string));
      return send(response, 200, { id: decodeURIComponent(customer[1] as string) });
    }
    if (url.pathname.startsWith('/orders')) {
      const used = bearer === undefined ? 0 : (uses.get(bearer) ?? 0);
      if (bearer !== undefined) uses.set(bearer, used + 1);
      const expired = options.tokenUses !== undefined && used >= options.tokenUses;
      if (!bearer || !tokens.has(bearer) || expired) {
        record(method === 'POST' ? 'POST /orders' : 'GET /orders/:id', 401);
        return send(response, 401, { error: 'sign in' });
      }
      if (method === 'POST' && url.pathname === '/orders') {
        created += 1;
        const id = `o${created}`;
        orders.set(id, bearer);
        record('POST /orders', 201, id);
        return send(response, 201, { id, status: 'open', ref: `ref-${created}` }, { location: `/orders/${id}` });
      }
      const order = /^\/orders\/([^/]+)$/.exec(url.pathname);
      if (method === 'GET' && order) {
        const id = decodeURIComponent(order[1] as string);
        const known = orders.has(id);
        record('GET /orders/:id', known ? 200 : 404, id);
        return known ? send(response, 200, { id, status: 'open', owner: tokens.get(orders.get(id) as string) }) : send(response, 404, { error: 'no such order' });
      }
    }
    record(`${method} ${url.pathname}`, 404);
    return send(response, 404, { error: 'not found' });
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  // Engines keep connections open; close them with the server.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        tokens,
        orders,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
