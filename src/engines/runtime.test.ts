import { describe, expect, it } from 'vitest';
import type { Plan, PlanRequest } from '../scenarios/types.js';
import { createRuntime, exhaustedSource, planFeatures, runtimeConfig, secretValues, sharedCounters, type Runtime } from './runtime.js';

/**
 * The scenario runtime every engine runs (autocannon in Node, Artillery's processor and k6's
 * script embed the same source): its semantics on plain values.
 */

const base: Plan = {
  scenario: 'api',
  model: 'closed',
  baseUrl: 'http://127.0.0.1:9',
  startTarget: 1,
  stages: [{ durationS: 1, target: 1 }],
  thinkTimeS: 0.5,
  maxUsers: 1,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: [],
  slos: [],
  totalDurationS: 1,
  peakTarget: 1,
};

/** A deterministic random source (Park-Miller). */
function seeded(seed = 7): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

function runtimeFor(plan: Plan, rows: Record<string, unknown[]> = {}, env: Record<string, string> = {}): Runtime {
  return createRuntime(runtimeConfig(plan, rows as never, env), { random: seeded(), next: sharedCounters() });
}

const noHeader = (): undefined => undefined;

describe('scenario runtime: templates and variables', () => {
  it('fills paths (encoded), query, headers (target defaults, the request wins) and a JSON body keeping a number whole', () => {
    const request: PlanRequest = {
      name: 'buy',
      method: 'POST',
      path: '/shops/{{shop}}/orders',
      weight: 1,
      query: { q: '{{shop}}', n: '{{id}}' },
      headers: { 'X-Client': 'mine', authorization: 'Key {{apiKey}}' },
      body: { json: { id: '{{id}}', note: 'for {{shop}}', lines: ['{{id}}'] } },
    };
    const plan: Plan = {
      ...base,
      headers: { 'x-client': 'capacity', 'x-region': '{{region}}' },
      requests: [request],
      variables: [
        { name: 'shop', kind: 'literal', value: 'a b/c' },
        { name: 'region', kind: 'list', values: ['eu'] },
        { name: 'id', kind: 'range', low: 42, high: 42, order: 'random' },
        { name: 'apiKey', kind: 'env', env: 'API_KEY' },
      ],
    };
    const runtime = runtimeFor(plan, {}, { API_KEY: 's3cret' });
    const user = runtime.newUser();
    const built = runtime.build(user, runtime.next(user));
    expect(built.path).toBe('/shops/a%20b%2Fc/orders?q=a%20b%2Fc&n=42');
    expect(built.headers).toEqual({ 'x-region': 'eu', 'X-Client': 'mine', authorization: 'Key s3cret', 'content-type': 'application/json' });
    expect(JSON.parse(built.body as string)).toEqual({ id: 42, note: 'for a b/c', lines: [42] });
  });

  it('encodes form bodies and sends raw bodies with their content type', () => {
    const form: PlanRequest = { name: 'f', method: 'POST', path: '/f', weight: 1, body: { form: { user: '{{who}}', 'a b': 'x&y' } } };
    const raw: PlanRequest = { name: 'r', method: 'PUT', path: '/r', weight: 1, headers: { 'Content-Type': 'text/csv' }, body: { raw: 'id,{{who}}', contentType: 'text/plain' } };
    const runtime = runtimeFor({ ...base, requests: [form, raw], variables: [{ name: 'who', kind: 'literal', value: 'ann lee' }] });
    const user = runtime.newUser();
    expect(runtime.build(user, form)).toMatchObject({ body: 'user=ann+lee&a+b=x%26y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    // The request's own Content-Type wins over the raw body's.
    expect(runtime.build(user, raw)).toMatchObject({ body: 'id,ann lee', headers: { 'Content-Type': 'text/csv' } });
  });

  it('draws a value once per iteration: the same in every step of a pass, new on the next pass', () => {
    const steps: PlanRequest[] = [
      { name: 'a', method: 'GET', path: '/a/{{rid}}', weight: 1 },
      { name: 'b', method: 'GET', path: '/b/{{rid}}', weight: 1 },
    ];
    const runtime = runtimeFor({ ...base, flow: true, requests: steps, variables: [{ name: 'rid', kind: 'uuid' }] });
    const user = runtime.newUser();
    const sent: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const request = runtime.next(user);
      sent.push(runtime.build(user, request).path);
      runtime.receive(user, request, 200, noHeader, '');
    }
    const ids = sent.map((path) => path.split('/')[2]);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sent.map((path) => path.split('/')[1])).toEqual(['a', 'b', 'a', 'b']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('hands out data rows in order across users (sequential), each once (unique, then it says they ran out), or at random', () => {
    const rows = { customer: [{ id: '1' }, { id: '2' }, { id: '3' }] };
    const request: PlanRequest = { name: 'r', method: 'GET', path: '/c/{{customer.id}}', weight: 1 };
    const paths = (order: 'sequential' | 'unique' | 'random', count: number): string[] => {
      const runtime = runtimeFor({ ...base, requests: [request], variables: [{ name: 'customer', kind: 'data', format: 'csv', file: '/x.csv', order }] }, rows);
      const users = [runtime.newUser(), runtime.newUser()];
      return Array.from({ length: count }, (_unused, index) => {
        const user = users[index % 2] as ReturnType<Runtime['newUser']>;
        return runtime.build(user, runtime.next(user)).path;
      });
    };
    expect(paths('sequential', 5)).toEqual(['/c/1', '/c/2', '/c/3', '/c/1', '/c/2']);
    expect(paths('unique', 3)).toEqual(['/c/1', '/c/2', '/c/3']);
    const runtime = runtimeFor({ ...base, requests: [request], variables: [{ name: 'customer', kind: 'data', format: 'csv', file: '/x.csv', order: 'unique' }] }, rows);
    const user = runtime.newUser();
    for (let i = 0; i < 3; i += 1) runtime.build(user, runtime.next(user));
    let error: unknown;
    try {
      runtime.build(user, runtime.next(user));
    } catch (caught) {
      error = caught;
    }
    expect(exhaustedSource(error)).toBe('customer');
    expect(new Set(paths('random', 30))).toEqual(new Set(['/c/1', '/c/2', '/c/3']));
  });
});

describe('scenario runtime: sign-in, captures and checks', () => {
  const login: PlanRequest = { name: 'login', method: 'POST', path: '/login', weight: 1, body: { json: { user: 'u' } }, captures: [{ variable: 'token', json: 'accessToken' }] };
  const create: PlanRequest = {
    name: 'create',
    method: 'POST',
    path: '/orders',
    weight: 1,
    headers: { authorization: 'Bearer {{token}}' },
    captures: [
      { variable: 'orderId', json: '$.data.id' },
      { variable: 'where', header: 'Location' },
      { variable: 'code', regex: 'code-(\\d+)' },
    ],
  };
  const read: PlanRequest = {
    name: 'read',
    method: 'GET',
    path: '/orders/{{orderId}}?code={{code}}',
    weight: 1,
    headers: { authorization: 'Bearer {{token}}', 'x-where': '{{where}}' },
    checks: [{ status: [200] }, { jsonPath: 'id', exists: true, equals: '{{orderId}}' }, { bodyContains: 'open' }],
  };
  const plan: Plan = { ...base, flow: true, requests: [create, read], auth: { per: 'user', poolSize: 1, login } };

  it('signs a user in first, chains captures from JSON, a header and a regex into later steps, and loops the flow', () => {
    const runtime = runtimeFor(plan);
    const user = runtime.newUser();
    expect(runtime.next(user)).toBe(login);
    expect(runtime.receive(user, login, 200, noHeader, '{"accessToken":"t1"}')).toEqual({ ok: true });
    const first = runtime.next(user);
    expect(first).toBe(create);
    expect(runtime.build(user, first).headers['authorization']).toBe('Bearer t1');
    const headers: Record<string, string> = { location: '/orders/o7' };
    expect(runtime.receive(user, first, 201, (name) => headers[name.toLowerCase()], '{"data":{"id":"o7"},"ref":"code-55"}')).toEqual({ ok: true });
    const second = runtime.next(user);
    expect(runtime.build(user, second)).toMatchObject({ path: '/orders/o7?code=55', headers: { 'x-where': '/orders/o7' } });
    expect(runtime.receive(user, second, 200, noHeader, '{"id":"o7","status":"open"}')).toEqual({ ok: true });
    expect(runtime.next(user)).toBe(create);
  });

  it('counts a failed check or a capture that finds nothing as a check error (not a crash), and an unexpected status as such', () => {
    const runtime = runtimeFor(plan);
    const user = runtime.newUser();
    runtime.receive(user, login, 200, noHeader, '{"accessToken":"t1"}');
    expect(runtime.receive(user, create, 201, noHeader, 'not json')).toMatchObject({ ok: false, kind: 'check', problem: 'capture orderId found nothing' });
    // The later step sends the missing value empty.
    expect(runtime.build(user, read).path).toBe('/orders/?code=');
    expect(runtime.receive(user, read, 200, noHeader, '{"id":"other","status":"open"}')).toMatchObject({ ok: false, kind: 'check' });
    expect(runtime.receive(user, read, 500, noHeader, '')).toEqual({ ok: false, kind: 'status' });
  });

  it('a sign-in in the middle of a pass draws its own values and leaves the pass its own', () => {
    const steps: PlanRequest[] = [
      { name: 'a', method: 'GET', path: '/a/{{row.id}}', weight: 1, headers: { authorization: 'Bearer {{token}}' } },
      { name: 'b', method: 'GET', path: '/b/{{row.id}}', weight: 1 },
    ];
    const signIn: PlanRequest = { ...login, body: { json: { user: '{{row.id}}' } } };
    const runtime = runtimeFor(
      { ...base, flow: true, requests: steps, auth: { per: 'user', poolSize: 1, login: signIn }, variables: [{ name: 'row', kind: 'data', format: 'csv', file: '/r.csv', order: 'sequential' }] },
      { row: [{ id: '1' }, { id: '2' }, { id: '3' }, { id: '4' }] },
    );
    const user = runtime.newUser();
    const sent: string[] = [];
    const send = (status: number, body = '{"accessToken":"t"}'): void => {
      const request = runtime.next(user);
      const built = runtime.build(user, request);
      sent.push(built.body ?? built.path);
      runtime.receive(user, request, status, noHeader, body);
    };
    send(200); // sign-in: row 1
    send(401); // a: row 2, refused
    send(200); // sign-in again: row 3
    send(200); // b: still row 2, the pass's own
    expect(sent).toEqual(['{"user":"1"}', '/a/2', '{"user":"3"}', '/b/2']);
  });

  it('signs in again once after a 401, not in a loop when the 401s go on', () => {
    const runtime = runtimeFor(plan);
    const user = runtime.newUser();
    runtime.receive(user, runtime.next(user), 200, noHeader, '{"accessToken":"t1"}');
    runtime.receive(user, runtime.next(user), 401, noHeader, '');
    expect(runtime.next(user)).toBe(login);
    runtime.receive(user, login, 200, noHeader, '{"accessToken":"t2"}');
    // The flow goes on at its next step; still 401 after the new sign-in: counted, and no further
    // sign-in until a request succeeds.
    const step = runtime.next(user);
    expect(step).toBe(read);
    expect(runtime.build(user, step).headers['authorization']).toBe('Bearer t2');
    runtime.receive(user, step, 401, noHeader, '');
    expect(runtime.next(user)).not.toBe(login);
  });

  it('compares an equals check as JSON: a number is not its text, objects by their content, the same request judged afresh each time', () => {
    const judged = (equals: unknown, body: string): boolean => {
      const request: PlanRequest = { name: 'r', method: 'GET', path: '/r', weight: 1, checks: [{ jsonPath: '$.v', exists: true, equals }] };
      const runtime = runtimeFor({ ...base, requests: [request], variables: [{ name: 'n', kind: 'range', low: 7, high: 7, order: 'random' }] });
      const user = runtime.newUser();
      runtime.build(user, runtime.next(user));
      return runtime.receive(user, request, 200, noHeader, body).ok;
    };
    expect(judged(42, '{"v":42}')).toBe(true);
    expect(judged(42, '{"v":"42"}')).toBe(false);
    expect(judged('42', '{"v":42}')).toBe(false);
    expect(judged('{{n}}', '{"v":7}')).toBe(true);
    expect(judged('{{n}}', '{"v":"7"}')).toBe(false);
    expect(judged('n={{n}}', '{"v":"n=7"}')).toBe(true);
    expect(judged(true, '{"v":true}')).toBe(true);
    expect(judged(null, '{"v":null}')).toBe(true);
    expect(judged({ a: [1, 'x'] }, '{"v":{"a":[1,"x"]}}')).toBe(true);
    expect(judged({ a: [1, 'x'] }, '{"v":{"a":[1,"y"]}}')).toBe(false);
  });

  it('fills the same templates and reads the same paths and patterns afresh on every request', () => {
    const request: PlanRequest = {
      name: 'r',
      method: 'GET',
      path: '/{{a}}{{b}}x/{{ row.id }}/{literal}',
      weight: 1,
      captures: [
        { variable: 'code', regex: 'code-(\\d+)' },
        { variable: 'first', json: 'items[0].id' },
      ],
    };
    const runtime = runtimeFor(
      { ...base, requests: [request], variables: [{ name: 'a', kind: 'literal', value: 'A' }, { name: 'b', kind: 'list', values: ['B'] }, { name: 'row', kind: 'data', format: 'csv', file: '/r.csv', order: 'sequential' }] },
      { row: [{ id: '1' }, { id: '2' }] },
    );
    const user = runtime.newUser();
    const seen: unknown[] = [];
    for (const [ref, id] of [['code-5', 'i1'], ['code-66', 'i2']] as const) {
      seen.push(runtime.build(user, runtime.next(user)).path);
      expect(runtime.receive(user, request, 200, noHeader, JSON.stringify({ ref, items: [{ id }] })).ok).toBe(true);
      seen.push(user.captured['code'], user.captured['first']);
    }
    expect(seen).toEqual(['/ABx/1/{literal}', '5', 'i1', '/ABx/2/{literal}', '66', 'i2']);
    // A failed check is worded only when it fails, with what it expected.
    const checked: PlanRequest = { ...request, captures: [], checks: [{ status: [201] }, { bodyContains: 'open' }] };
    expect(runtime.receive(user, checked, 200, noHeader, 'open')).toMatchObject({ ok: false, kind: 'check', problem: 'status 200 is not 201' });
  });

  it('picks the weighted mix, and never a zero-weight entry', () => {
    const a: PlanRequest = { name: 'a', method: 'GET', path: '/a', weight: 3 };
    const b: PlanRequest = { name: 'b', method: 'GET', path: '/b', weight: 1 };
    const off: PlanRequest = { name: 'off', method: 'GET', path: '/off', weight: 0 };
    const runtime = runtimeFor({ ...base, requests: [a, off, b] });
    const user = runtime.newUser();
    const picks = Array.from({ length: 4000 }, () => runtime.next(user).name);
    expect(picks.filter((name) => name === 'off')).toHaveLength(0);
    expect(picks.filter((name) => name === 'a').length / picks.length).toBeGreaterThan(0.7);
    expect(picks.filter((name) => name === 'a').length / picks.length).toBeLessThan(0.8);
  });
});

describe('features and secrets', () => {
  it('names what a plan uses beyond a plain mix, and takes secret values from the environment only', () => {
    const plan: Plan = {
      ...base,
      flow: true,
      requests: [{ name: 'a', method: 'POST', path: '/a', weight: 1, body: { form: { a: '1' } }, checks: [{ bodyContains: 'x' }] }],
      variables: [
        { name: 'key', kind: 'env', env: 'KEY' },
        { name: 'rows', kind: 'data', format: 'csv', file: '/r.csv', order: 'unique' },
      ],
    };
    expect(planFeatures(plan)).toEqual(['user flows', 'environment variables (secrets)', 'data files (order: unique)', 'checks', 'form and raw bodies']);
    expect(secretValues(plan, { KEY: 'v', OTHER: 'w' })).toEqual({ KEY: 'v' });
    expect(JSON.stringify(plan)).not.toContain('"v"');
  });
});
