/**
 * The scenario language against an API that is not the reference app (support/any-api-server.ts):
 * an API key from an environment secret on every route, a sign-in per virtual user whose token
 * later steps send (and signs in again after a 401), customers from a CSV, and a capture chain (create an order, read it back by
 * the id and Location the response gave). The server records what every request carried; the
 * tests hold each engine to that record, and grep every file of the result folder, stdout and
 * stderr for the secret. Bad input (unknown variable, missing environment variable, bad CSV)
 * exits 2 before any load, naming the file and line. Runs are a few seconds at a few req/s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnyApiServer, type AnyApiServer } from './support/any-api-server.js';
import { expectNowhere, poolScenario, runWithSecret, uniqueScenario, type RunWithFiles } from './support/any-api-runs.js';
import { runCapacity } from './support/cli.js';
import { k6SkipReason } from './support/k6.js';
import { installedEngines } from './support/engines.js';

const SECRET = `sk-${Math.random().toString(36).slice(2)}-never-on-disk`;
const locustSkip = installedEngines.includes('locust') ? undefined : 'Locust is not installed here (bash scripts/setup.sh makes .venv-locust)';
const ENGINES: Array<{ name: string; skip?: string }> = [
  { name: 'autocannon' },
  { name: 'artillery' },
  { name: 'k6', ...(k6SkipReason ? { skip: k6SkipReason } : {}) },
  { name: 'locust', ...(locustSkip ? { skip: locustSkip } : {}) },
];

const CUSTOMERS = ['id,email,tag', ...[1, 2, 3, 4, 5].map((n) => `c${n},user${n}@any.test,t${n}`)].join('\n') + '\n';
const UNIQUE_ROWS = ['id', ...Array.from({ length: 12 }, (_unused, index) => `u${index + 1}`)].join('\n') + '\n';

const FLOW = (url: string): string => `name: any-api-flow
target:
  url: ${url}
  headers: { x-api-key: "{{apiKey}}", x-client: capacity-test }
model: open
maxUsers: 4
stages:
  - { duration: 4s, target: 12 }
variables:
  apiKey: { env: ANY_API_SECRET }
  customer: { csv: customers.csv, order: sequential }
auth:
  per: user
  login:
    path: /login
    body: { json: { email: "{{customer.email}}" } }
    capture: { token: { json: accessToken } }
flow:
  - name: visit
    path: /customers/{{customer.id}}
    query: { tag: "{{customer.tag}}" }
    checks: [{ jsonPath: id, equals: "{{customer.id}}" }]
  - name: create
    method: POST
    path: /orders
    headers: { authorization: "Bearer {{token}}" }
    body: { json: { customer: "{{customer.id}}" } }
    expectStatus: [201]
    capture:
      orderId: { json: id }
      where: { header: location }
      ref: { regex: 'ref-(\\d+)' }
  - name: read
    path: /orders/{{orderId}}
    headers: { authorization: "Bearer {{token}}", x-ref: "{{ref}}", x-where: "{{where}}" }
    checks: [{ status: 200 }, { jsonPath: id, equals: "{{orderId}}" }, { bodyContains: open }]
  - name: never
    path: /customers/{{customer.id}}
    capture: { missing: { json: nothing.here } }
slos: none
requestTimeout: 5s
`;

interface Result {
  totals: { requests: number; errors: number; errorsByKind?: Record<string, number> };
  endpoints: Array<{ name: string; requests: number; errors: number }>;
  engine: { notes: string[] };
}

/** Runs a scenario file on one engine with the secret in the environment; the result and every file it left. */
function runScenario(dir: string, file: string, engine: string): Promise<RunWithFiles<Result>> {
  return runWithSecret<Result>(dir, file, ['--engine', engine], SECRET, `results-${engine}-${file.replace(/\W/g, '')}`);
}

/** The secret, and every token the server issued (`tokens`), in no file of the result folder nor in the output. */
function secretNowhere(run: RunWithFiles<Result>, tokens: string[] = []): Promise<void> {
  return expectNowhere(run, SECRET, tokens);
}

