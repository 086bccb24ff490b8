import { describe, expect, it } from 'vitest';
import type { Plan, PlanRequest } from '../../scenarios/types.js';
import { plannedLoad } from '../mix.js';
import { impliedK6Load, k6PlanFile, k6RowsExhausted, k6ScriptText, translateK6 } from './translate.js';

/**
 * k6 is not installed here (AGPL-3.0, never fetched), so the generated script is checked as text
 * and executed in Node with stand-ins for k6's modules at the wire: `http.request` answers as a
 * small API would, and the test reads what the script sent and counted.
 */

const login: PlanRequest = { name: 'login', method: 'POST', path: '/login', weight: 1, body: { json: { email: '{{who.email}}' } }, captures: [{ variable: 'token', json: 'accessToken' }] };
const plan: Plan = {
  scenario: 'flow',
  model: 'open',
  baseUrl: 'http://127.0.0.1:9/api/',
  startTarget: 0,
  stages: [{ durationS: 10, target: 30 }],
  thinkTimeS: 0,
  maxUsers: 5,
  requestTimeoutS: 5,
  intervalS: 1,
  headers: { 'x-api-key': '{{key}}' },
  flow: true,
  requests: [
    { name: 'create', method: 'POST', path: '/orders', weight: 1, headers: { authorization: 'Bearer {{token}}' }, captures: [{ variable: 'id', json: 'id' }] },
    { name: 'read', method: 'GET', path: '/orders/{{id}}', weight: 1, headers: { authorization: 'Bearer {{token}}' }, checks: [{ jsonPath: 'status', exists: true, equals: 'open' }] },
    { name: 'missing', method: 'GET', path: '/x', weight: 1, captures: [{ variable: 'nope', header: 'x-none' }] },
  ],
  variables: [
    { name: 'key', kind: 'env', env: 'API_KEY' },
    { name: 'who', kind: 'data', format: 'csv', file: '/data/who.csv', order: 'unique' },
  ],
  auth: { per: 'user', poolSize: 1, login },
  slos: [{ name: 'p95', metric: 'p95', threshold: 200 }],
  totalDurationS: 10,
  peakTarget: 30,
};

interface Sent {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  name: string;
}

/** Runs the generated script's default function for a few iterations of one or two VUs. */
function execute(script: string, planFile: unknown, env: Record<string, string>, vus: number[], iterations: number) {
  const sent: Sent[] = [];
  const counted: Array<{ metric: string; tags: Record<string, string> }> = [];
  let orders = 0;
  const http = {
    expectedStatuses: (...statuses: number[]) => ({ statuses }),
    request(method: string, url: string, body: string | null, params: { headers: Record<string, string>; tags: { name: string } }) {
      sent.push({ method, url, body, headers: params.headers, name: params.tags.name });
      if (url.endsWith('/login')) return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ accessToken: `t-${JSON.parse(body ?? '{}').email as string}` }) };
      if (method === 'POST') return { status: 201, headers: { Location: '/orders/o' }, body: JSON.stringify({ id: `o${(orders += 1)}` }) };
      if (url.includes('/orders/')) return { status: 200, headers: {}, body: JSON.stringify({ status: 'open' }) };
      return { status: 200, headers: {}, body: '{}' };
    },
  };
  class Counter {
    constructor(private readonly metric: string) {}
    add(_value: number, tags: Record<string, string>): void {
      counted.push({ metric: this.metric, tags });
    }
  }
  const exec = { vu: { idInTest: 1 } };
  const body = script
    .replace(/^import .*$/gm, '')
    .replace('export const options', 'const options')
    .replace('export function setup', 'function setup')
    .replace('export default function', 'function iterate')
    .replace('export function handleSummary', 'function handleSummary');
  const factory = new Function('http', 'sleep', 'exec', 'Counter', 'open', '__ENV', `${body}\nreturn { options, setup, iterate, handleSummary };`) as (...args: unknown[]) => {
    options: { discardResponseBodies: boolean; scenarios: unknown };
    setup: () => unknown;
    handleSummary: (data: unknown) => Record<string, string>;
    iterate: (data: unknown) => void;
  };
  const k6Env = { ...env, CAPACITY_PLAN_FILE: '/plan.json', CAPACITY_SUMMARY_FILE: '/summary.json' };
  // One module instance per VU, as k6 runs the init code once per virtual user.
  const modules = vus.map((vu) => {
    const module = factory(http, () => undefined, { vu: { idInTest: vu } }, Counter, () => JSON.stringify(planFile), k6Env);
    return { vu, module };
  });
  const data = modules[0]?.module.setup();
  for (let i = 0; i < iterations; i += 1) {
    for (const { vu, module } of modules) {
      exec.vu.idInTest = vu;
      module.iterate(data);
    }
  }
  return { sent, counted, options: modules[0]?.module.options, setupData: data, handleSummary: modules[0]?.module.handleSummary };
}

