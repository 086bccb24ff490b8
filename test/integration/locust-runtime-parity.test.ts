/**
 * The locustfile's port of the scenario language against the runtime the other engines share
 * (runtime-source.ts): the same plan, the same responses in the same order, and each virtual
 * user's requests must come out the same (path and query, headers, body) with the same verdicts
 * (ok, status or check). The generated locustfile is run by the venv's own Python, its functions
 * driven by a small script; no network. Skipped when Locust is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateLocust, LOCUST_VENV } from '../../src/engines/locust/adapter.js';
import { locustfileText } from '../../src/engines/locust/locustfile.js';
import { translateLocust } from '../../src/engines/locust/translate.js';
import { createRuntime, runtimeConfig, sharedCounters } from '../../src/engines/runtime.js';
import type { Plan, PlanRequest } from '../../src/scenarios/types.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const locustSkip = locateLocust(PROJECT_ROOT).available ? undefined : 'Locust is not installed here (bash scripts/setup.sh makes .venv-locust)';
const SECRET = 'parity-secret-value';

const login: PlanRequest = {
  name: 'login',
  method: 'POST',
  path: '/login',
  weight: 1,
  body: { form: { email: '{{customer.email}}', password: "{{password}} & more!*'()" } },
  captures: [{ variable: 'token', json: '$.session.token' }],
};

const flow: PlanRequest[] = [
  {
    name: 'create',
    method: 'POST',
    path: '/customers/{{customer.id}}/orders',
    weight: 1,
    query: { page: '{{page}}', note: 'a b/c' },
    headers: { Authorization: 'Bearer {{token}}', 'X-Client': 'own' },
    body: { json: { customer: '{{customer.id}}', row: '{{customer}}', n: '{{page}}', text: 'n={{page}} é', list: ['{{colour}}', 3, true, null] } },
    expectStatus: [201],
    captures: [
      { variable: 'orderId', json: 'items[0].id' },
      { variable: 'where', header: 'location' },
      { variable: 'ref', regex: 'ref-(?<num>\\d+)' },
    ],
    thinkTimeS: 0.25,
  },
  {
    name: 'read',
    method: 'GET',
    path: '/orders/{{orderId}}',
    weight: 1,
    headers: { authorization: 'Bearer {{token}}', 'x-where': '{{where}}', 'x-ref': '{{ref}}' },
    checks: [{ status: [200] }, { jsonPath: 'id', exists: true, equals: '{{orderId}}' }, { bodyContains: 'open' }],
  },
  { name: 'raw', method: 'PUT', path: '/notes', weight: 1, body: { raw: 'order {{orderId}} for {{customer.email}}', contentType: 'text/plain' }, checks: [{ jsonPath: 'missing', exists: false }] },
  { name: 'never', method: 'GET', path: '/customers/{{customer.id}}', weight: 1, captures: [{ variable: 'nothing', json: 'not.here' }] },
];

const plan: Plan = {
  scenario: 'parity',
  model: 'closed',
  baseUrl: 'http://127.0.0.1:9',
  startTarget: 1,
  stages: [{ durationS: 1, target: 1 }],
  thinkTimeS: 0.5,
  maxUsers: 1,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: flow,
  flow: true,
  auth: { login, per: 'user', poolSize: 0 },
  headers: { 'x-api-key': '{{apiKey}}', 'x-client': 'default' },
  variables: [
    { name: 'apiKey', kind: 'env', env: 'PARITY_SECRET' },
    { name: 'password', kind: 'env', env: 'PARITY_SECRET' },
    { name: 'customer', kind: 'data', format: 'csv', file: '/unused.csv', order: 'sequential' },
    { name: 'page', kind: 'range', low: 5, high: 7, order: 'sequential' },
    { name: 'colour', kind: 'list', values: ['red', 'green'] },
  ],
  slos: [],
  totalDurationS: 1,
  peakTarget: 1,
};

const rows = { customer: [{ id: 'c1', email: 'a+1@x.test' }, { id: 'c2', email: 'b 2@x.test' }, { id: 'c3', email: 'c@x.test' }] };

interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The target's answers, by request name and how many of that name came before (the 5th read is refused: a 401). */
function respond(name: string, count: number, orderId: string): Response {
  if (name === 'login') return { status: 200, headers: {}, body: JSON.stringify({ session: { token: `tok-${count}` } }) };
  if (name === 'create') {
    const id = `o-${count}`;
    return { status: 201, headers: { location: `/orders/${id}` }, body: JSON.stringify({ items: [{ id }], note: `ref-${40 + count}` }) };
  }
  if (name === 'read') {
    if (count === 4) return { status: 401, headers: {}, body: 'expired' };
    // Every third read answers a different id: its equals check fails.
    return { status: 200, headers: {}, body: JSON.stringify({ id: count % 3 === 2 ? 'other' : orderId, state: 'open' }) };
  }
  return { status: 200, headers: {}, body: '{"ok":true}' };
}

interface Step {
  user: number;
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
  ok: boolean;
  kind: string | null;
}

