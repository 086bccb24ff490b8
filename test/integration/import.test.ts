/**
 * `capacity import` end to end: what users bring (a HAR that Chromium recorded on a page of a
 * test server, an OpenAPI 3 document, Artillery scripts) becomes a scenario that validates and
 * runs with autocannon against the same server on loopback, which counts what arrives
 * (method and path, the headers that carry secrets, the ids it handed out).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCapacity } from './support/cli.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/importers/', import.meta.url));
const SECRET_TOKEN = 'import-test-bearer-3f9c1e';
const SECRET_KEY = 'import-test-api-key-77ab';

/** The page Chromium browses: it calls a few API routes in order, then says it is done (no favicon fetch). */
const PAGE = `<!doctype html><html><head><title>loading</title><link rel="icon" href="data:,"></head><body><script>
(async () => {
  await fetch('/api/items?page=1');
  const created = await fetch('/api/items', { method: 'POST', headers: { 'content-type': 'application/json', 'x-client': 'page' }, body: JSON.stringify({ name: 'lamp' }) });
  const { id } = await created.json();
  await fetch('/api/items/' + id);
  await fetch('/api/items/' + id, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'desk lamp' }) });
  await fetch('/api/items/' + id, { method: 'DELETE' });
  document.title = 'done';
})();
</script></body></html>`;

interface Seen {
  /** "METHOD /path" (no query) -> requests. */
  routes: Map<string, number>;
  headers: Array<Record<string, string | string[] | undefined>>;
  bodies: string[];
  created: Set<number>;
  readBack: number[];
  logins: string[];
}

function startTarget(): Promise<{ server: Server; url: string; seen: Seen; reset(): void }> {
  const seen: Seen = { routes: new Map(), headers: [], bodies: [], created: new Set(), readBack: [], logins: [] };
  let nextId = 100;
  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
  };
  const handle = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const method = request.method ?? 'GET';
    if (url.pathname === '/healthz') return json(response, 200, { status: 'ok' });
    const key = `${method} ${url.pathname}`;
    seen.routes.set(key, (seen.routes.get(key) ?? 0) + 1);
    seen.headers.push(request.headers);
    seen.bodies.push(body);
    if (method === 'GET' && url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    if (method === 'GET' && url.pathname === '/favicon.ico') return json(response, 404, {});
    if (method === 'POST' && (url.pathname === '/api/items' || url.pathname === '/items')) {
      nextId += 1;
      seen.created.add(nextId);
      return json(response, 201, { id: nextId, name: 'lamp' });
    }
    const item = /^\/(?:api\/)?items\/(\d+)$/.exec(url.pathname);
    if (item && method === 'GET') {
      seen.readBack.push(Number(item[1]));
      return json(response, 200, { id: Number(item[1]), name: 'lamp' });
    }
    if (method === 'POST' && url.pathname === '/auth/login') {
      const user = (JSON.parse(body || '{}') as { username?: string }).username ?? '';
      seen.logins.push(user);
      return json(response, 200, { token: `token-${user}` }, { 'x-request-id': `rq-${seen.logins.length}` });
    }
    if (method === 'GET' && url.pathname === '/orders') return json(response, 200, { total: 3, items: [] });
    return json(response, 200, { ok: true });
  };
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handle(request, response, body));
  });
  const reset = () => {
    seen.routes.clear();
    seen.headers.length = 0;
    seen.bodies.length = 0;
    seen.created.clear();
    seen.readBack.length = 0;
    seen.logins.length = 0;
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, reset })));
}

let work: string;
let target: Awaited<ReturnType<typeof startTarget>>;
const env = () => ({ ...process.env, PETSTORE_AUTH: SECRET_TOKEN, API_KEY: SECRET_KEY, SHOP_API_KEY: SECRET_KEY, API_TOKEN: SECRET_TOKEN });
const cli = (args: string[]) => runCapacity(args, { cwd: work, env: env(), now: () => new Date() });

