import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { createRuntime, runtimeConfig, sharedCounters } from '../runtime.js';
import { rawRequest, requestVariants } from './adapter.js';

const plan: Plan = {
  scenario: 's',
  model: 'open',
  baseUrl: 'http://127.0.0.1:8080',
  startTarget: 1,
  stages: [{ durationS: 1, target: 1 }],
  thinkTimeS: 0,
  maxUsers: 1,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: [
    { name: 'get-product', method: 'GET', path: '/products/{{productId}}', weight: 3 },
    { name: 'create-order', method: 'POST', path: '/orders', weight: 1, headers: { authorization: 'Bearer {{token}}' }, body: { json: { productId: '{{productId}}', quantity: 1 } } },
  ],
  variables: [{ name: 'productId', kind: 'range', low: 7, high: 7, order: 'random' }],
  slos: [],
  totalDurationS: 1,
  peakTarget: 1,
};

describe('autocannon request variants', () => {
  it('writes a valid HTTP/1.1 request, with a length for bodies and for POST without one', () => {
    expect(rawRequest('GET', '/a', 'h:1', {}, undefined).toString()).toBe('GET /a HTTP/1.1\r\nHost: h:1\r\n\r\n');
    expect(rawRequest('POST', '/o', 'h:1', { 'content-type': 'application/json' }, '{"a":1}').toString()).toBe(
      'POST /o HTTP/1.1\r\nHost: h:1\r\ncontent-type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
    );
    expect(rawRequest('DELETE', '/o/1', 'h:1', {}, undefined).toString()).toContain('Content-Length: 0\r\n');
  });

  it('draws the mix by weight, fills placeholders and rotates tokens over signed-in requests', () => {
    let state = 1;
    const random = (): number => {
      state = (state * 16807) % 2147483647;
      return (state - 1) / 2147483646;
    };
    const runtime = createRuntime(runtimeConfig(plan, {}, {}), { random, next: sharedCounters() });
    const variants = requestVariants(plan, runtime, [{ token: 't1' }, { token: 't2' }], 400, random);
    const orders = variants.filter((variant) => variant.capacityName === 'create-order');
    expect(orders.length / variants.length).toBeGreaterThan(0.17);
    expect(orders.length / variants.length).toBeLessThan(0.33);
    expect(variants.find((variant) => variant.capacityName === 'get-product')?.path).toBe('/products/7');
    const order = orders[0];
    expect(order?.body).toBe('{"productId":7,"quantity":1}');
    expect(order?.requestBuffer.toString()).toMatch(/^POST \/orders HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8080\r\nauthorization: Bearer t[12]\r\n/);
    expect(new Set(orders.map((variant) => variant.headers?.['authorization']))).toEqual(new Set(['Bearer t1', 'Bearer t2']));
  });
});