/** Two users taking turns, through the JavaScript runtime; the responses it got, for Python to replay. */
function runJavaScript(sends: number): { steps: Step[]; responses: Response[] } {
  const runtime = createRuntime(runtimeConfig(plan, rows as never, { PARITY_SECRET: SECRET }), { random: () => 0, next: sharedCounters() });
  const users = [runtime.newUser(), runtime.newUser()];
  const counts = new Map<string, number>();
  const steps: Step[] = [];
  const responses: Response[] = [];
  for (let index = 0; index < sends; index += 1) {
    const which = index % users.length;
    const user = users[which]!;
    const request = runtime.next(user);
    const built = runtime.build(user, request);
    const count = counts.get(request.name) ?? 0;
    counts.set(request.name, count + 1);
    const response = respond(request.name, count, String(user.captured['orderId'] ?? ''));
    responses.push(response);
    const outcome = runtime.receive(user, request, response.status, (name) => response.headers[name.toLowerCase()], response.body);
    steps.push({ user: which, name: built.name, method: built.method, path: built.path, headers: built.headers, body: built.body ?? null, ok: outcome.ok, kind: outcome.kind ?? null });
  }
  return { steps, responses };
}

const DRIVER = `
import json, random, runpy, sys
module = runpy.run_path(sys.argv[1])
random.random = lambda: 0.0
responses = json.load(open(sys.argv[2]))
users = [module["new_user"](), module["new_user"]()]
steps = []
for index, response in enumerate(responses):
    which = index % len(users)
    user = users[which]
    request = module["next_request"](user)
    path, headers, body = module["build"](user, request)
    ok, kind, _problem = module["receive"](user, request, response["status"], {k.lower(): v for k, v in response["headers"].items()}, response["body"])
    steps.append({"user": which, "name": request["name"], "method": request["method"], "path": path, "headers": headers, "body": None if body is None else body.decode("utf-8"), "ok": ok, "kind": kind})
print(json.dumps(steps))
`;

describe('the locustfile runs the scenario language as the shared runtime does', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'capacity-locust-parity-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.skipIf(locustSkip !== undefined)(
    `sign-in per user (again after a 401), flow steps in order, templates, sequential rows and ranges, captures and checks: request for request${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`,
    async () => {
      const expected = runJavaScript(40);
      // The run covers what it claims: sign-ins (one again after the 401), each check kind failing.
      expect(expected.steps.filter((step) => step.name === 'login').length).toBe(3);
      expect(expected.steps.filter((step) => step.kind === 'check').map((step) => step.name)).toEqual(expect.arrayContaining(['read', 'never']));
      expect(expected.steps.some((step) => step.kind === 'status')).toBe(true);
      // The captures took values (header, JSON path, named regex group) that later steps sent.
      expect(expected.steps.find((step) => step.name === 'read')?.headers).toMatchObject({ 'x-where': '/orders/o-0', 'x-ref': '40' });

      const locustfile = path.join(work, 'locustfile.py');
      await writeFile(locustfile, locustfileText({ ...translateLocust(plan).config, rows }));
      await writeFile(path.join(work, 'responses.json'), JSON.stringify(expected.responses));
      await writeFile(path.join(work, 'driver.py'), DRIVER);
      const python = spawnSync(path.join(PROJECT_ROOT, LOCUST_VENV, 'bin', 'python'), [path.join(work, 'driver.py'), locustfile, path.join(work, 'responses.json')], {
        cwd: work,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PARITY_SECRET: SECRET },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(python.status, python.stderr).toBe(0);
      const actual = JSON.parse(python.stdout.trim().split('\n').at(-1) ?? '[]') as Step[];
      expect(actual).toEqual(expected.steps);
    },
    90_000,
  );

  it.skipIf(locustSkip !== undefined)(`a secret missing from a host's environment stops the locustfile with exit 2, naming it${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`, async () => {
    const locustfile = path.join(work, 'missing-secret.py');
    await writeFile(locustfile, locustfileText({ ...translateLocust(plan).config, rows }));
    const python = spawnSync(path.join(PROJECT_ROOT, LOCUST_VENV, 'bin', 'python'), [locustfile], { cwd: work, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, encoding: 'utf8', timeout: 60_000 });
    expect(python.status).toBe(2);
    expect(python.stderr).toContain('environment variable PARITY_SECRET (variables.apiKey) is not set on this host');
  }, 90_000);

  it.skipIf(locustSkip !== undefined)(`a capture regex Python's re cannot take stops the locustfile with exit 2, naming the step and the capture${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`, async () => {
    const locustfile = path.join(work, 'bad-regex.py');
    // [^] (any character) is JavaScript only.
    const steps = flow.map((step) => (step.name === 'create' ? { ...step, captures: [{ variable: 'ref', regex: 'ref-([^]+)' }] } : step));
    await writeFile(locustfile, locustfileText({ ...translateLocust({ ...plan, requests: steps }).config, rows }));
    const python = spawnSync(path.join(PROJECT_ROOT, LOCUST_VENV, 'bin', 'python'), [locustfile], { cwd: work, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PARITY_SECRET: SECRET }, encoding: 'utf8', timeout: 60_000 });
    expect(python.status).toBe(2);
    expect(python.stderr).toContain(`capacity: create: capture ref: regex "ref-([^]+)" is not valid in Python's re`);
  }, 90_000);
});
