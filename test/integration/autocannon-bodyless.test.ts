/**
 * autocannon in the open model against a fast loopback API whose answers include some without a
 * body (HEAD, 204): a flow with a capture and checks (a virtual user per connection) and a plain
 * weighted mix (the prebuilt rotation) each send at least 90 % of a modest planned rate, with no
 * timeouts. Before responses without a body were skipped in autocannon's parser, each such answer
 * held its connection until the request timeout, and these runs sent well under a tenth of the plan.
 * The bound is a behaviour with a wide margin (20 req/s on a machine that does thousands), not a speed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../src/engines/index.js';
import type { Plan, PlanRequest } from '../../src/scenarios/types.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RATE = 20;
const DURATION_S = 4;
const SECRET = 'bodyless-test-key';

/** Requests the server answered, by method. */
const answered = new Map<string, number>();
let server: Server;
let baseUrl: string;
let work: string;

function startApi(): Promise<Server> {
  let nextId = 0;
  const api = createServer((request, response) => {
    const method = request.method ?? 'GET';
    answered.set(method, (answered.get(method) ?? 0) + 1);
    const url = request.url ?? '/';
    if (method === 'DELETE') {
      response.writeHead(204).end();
      return;
    }
    const id = url === '/orders/new' ? `o${(nextId += 1)}` : url.replace(/^\/orders\//, '');
    const body = JSON.stringify({ id, status: 'open' });
    // A HEAD answer announces the length of the body it does not send.
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) => api.listen(0, '127.0.0.1', () => resolve(api)));
}

function openPlan(name: string, requests: PlanRequest[], extra: Partial<Plan>): Plan {
  return {
    scenario: name,
    model: 'open',
    baseUrl,
    startTarget: RATE,
    stages: [{ durationS: DURATION_S, target: RATE }],
    thinkTimeS: 0,
    maxUsers: 3,
    requestTimeoutS: 5,
    intervalS: 1,
    requests,
    slos: [],
    totalDurationS: DURATION_S,
    peakTarget: RATE,
    ...extra,
  };
}

async function runAutocannon(plan: Plan): Promise<{ requests: number; errors: number; timeouts: number }> {
  const outDir = await mkdtemp(join(work, `${plan.scenario}-`));
  const output = await getEngine('autocannon').run({ plan, outDir, signal: new AbortController().signal, projectRoot: PROJECT_ROOT, env: { BODYLESS_KEY: SECRET } });
  return { requests: output.totals.requests, errors: output.totals.errors, timeouts: output.totals.errorsByKind?.timeout ?? 0 };
}

describe('autocannon, open model, answers without a body', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'capacity-bodyless-'));
    server = await startApi();
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a flow with a capture, checks, a HEAD and a 204 step sends at least 90 % of its planned rate', async () => {
    answered.clear();
    const plan = openPlan(
      'bodyless-flow',
      [
        { name: 'create', method: 'GET', path: '/orders/new', weight: 1, captures: [{ variable: 'id', json: 'id' }] },
        { name: 'read', method: 'GET', path: '/orders/{{id}}', weight: 1, checks: [{ status: [200] }, { jsonPath: 'id', exists: true, equals: '{{id}}' }] },
        { name: 'exists', method: 'HEAD', path: '/orders/{{id}}', weight: 1, headers: { 'x-api-key': '{{apiKey}}' } },
        { name: 'remove', method: 'DELETE', path: '/orders/{{id}}', weight: 1, expectStatus: [204] },
      ],
      { flow: true, variables: [{ name: 'apiKey', kind: 'env', env: 'BODYLESS_KEY' }] },
    );
    const run = await runAutocannon(plan);
    expect(run.timeouts).toBe(0);
    expect(run.errors).toBe(0);
    expect(run.requests).toBeGreaterThanOrEqual(0.9 * RATE * DURATION_S);
    expect(answered.get('HEAD') ?? 0).toBeGreaterThan(0);
    expect(answered.get('DELETE') ?? 0).toBeGreaterThan(0);
  });

  it('a plain weighted mix with a variable from a list and a HEAD request sends at least 90 % of its planned rate', async () => {
    answered.clear();
    const plan = openPlan(
      'bodyless-mix',
      [
        { name: 'read', method: 'GET', path: '/orders/{{item}}', weight: 3 },
        { name: 'exists', method: 'HEAD', path: '/orders/{{item}}', weight: 1 },
      ],
      { variables: [{ name: 'item', kind: 'list', values: ['a', 'b', 'c'] }] },
    );
    const run = await runAutocannon(plan);
    expect(run.timeouts).toBe(0);
    expect(run.errors).toBe(0);
    expect(run.requests).toBeGreaterThanOrEqual(0.9 * RATE * DURATION_S);
    expect(answered.get('HEAD') ?? 0).toBeGreaterThan(0);
  });
});
