import { describe, expect, it } from 'vitest';
import type { Plan, PlanRequest } from '../../scenarios/types.js';
import { locustfileText } from './locustfile.js';
import { locustConfigProblem, translateLocust, workerSplitSources, type LocustConfig } from './translate.js';

/** Plan → the locustfile's configuration, on plain values: the scenario language goes through whole. */

const login: PlanRequest = {
  name: 'login',
  method: 'POST',
  path: '/login',
  weight: 1,
  body: { json: { email: '{{customer.email}}', password: '{{password}}' } },
  captures: [{ variable: 'token', json: 'accessToken' }],
};

const steps: PlanRequest[] = [
  { name: 'create', method: 'POST', path: '/orders', weight: 1, headers: { authorization: 'Bearer {{token}}' }, body: { json: { customer: '{{customer.id}}' } }, expectStatus: [201], captures: [{ variable: 'orderId', json: 'id' }], thinkTimeS: 0.25 },
  { name: 'read', method: 'GET', path: '/orders/{{orderId}}', weight: 1, checks: [{ status: [200] }, { jsonPath: 'id', exists: true, equals: '{{orderId}}' }, { bodyContains: 'open' }] },
];

const flowPlan: Plan = {
  scenario: 'flow',
  model: 'closed',
  baseUrl: 'http://127.0.0.1:9',
  startTarget: 0,
  stages: [{ durationS: 10, target: 3 }],
  thinkTimeS: 1,
  maxUsers: 3,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: steps,
  flow: true,
  auth: { login, per: 'user', poolSize: 0 },
  headers: { 'x-api-key': '{{apiKey}}' },
  variables: [
    { name: 'apiKey', kind: 'env', env: 'ANY_API_SECRET' },
    { name: 'password', kind: 'env', env: 'ANY_API_PASSWORD' },
    { name: 'customer', kind: 'data', format: 'csv', file: '/data/customers.csv', order: 'unique' },
    { name: 'n', kind: 'range', low: 1, high: 9, order: 'sequential' },
  ],
  slos: [],
  totalDurationS: 10,
  peakTarget: 3,
};

describe('translateLocust: the scenario language', () => {
  it('carries flows, the sign-in per user, checks, captures and every variable kind, refusing none', () => {
    const { config, adaptations } = translateLocust(flowPlan);
    expect(adaptations).toEqual([]);
    expect(config.flow).toBe(true);
    expect(config.auth).toEqual({ login, per: 'user', poolSize: 0 });
    expect(config.requests).toEqual(steps);
    expect(config.headers).toEqual({ 'x-api-key': '{{apiKey}}' });
    expect(config.variables.map((variable) => variable.kind)).toEqual(['env', 'env', 'data', 'range']);
    // Rows are the adapter's to fill; the pool's captures never enter the file.
    expect(config.rows).toEqual({});
    expect(config).not.toHaveProperty('pooled');
    expect(config.thinkTimeS).toBe(1);
    expect(locustConfigProblem(config)).toBeUndefined();
  });

  it('a flow needs steps, not weights; a mix needs a weight', () => {
    const { config } = translateLocust(flowPlan);
    expect(locustConfigProblem({ ...config, requests: steps.map((step) => ({ ...step, weight: 0 })) })).toBeUndefined();
    expect(locustConfigProblem({ ...config, requests: [] })).toBe('no step in the flow');
    expect(locustConfigProblem({ ...config, flow: false, requests: steps.map((step) => ({ ...step, weight: 0 })) })).toBe('every request of the mix has weight 0');
  });

  it('the open model has no think time (arrivals come from the schedule)', () => {
    const { config } = translateLocust({ ...flowPlan, model: 'open', startTarget: 2, stages: [{ durationS: 4, target: 8 }] });
    expect(config.thinkTimeS).toBe(0);
    expect(config.openUsers).toBe(3);
  });
});

describe('workerSplitSources: the shared counters the workers split', () => {
  it('the sequential and unique sources the load draws, the per-user sign-in included; random ones are not counted', () => {
    // customer: the sign-in and the steps; n: declared, never referred to.
    expect(workerSplitSources(flowPlan)).toEqual(['customer']);
    const withN = { ...flowPlan, requests: [{ ...steps[1]!, path: '/orders/{{orderId}}?n={{n}}' }] };
    expect(workerSplitSources(withN)).toEqual(['customer', 'n']);
  });

  it('a source only the pool sign-in uses runs in capacity before the load: not split', () => {
    const pool = { ...flowPlan, auth: { login, per: 'pool' as const, poolSize: 2 } };
    expect(workerSplitSources({ ...pool, requests: [{ ...steps[1]!, path: '/orders/1' }] })).toEqual([]);
  });
});

describe('locustfileText: what reaches disk', () => {
  const decoded = (text: string): LocustConfig => {
    const match = /json\.loads\(base64\.b64decode\("([A-Za-z0-9+/=]+)"\)\)/.exec(text);
    expect(match).not.toBeNull();
    return JSON.parse(Buffer.from(match?.[1] ?? '', 'base64').toString('utf8')) as LocustConfig;
  };

  it('embeds the data rows and the secrets by name only: the values are read from the environment', () => {
    const rows = { customer: [{ id: 'c1', email: 'a@x' }, { id: 'c2', email: 'b@x' }] };
    const text = locustfileText({ ...translateLocust(flowPlan).config, rows });
    const config = decoded(text);
    expect(config.rows).toEqual(rows);
    expect(config.variables.filter((variable) => variable.kind === 'env')).toEqual([
      { name: 'apiKey', kind: 'env', env: 'ANY_API_SECRET' },
      { name: 'password', kind: 'env', env: 'ANY_API_PASSWORD' },
    ]);
    // The file reads each secret from os.environ at start and refuses (exit 2) when one is missing.
    expect(text).toContain('os.environ.get(variable["env"])');
    expect(text).toContain('sys.exit(2)');
  });
});