describe('the scenario language against an API that is not the reference app', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'capacity-any-api-'));
    await writeFile(join(work, 'customers.csv'), CUSTOMERS);
    await writeFile(join(work, 'unique.csv'), UNIQUE_ROWS);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const engine of ENGINES) {
    const skip = engine.skip ? ` [skipped: ${engine.skip}]` : '';
    it.skipIf(engine.skip !== undefined)(
      `${engine.name}: API key from a secret, per-user sign-in, CSV rows in order, the capture chain and check errors, and the secret nowhere${skip}`,
      async () => {
        let server: AnyApiServer | undefined;
        try {
          server = await startAnyApiServer(SECRET);
          const dir = await mkdtemp(join(work, `${engine.name}-flow-`));
          await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
          await writeFile(join(dir, 'flow.yaml'), FLOW(server.url));
          const run = await runScenario(dir, 'flow.yaml', engine.name);
          expect(run.code, run.stderr).toBe(0);
          const seen = server.seen;
          expect(seen.length).toBeGreaterThan(10);
          // Every request carried the API key (no 403) and the target's default header.
          expect(seen.filter((request) => request.status === 403)).toEqual([]);
          expect(seen.every((request) => request.headers['x-client'] === 'capacity-test')).toBe(true);

          // Sign-ins: emails from the CSV; every order request carried a token the server issued.
          const emails = new Set(CUSTOMERS.trim().split('\n').slice(1).map((line) => line.split(',')[1]));
          const logins = seen.filter((request) => request.route === 'POST /login');
          expect(logins.length).toBeGreaterThan(0);
          for (const login of logins) expect(emails.has((JSON.parse(login.body) as { email: string }).email)).toBe(true);
          expect(seen.filter((request) => request.status === 401)).toEqual([]);

          // Sequential order: rows handed out in turn, so no row is used more than twice as often as another.
          const visits = seen.filter((request) => request.route === 'GET /customers/:id');
          const perRow = new Map<string, number>();
          for (const visit of visits) perRow.set(visit.id as string, (perRow.get(visit.id as string) ?? 0) + 1);
          // The visit step's query came from the same row (the `never` step sends none).
          const withQuery = visits.filter((visit) => visit.path.includes('?'));
          expect(withQuery.length).toBeGreaterThan(0);
          for (const visit of withQuery) expect(visit.path).toBe(`/customers/${visit.id as string}?tag=t${(visit.id as string).slice(1)}`);
          if (visits.length >= 10) {
            expect([...perRow.keys()].sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
            expect(Math.max(...perRow.values()) - Math.min(...perRow.values())).toBeLessThanOrEqual(3);
          }

          // The capture chain: each read names an order the same user created (same token), with
          // the Location header and the regex capture of that create's response.
          const reads = seen.filter((request) => request.route === 'GET /orders/:id');
          expect(reads.length).toBeGreaterThan(0);
          for (const read of reads) {
            expect(read.status, read.path).toBe(200);
            expect(server.orders.get(read.id as string)).toBe(read.token);
            expect(read.headers['x-where']).toBe(`/orders/${read.id as string}`);
            expect(read.headers['x-ref']).toBe((read.id as string).slice(1));
          }
          for (const create of seen.filter((request) => request.route === 'POST /orders')) {
            expect(JSON.parse(create.body)).toMatchObject({ customer: expect.stringMatching(/^c[1-5]$/) });
          }

          // A capture that never matches is a check error of that endpoint; the other checks held.
          const result = run.result as Result;
          const byName = new Map(result.endpoints.map((endpoint) => [endpoint.name, endpoint]));
          const never = byName.get('never');
          expect(never?.requests ?? 0).toBeGreaterThan(0);
          expect(never?.errors).toBe(never?.requests);
          expect(result.totals.errorsByKind?.['check']).toBe(never?.errors);
          for (const name of ['visit', 'create', 'read', 'login']) expect(byName.get(name)?.errors ?? 0, name).toBe(0);

          // Tokens signed in per user stay in the engines too.
          await secretNowhere(run, [...server.tokens.keys()]);
        } finally {
          await server?.close();
        }
      },
      180_000,
    );

    it.skipIf(engine.skip !== undefined)(
      `${engine.name}: order unique sends each CSV row once across all users, and the run says when they ran out${skip}`,
      async () => {
        let server: AnyApiServer | undefined;
        try {
          server = await startAnyApiServer(SECRET);
          const dir = await mkdtemp(join(work, `${engine.name}-unique-`));
          await writeFile(join(dir, 'unique.csv'), UNIQUE_ROWS);
          await writeFile(join(dir, 'unique.yaml'), uniqueScenario(server.url, 'any-api-unique', 2, 8));
          const run = await runScenario(dir, 'unique.yaml', engine.name);
          expect(run.code, run.stderr).toBe(0);
          const ids = server.seen.filter((request) => request.route === 'GET /customers/:id').map((request) => request.id);
          // 32 planned requests, 12 rows: each row exactly once, then no more requests.
          expect([...ids].sort()).toEqual(Array.from({ length: 12 }, (_unused, index) => `u${index + 1}`).sort());
          expect((run.result as Result).engine.notes.join('\n')).toMatch(/rows of row \(order: unique\) ran out/);
          // ...and the run's summary says it, without --verbose.
          expect(run.stdout).toMatch(/note: the rows of row \(order: unique\) ran out/);
          await secretNowhere(run);
        } finally {
          await server?.close();
        }
      },
      180_000,
    );
  }

  for (const engine of ENGINES) {
    it.skipIf(engine.skip !== undefined)(
      `${engine.name}: a pool of sign-ins before the load; its tokens reach the engine through the environment, in no file nor output${engine.skip ? ` [skipped: ${engine.skip}]` : ''}`,
      async () => {
        let server: AnyApiServer | undefined;
        try {
          server = await startAnyApiServer(SECRET);
          const dir = await mkdtemp(join(work, `${engine.name}-pool-`));
          await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
          await writeFile(join(dir, 'pool.yaml'), poolScenario(server.url, 'any-api-pool', 3, 8));
          const run = await runScenario(dir, 'pool.yaml', engine.name);
          expect(run.code, run.stderr).toBe(0);
          // The pool's three sign-ins, and every order carried one of their tokens.
          const logins = server.seen.filter((request) => request.route === 'POST /login');
          expect(logins.length).toBe(3);
          const issued = [...server.tokens.keys()];
          expect(issued.length).toBe(3);
          const orders = server.seen.filter((request) => request.route === 'POST /orders');
          expect(orders.length).toBeGreaterThan(0);
          for (const order of orders) {
            expect(order.status).toBe(201);
            expect(issued).toContain(order.token);
          }
          await secretNowhere(run, issued);
        } finally {
          await server?.close();
        }
      },
      180_000,
    );

    it.skipIf(engine.skip !== undefined)(
      `${engine.name}: a 401 signs the user in again, once, and its next requests carry the new token${engine.skip ? ` [skipped: ${engine.skip}]` : ''}`,
      async () => {
        let server: AnyApiServer | undefined;
        try {
          // Each token is good for one /orders request: the read after a create answers 401.
          server = await startAnyApiServer(SECRET, { tokenUses: 1 });
          const dir = await mkdtemp(join(work, `${engine.name}-401-`));
          await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
          await writeFile(join(dir, 'flow.yaml'), FLOW(server.url));
          const run = await runScenario(dir, 'flow.yaml', engine.name);
          expect(run.code, run.stderr).toBe(0);
          const refused = server.seen.filter((request) => request.status === 401);
          expect(refused.length).toBeGreaterThan(0);
          // After its 401 a token is never sent again: the user signed in and took the new one.
          const perToken = new Map<string, number>();
          for (const request of refused) perToken.set(request.token as string, (perToken.get(request.token as string) ?? 0) + 1);
          expect(Math.max(...perToken.values())).toBe(1);
          for (const request of server.seen.filter((seen) => seen.route.includes('/orders') && seen.status !== 401)) {
            expect(refused.some((earlier) => earlier.token === request.token && server!.seen.indexOf(earlier) < server!.seen.indexOf(request))).toBe(false);
          }
          // Sign-ins: one per user, plus one after each 401 but a last one the run ended before.
          const logins = server.seen.filter((request) => request.route === 'POST /login').length;
          expect(logins).toBeGreaterThanOrEqual(refused.length);
          await secretNowhere(run, [...server.tokens.keys()]);
        } finally {
          await server?.close();
        }
      },
      180_000,
    );
  }

  describe('bad input exits 2 before any load, naming the file and line', () => {
    const plan = (dir: string, file: string, env: Record<string, string | undefined> = { ...process.env, ANY_API_SECRET: SECRET }) =>
      runCapacity(['plan', '--scenario', join(dir, file), '--engine', 'autocannon'], { cwd: dir, env });

    it('an unknown variable, a column the CSV lacks, a missing environment variable (named) and bad CSV files (row and column)', async () => {
      const dir = await mkdtemp(join(work, 'bad-'));
      await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
      const base = FLOW('http://127.0.0.1:9');

      await writeFile(join(dir, 'unknown.yaml'), base.replace('/orders/{{orderId}}', '/orders/{{orderID}}'));
      const unknown = await plan(dir, 'unknown.yaml');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/unknown\.yaml:\d+:\d+ flow\[2\]\.path: unknown variable \{\{orderID\}\}/);

      await writeFile(join(dir, 'column.yaml'), base.replace('{{customer.tag}}', '{{customer.colour}}'));
      const column = await plan(dir, 'column.yaml');
      expect(column.code).toBe(2);
      expect(column.stderr).toMatch(/column\.yaml:\d+:\d+ flow\[0\]\.query\.tag: \{\{customer\.colour\}\}: the data file of customer has no column "colour"/);

      const { ANY_API_SECRET: _unset, ...withoutSecret } = process.env;
      await writeFile(join(dir, 'flow.yaml'), base);
      const missingEnv = await plan(dir, 'flow.yaml', withoutSecret);
      expect(missingEnv.code).toBe(2);
      expect(missingEnv.stderr).toMatch(/flow\.yaml:10:\d+ variables\.apiKey: environment variable ANY_API_SECRET is not set/);

      const csvCases: Array<[string, string, RegExp]> = [
        ['ragged', 'id,email,tag\nc1,a@x,t1\nc2,b@x\n', /ragged\.csv:3:3 row has 2 field\(s\), the header has 3/],
        ['quoted', 'id,email,tag\nc1,"a@x,t1\n', /quoted\.csv:2:4 a quoted field is never closed/],
        ['headeronly', 'id,email,tag\n', /headeronly\.csv:2 no rows after the header row/],
        ['empty', '', /data file empty\.csv is empty/],
      ];
      for (const [name, text, message] of csvCases) {
        await writeFile(join(dir, `${name}.csv`), text);
        await writeFile(join(dir, `${name}.yaml`), base.replace('customers.csv', `${name}.csv`));
        const bad = await plan(dir, `${name}.yaml`);
        expect(bad.code, name).toBe(2);
        expect(bad.stderr, name).toMatch(new RegExp(`${name}\\.yaml:11:\\d+ variables\\.customer`));
        expect(bad.stderr, name).toMatch(message);
      }
      await writeFile(join(dir, 'missing.yaml'), base.replace('customers.csv', 'nowhere.csv'));
      const missing = await plan(dir, 'missing.yaml');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/data file nowhere\.csv does not exist/);
      // `capacity plan` names the secret's variable, never a value.
      const shown = await plan(dir, 'flow.yaml');
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('secret from $ANY_API_SECRET');
      expect(shown.stdout.includes(SECRET)).toBe(false);
    }, 60_000);
  });
});
