/**
 * Locust's distributed side of the scenario language (any-api.test.ts covers one worker): with
 * `--workers 2`, `order: unique` rows are split by worker index (worker k of N takes rows k,
 * k + N, ...), so each row is still sent once over the run and the run says when they ran out;
 * a sequential source is shared the same way; the flow's capture chain holds on every worker; and
 * the secret, given through the environment, is in no file of the result folder (the locustfile
 * and every worker's log included) nor in stdout or stderr. A pool of sign-ins reaches both workers
 * (the master gets the tokens in its environment and sends them with each worker's assignment), and
 * no token the server issued is in a file or the output either. Runs are a few seconds at a few req/s.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnyApiServer, type AnyApiServer } from './support/any-api-server.js';
import { expectNowhere, poolScenario, runWithSecret, uniqueScenario, type RunWithFiles } from './support/any-api-runs.js';
import { installedEngines } from './support/engines.js';

const locustSkip = installedEngines.includes('locust') ? undefined : 'Locust is not installed here (bash scripts/setup.sh makes .venv-locust)';
const SECRET = `sk-${Math.random().toString(36).slice(2)}-never-on-disk`;
const ROW_IDS = Array.from({ length: 14 }, (_unused, index) => `u${index + 1}`);
const UNIQUE_ROWS = ['id', ...ROW_IDS].join('\n') + '\n';
const CUSTOMERS = ['id,email', ...[1, 2, 3, 4].map((n) => `c${n},user${n}@any.test`)].join('\n') + '\n';

const FLOW = (url: string): string => `name: any-api-flow-workers
target:
  url: ${url}
  headers: { x-api-key: "{{apiKey}}" }
model: closed
maxUsers: 4
stages:
  - { duration: 5s, target: 4 }
thinkTime: 0.2s
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
  - name: create
    method: POST
    path: /orders
    headers: { authorization: "Bearer {{token}}" }
    body: { json: { customer: "{{customer.id}}" } }
    expectStatus: [201]
    capture: { orderId: { json: id } }
  - name: read
    path: /orders/{{orderId}}
    headers: { authorization: "Bearer {{token}}" }
    checks: [{ status: 200 }, { jsonPath: id, equals: "{{orderId}}" }, { jsonPath: status, equals: open }]
slos: none
requestTimeout: 5s
`;

interface Result {
  totals: { requests: number; errors: number; errorsByKind?: Record<string, number> };
  endpoints: Array<{ name: string; requests: number; errors: number }>;
  engine: { notes: string[] };
  generator?: { workers?: Array<{ requests: number }> };
}

function runWithWorkers(dir: string, file: string): Promise<RunWithFiles<Result>> {
  return runWithSecret<Result>(dir, file, ['--engine', 'locust', '--workers', '2'], SECRET, 'results');
}

/** The secret, and every token the server issued (`tokens`), in no file of the result folder nor in the output. */
async function secretNowhere(run: RunWithFiles<Result>, tokens: string[] = []): Promise<void> {
  // The locustfile and both workers' logs are among the files searched.
  expect(run.files.some((file) => file.endsWith('locustfile.py'))).toBe(true);
  expect(run.files.filter((file) => /locust-worker-\d+\.log$/.test(file)).length).toBe(2);
  await expectNowhere(run, SECRET, tokens);
}