async function resultOf(resultsDir: string): Promise<{ totals: { requests: number; errors: number }; endpoints: Array<{ name: string; requests: number; errors: number }> }> {
  const [id] = await readdir(resultsDir);
  return JSON.parse(await readFile(join(resultsDir, id as string, 'result.json'), 'utf8'));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'capacity-import-'));
  target = await startTarget();
});

afterAll(async () => {
  target?.server.close();
  if (work) await rm(work, { recursive: true, force: true });
});

beforeEach(() => target.reset());

describe('import har', () => {
  it('imports what Chromium recorded on a page and sends the same requests', async () => {
    const { chromium } = await import('playwright-core');
    const harFile = join(work, 'browse.har');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ recordHar: { path: harFile }, extraHTTPHeaders: { authorization: `Bearer ${SECRET_TOKEN}` } });
      const page = await context.newPage();
      await page.goto(`${target.url}/`);
      await page.waitForFunction("document.title === 'done'", undefined, { timeout: 30_000 });
      await context.close();
    } finally {
      await browser.close();
    }
    const recorded = new Set(target.seen.routes.keys());
    expect(recorded).toEqual(new Set(['GET /', 'GET /api/items', 'POST /api/items', 'GET /api/items/101', 'PUT /api/items/101', 'DELETE /api/items/101']));

    const imported = await cli(['import', 'har', harFile, '--out', join(work, 'browse.yaml')]);
    expect(imported.code, imported.stderr).toBe(0);
    const yaml = await readFile(join(work, 'browse.yaml'), 'utf8');
    // The recorded bearer token is a credential: read from the environment, never written.
    expect(yaml).not.toContain(SECRET_TOKEN);
    expect(yaml).toContain('Bearer {{API_TOKEN}}');
    expect(imported.stderr).toContain('headers the HTTP client or browser sets by itself were left out');

    target.reset();
    const resultsDir = join(work, 'results-har');
    const run = await cli(['run', '--scenario', join(work, 'browse.yaml'), '--engine', 'autocannon', '--target', target.url, '--users', '2', '--duration', '4s', '--quiet', '--results-dir', resultsDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(target.seen.routes.keys())).toEqual(recorded);
    // Each user replays the whole recording, step after step: every route as often as the others
    // (give or take the flows cut off at the end and between the engine's load steps).
    const counts = [...target.seen.routes.values()];
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect((Math.max(...counts) - Math.min(...counts)) / Math.max(...counts)).toBeLessThan(0.01);
    expect(target.seen.headers.every((headers) => headers.authorization === `Bearer ${SECRET_TOKEN}`)).toBe(true);
    const putBodies = target.seen.bodies.filter((body) => body.includes('desk lamp'));
    expect(putBodies.length).toBe(target.seen.routes.get('PUT /api/items/101'));
    const result = await resultOf(resultsDir);
    // The engine counts what was answered before the end (requests cut off at the end are not).
    const served = counts.reduce((a, b) => a + b, 0);
    expect(result.totals.requests).toBeLessThanOrEqual(served);
    expect(result.totals.requests).toBeGreaterThanOrEqual(served * 0.999 - 2);
  });

  it('refuses a file that is not a HAR with what is wrong and where (exit 2), before writing anything', async () => {
    const notHar = join(work, 'not-a.har');
    await writeFile(notHar, '\n<html>\n');
    const run = await cli(['import', 'har', notHar, '--out', join(work, 'never.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${notHar}:2:1: a HAR file is a JSON object starting with "{"`);
    const noEntries = join(work, 'no-entries.har');
    await writeFile(noEntries, '{\n  "log": {\n    "version": "1.2"\n  }\n}\n');
    const second = await cli(['import', 'har', noEntries]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`${noEntries}:2:10: log.entries: missing the list of recorded requests`);
    await expect(readFile(join(work, 'never.yaml'))).rejects.toThrow();
  });

  it('never replaces an existing --out file (exit 2)', async () => {
    const existing = join(work, 'existing.yaml');
    await writeFile(existing, 'mine\n');
    const run = await cli(['import', 'openapi', join(FIXTURES, 'petstore.openapi.yaml'), '--out', existing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('already exists: import never replaces a file');
    expect(await readFile(existing, 'utf8')).toBe('mine\n');
  });
});

describe('import openapi', () => {
  it('turns the pet shop document into a scenario that validates and loads every operation with its secrets', async () => {
    const out = join(work, 'petstore.yaml');
    const imported = await cli(['import', 'openapi', join(FIXTURES, 'petstore.openapi.yaml'), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('request body of addPet has no example');
    const plan = await cli(['plan', '--scenario', out, '--target', target.url]);
    expect(plan.code, plan.stderr).toBe(0);

    const resultsDir = join(work, 'results-openapi');
    // Closed, 4 users without think time: enough requests that each of the 11 operations (picked at
    // random by weight) is sent, whatever pace this shared machine allows.
    const run = await cli(['run', '--scenario', out, '--engine', 'autocannon', '--target', target.url, '--set', 'model=closed', '--users', '4', '--duration', '4s', '--quiet', '--results-dir', resultsDir]);
    expect(run.code, run.stderr).toBe(0);
    const expected = ['POST /api/v3/pet', 'PUT /api/v3/pet', 'GET /api/v3/pet/findByStatus', 'GET /api/v3/pet/10', 'DELETE /api/v3/pet/10', 'HEAD /api/v3/pet/10', 'GET /api/v3/store/inventory', 'POST /api/v3/store/order', 'GET /api/v3/store/order/3', 'GET /api/v3/user/login', 'GET /api/v3/user/theUser'];
    expect(new Set(target.seen.routes.keys())).toEqual(new Set(expected));
    const bearer = target.seen.headers.filter((headers) => headers.authorization === `Bearer ${SECRET_TOKEN}`).length;
    const keyed = target.seen.headers.filter((headers) => headers.api_key === SECRET_KEY).length;
    expect(bearer).toBe(['POST /api/v3/pet', 'PUT /api/v3/pet', 'DELETE /api/v3/pet/10'].reduce((sum, key) => sum + (target.seen.routes.get(key) ?? 0), 0));
    expect(keyed).toBe((target.seen.routes.get('GET /api/v3/pet/10') ?? 0) + (target.seen.routes.get('GET /api/v3/store/inventory') ?? 0));
    // The secrets reached the server through the environment and nowhere on disk.
    for (const file of await readdir(join(resultsDir, (await readdir(resultsDir))[0] as string), { recursive: true })) {
      const text = await readFile(join(resultsDir, (await readdir(resultsDir))[0] as string, String(file)), 'utf8').catch(() => '');
      expect(text.includes(SECRET_TOKEN) || text.includes(SECRET_KEY), String(file)).toBe(false);
    }
    expect((await readFile(out, 'utf8')).includes(SECRET_TOKEN)).toBe(false);
    for (const text of [run.stdout, run.stderr, imported.stdout, imported.stderr]) {
      expect(text.includes(SECRET_TOKEN) || text.includes(SECRET_KEY)).toBe(false);
    }
  });
});

describe('import artillery', () => {
  it('runs a flow that creates an item, captures its id and reads it back, with the expect checks', async () => {
    const out = join(work, 'load-items.yaml');
    const imported = await cli(['import', 'artillery', join(FIXTURES, 'load-items.artillery.yml'), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const resultsDir = join(work, 'results-items');
    const run = await cli(['run', '--scenario', out, '--engine', 'autocannon', '--target', target.url, '--users', '2', '--duration', '4s', '--quiet', '--results-dir', resultsDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(target.seen.created.size).toBeGreaterThan(0);
    // Every read names an id the server handed out: the capture chain worked.
    expect(target.seen.readBack.length).toBeGreaterThan(0);
    for (const id of target.seen.readBack) expect(target.seen.created.has(id)).toBe(true);
    expect(target.seen.headers.every((headers) => headers['x-client'] === 'capacity-import-test')).toBe(true);
    const result = await resultOf(resultsDir);
    expect(result.totals.errors).toBe(0);
  });

  it('signs users in from the CSV payload in order, with the API key from the environment', async () => {
    const dir = await mkdtemp(join(work, 'csv-'));
    await copyFile(join(FIXTURES, 'login-csv.artillery.yml'), join(dir, 'login.yml'));
    await copyFile(join(FIXTURES, 'users.csv'), join(dir, 'users.csv'));
    const outDir = await mkdtemp(join(work, 'csv-out-'));
    const out = join(outDir, 'login.yaml');
    const imported = await cli(['import', 'artillery', join(dir, 'login.yml'), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    // The payload, written beside the scenario with the header row the scenario language reads.
    expect(await readFile(join(outDir, 'users.csv'), 'utf8')).toBe('username,password\nalice,pw-alice\nbob,pw-bob\ncarol,pw-carol\n');
    const run = await cli(['run', '--scenario', out, '--engine', 'autocannon', '--target', target.url, '--users', '2', '--duration', '4s', '--quiet', '--results-dir', join(work, 'results-csv')]);
    expect(run.code, run.stderr).toBe(0);
    expect(target.seen.logins.length).toBeGreaterThan(2);
    // sequential: rows in file order, shared by all users, wrapping.
    const rows = ['alice', 'bob', 'carol'];
    target.seen.logins.forEach((user, index) => expect(user).toBe(rows[index % 3]));
    const loginHeaders = target.seen.headers.filter((headers) => headers['x-api-key'] !== undefined);
    expect(loginHeaders.length).toBe(target.seen.logins.length);
    expect(loginHeaders.every((headers) => headers['x-api-key'] === SECRET_KEY)).toBe(true);
    const ordersAuth = target.seen.headers.filter((headers) => typeof headers.authorization === 'string').map((headers) => headers.authorization);
    for (const header of ordersAuth) expect(header).toMatch(/^Bearer token-(alice|bob|carol)$/);
  });

  it('prints the scenario and what was not translated as JSON with --json', async () => {
    const run = await cli(['import', 'artillery', join(FIXTURES, 'load-items.artillery.yml'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { scenario: { flow: Array<{ name: string }> }; untranslated: string[] };
    expect(printed.scenario.flow.map((step) => step.name)).toEqual(['post-items', 'get-items-itemId']);
    expect(printed.untranslated.some((line) => line.includes('expect contentType not translated'))).toBe(true);
  });

  it('runs several weighted scenarios as one mix', async () => {
    const out = join(work, 'browse-mix.yaml');
    const imported = await cli(['import', 'artillery', join(FIXTURES, 'browse-mix.artillery.yml'), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('engine socketio not translated');
    // Closed, without think time: thousands of requests, so the shares are stable.
    const run = await cli(['run', '--scenario', out, '--engine', 'autocannon', '--target', target.url, '--set', 'model=closed', '--users', '4', '--duration', '4s', '--quiet', '--results-dir', join(work, 'results-mix')]);
    expect(run.code, run.stderr).toBe(0);
    const search = target.seen.routes.get('GET /search') ?? 0;
    const others = ['GET /', 'GET /items/1', 'GET /items/2'].reduce((sum, key) => sum + (target.seen.routes.get(key) ?? 0), 0);
    expect(new Set(target.seen.routes.keys())).toEqual(new Set(['GET /search', 'GET /', 'GET /items/1', 'GET /items/2']));
    // Weights 3:1 between the scenarios: search is three quarters of the mix.
    expect(search / (search + others)).toBeGreaterThan(0.7);
    expect(search / (search + others)).toBeLessThan(0.8);
  });
});