describe('k6: the generated script', () => {
  const translated = translateK6(plan);
  const rows = { who: [{ email: 'a@x' }, { email: 'b@x' }, { email: 'c@x' }, { email: 'd@x' }] };
  const file = k6PlanFile(plan, translated.config, rows);

  it('starts iterations at the planned req/s over the requests of one pass, and reads it back as the plan\'s load', () => {
    // A pass is three requests: 30 req/s is 10 passes a second.
    expect(translated.config.scenario).toMatchObject({ executor: 'ramping-arrival-rate', stages: [{ duration: '10000ms', target: 10 }] });
    expect(impliedK6Load(translated.config).requests).toBeCloseTo(plannedLoad(plan).requests as number, 6);
    expect(translated.adaptations.join('\n')).toMatch(/one pass of 3 requests/);
  });

  it('holds the secret by name only; its value comes from k6\'s environment', () => {
    const text = `${k6ScriptText()}\n${JSON.stringify(file)}`;
    expect(text).toContain('__ENV[name]');
    expect(JSON.stringify(file)).toContain('"secretNames":["API_KEY"]');
    expect(text).not.toContain('s3cret');
  });

  it('signs each virtual user in, sends the flow in order with the captured token and id, and counts failed checks by name', () => {
    const { sent, counted, options } = execute(k6ScriptText(), file, { API_KEY: 's3cret' }, [1, 2], 2);
    expect(options?.discardResponseBodies).toBe(false);
    // VU 1: login, create, read, missing; then a second pass without signing in again.
    const first = sent.filter((request) => request.headers['authorization'] === 't-a@x' || request.body?.includes('a@x'));
    expect(sent.slice(0, 4).map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST http://127.0.0.1:9/api/login',
      'POST http://127.0.0.1:9/api/orders',
      'GET http://127.0.0.1:9/api/orders/o1',
      'GET http://127.0.0.1:9/api/x',
    ]);
    expect(sent.every((request) => request.headers['x-api-key'] === 's3cret')).toBe(true);
    expect(sent[1]?.headers['authorization']).toBe('Bearer t-a@x');
    expect(first.length).toBeGreaterThan(0);
    // Unique rows striped over the VU slots: VU 1 takes rows 0, 5, ...; VU 2 rows 1, 6, ...
    const emails = sent.filter((request) => request.name === 'login').map((request) => JSON.parse(request.body ?? '{}').email as string);
    expect(emails).toEqual(['a@x', 'b@x']);
    expect(sent.filter((request) => request.name === 'login')).toHaveLength(2);
    expect(sent).toHaveLength(2 + 2 * 2 * 3);
    // The capture of a header that never comes is a check failure of that request, each time.
    expect(counted.filter((entry) => entry.metric === 'capacity_check_failures').map((entry) => entry.tags['name'])).toEqual(['missing', 'missing', 'missing', 'missing']);
  });

  it("keeps the pool's tokens (what setup() returned) out of the summary file it writes", () => {
    const poolPlan: Plan = { ...plan, auth: { per: 'pool', poolSize: 2, login } };
    // Plenty of rows: the pool's sign-ins draw them as VU slots stripe them.
    const many = { who: Array.from({ length: 20 }, (_unused, index) => ({ email: `u${index}@x` })) };
    const { setupData, handleSummary } = execute(k6ScriptText(), k6PlanFile(poolPlan, translateK6(poolPlan).config, many), { API_KEY: 'k' }, [1], 0);
    expect(JSON.stringify(setupData)).toMatch(/t-u\d+@x/);
    const metrics = { http_reqs: { values: { count: 3 } } };
    const written = handleSummary?.({ metrics, setup_data: setupData }) ?? {};
    expect(Object.keys(written)).toEqual(['/summary.json']);
    expect(JSON.parse(written['/summary.json'] ?? '{}')).toEqual({ metrics });
  });

  it('stops a virtual user when the unique rows run out, and counts it', () => {
    const { counted } = execute(k6ScriptText(), k6PlanFile(plan, translated.config, { who: [{ email: 'a@x' }] }), { API_KEY: 'k' }, [1, 2], 1);
    expect(counted.filter((entry) => entry.metric === 'capacity_rows_exhausted').map((entry) => entry.tags['source'])).toEqual(['who']);
    // The adapter reads the counter back from k6's summary to say so in the result.
    expect(k6RowsExhausted(JSON.stringify({ metrics: { capacity_rows_exhausted: { type: 'counter', values: { count: 3, rate: 0.3 } } } }))).toBe(3);
    expect(k6RowsExhausted('{}')).toBe(0);
  });
});