describe('Locust with two workers: the scenario language over workers', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'capacity-any-api-locust-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.skipIf(locustSkip !== undefined)(
    `order unique: each row once over both workers, and the run says they ran out${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`,
    async () => {
      let server: AnyApiServer | undefined;
      try {
        server = await startAnyApiServer(SECRET);
        const dir = await mkdtemp(join(work, 'unique-'));
        await writeFile(join(dir, 'unique.csv'), UNIQUE_ROWS);
        await writeFile(join(dir, 'unique.yaml'), uniqueScenario(server.url, 'any-api-unique-workers', 4, 10));
        const run = await runWithWorkers(dir, 'unique.yaml');
        expect(run.code, run.stderr).toBe(0);
        const ids = server.seen.filter((request) => request.route === 'GET /customers/:id').map((request) => request.id as string);
        // 20 planned arrivals, 14 rows: each row exactly once, then no more requests.
        expect([...ids].sort()).toEqual([...ROW_IDS].sort());
        const result = run.result as Result;
        // Both workers sent rows (their halves of the split).
        expect(result.generator?.workers?.length).toBe(2);
        for (const worker of result.generator?.workers ?? []) expect(worker.requests).toBeGreaterThan(0);
        const notes = result.engine.notes.join('\n');
        expect(notes).toMatch(/rows of row \(order: unique\) ran out/);
        expect(notes).toMatch(/split over the 2 workers/);
        expect(run.stdout).toMatch(/note: the rows of row \(order: unique\) ran out/);
        await secretNowhere(run);
      } finally {
        await server?.close();
      }
    },
    180_000,
  );

  it.skipIf(locustSkip !== undefined)(
    `a flow with a sign-in per user, a capture chain and checks on both workers; sequential rows shared between them${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`,
    async () => {
      let server: AnyApiServer | undefined;
      try {
        server = await startAnyApiServer(SECRET);
        const dir = await mkdtemp(join(work, 'flow-'));
        await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
        await writeFile(join(dir, 'flow.yaml'), FLOW(server.url));
        const run = await runWithWorkers(dir, 'flow.yaml');
        expect(run.code, run.stderr).toBe(0);
        const seen = server.seen;
        expect(seen.filter((request) => request.status === 401 || request.status === 403)).toEqual([]);
        // Sequential rows over two workers: worker 1 draws rows 1 and 3, worker 2 rows 2 and 4
        // (each sign-in and each pass draws its own), so together they use every customer.
        const used = new Set([
          ...seen.filter((request) => request.route === 'POST /login').map((request) => (JSON.parse(request.body) as { email: string }).email.replace(/^user(\d)@any\.test$/, 'c$1')),
          ...seen.filter((request) => request.route === 'POST /orders' && request.status === 201).map((request) => (JSON.parse(request.body) as { customer: string }).customer),
        ]);
        expect([...used].sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
        // The chain: every read names an order created with the same token.
        const reads = seen.filter((request) => request.route === 'GET /orders/:id');
        expect(reads.length).toBeGreaterThan(0);
        for (const read of reads) expect(server.orders.get(read.id as string)).toBe(read.token);
        const result = run.result as Result;
        const byName = new Map(result.endpoints.map((endpoint) => [endpoint.name, endpoint]));
        for (const name of ['login', 'create', 'read']) expect(byName.get(name)?.requests ?? 0, name).toBeGreaterThan(0);
        // The checks held (the server answers each read with its id, status open).
        expect(result.totals.errorsByKind?.['check'] ?? 0).toBe(0);
        expect(result.generator?.workers?.length).toBe(2);
        await secretNowhere(run, [...server.tokens.keys()]);
      } finally {
        await server?.close();
      }
    },
    180_000,
  );

  it.skipIf(locustSkip !== undefined)(
    `a pool of sign-ins reaches both workers through the master, and no token is in a file or the output${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`,
    async () => {
      let server: AnyApiServer | undefined;
      try {
        server = await startAnyApiServer(SECRET);
        const dir = await mkdtemp(join(work, 'pool-'));
        await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
        await writeFile(join(dir, 'pool.yaml'), poolScenario(server.url, 'any-api-pool-workers', 4, 10));
        const run = await runWithWorkers(dir, 'pool.yaml');
        expect(run.code, run.stderr).toBe(0);
        const issued = [...server.tokens.keys()];
        expect(issued.length).toBe(4);
        const orders = server.seen.filter((request) => request.route === 'POST /orders');
        expect(orders.length).toBeGreaterThan(0);
        // Every order carried a pool token (none went out unauthenticated: no 401).
        for (const order of orders) {
          expect(order.status).toBe(201);
          expect(issued).toContain(order.token);
        }
        // Both workers sent orders, so both had the pool (neither has it in a file or its environment).
        const result = run.result as Result;
        expect(result.generator?.workers?.length).toBe(2);
        for (const worker of result.generator?.workers ?? []) expect(worker.requests).toBeGreaterThan(0);
        await secretNowhere(run, issued);
      } finally {
        await server?.close();
      }
    },
    180_000,
  );
});
