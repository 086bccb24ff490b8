import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { createRuntime, runtimeConfig } from '../runtime.js';
import { rawRequest } from './adapter.js';
import { connectionUser, headerValue, responseHasNoBody, type BuiltAutocannonRequest, type ResponseVerdict } from './users.js';

describe('responses without a body', () => {
  it('are the answers to HEAD (any case) and the 204 and 304 statuses', () => {
    expect(responseHasNoBody('HEAD', 200)).toBe(true);
    expect(responseHasNoBody('head', 404)).toBe(true);
    expect(responseHasNoBody('DELETE', 204)).toBe(true);
    expect(responseHasNoBody('GET', 304)).toBe(true);
  });
  it('are not the other answers, whose length the parser reads from their headers', () => {
    expect(responseHasNoBody('GET', 200)).toBe(false);
    expect(responseHasNoBody('POST', 201)).toBe(false);
    expect(responseHasNoBody('GET', 404)).toBe(false);
    expect(responseHasNoBody(undefined, undefined)).toBe(false);
  });
});

describe("response headers from the parser's flat list", () => {
  const raw = ['Content-Type', 'application/json', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Empty', ''];
  it('are read in any case, repeated ones joined with commas, a missing one undefined', () => {
    expect(headerValue(raw, 'content-type')).toBe('application/json');
    expect(headerValue(raw, 'SET-COOKIE')).toBe('a=1,b=2');
    expect(headerValue(raw, 'x-empty')).toBe('');
    expect(headerValue(raw, 'location')).toBeUndefined();
    expect(headerValue([], 'location')).toBeUndefined();
  });
});

describe("a connection's virtual user", () => {
  const plan: Plan = {
    scenario: 'orders',
    model: 'closed',
    baseUrl: 'http://127.0.0.1:9/api',
    startTarget: 1,
    stages: [{ durationS: 1, target: 1 }],
    thinkTimeS: 0,
    maxUsers: 1,
    requestTimeoutS: 5,
    intervalS: 1,
    slos: [],
    totalDurationS: 1,
    peakTarget: 1,
    flow: true,
    requests: [
      { name: 'new', method: 'GET', path: '/orders/new', weight: 1, captures: [{ variable: 'id', json: 'id' }, { variable: 'where', header: 'location' }] },
      { name: 'read', method: 'GET', path: '/orders/{{id}}', weight: 1, headers: { 'x-from': '{{where}}' }, checks: [{ jsonPath: 'id', exists: true, equals: '{{id}}' }] },
    ],
  };
  const start = (): { next: () => BuiltAutocannonRequest | undefined; built: Buffer[] } => {
    const built: Buffer[] = [];
    const runtime = createRuntime(runtimeConfig(plan, {}, {}));
    const user = connectionUser(runtime, undefined, '/api', (method, path, headers, body) => {
      const bytes = rawRequest(method, path, '127.0.0.1:9', headers, body);
      built.push(bytes);
      return bytes;
    }, () => undefined);
    return { next: () => user.next(), built };
  };
  const answer = (request: BuiltAutocannonRequest | undefined, status: number, body: string, rawHeaders: string[] = []): ResponseVerdict => {
    if (!request?.receive || !request.verdict) throw new Error('a virtual user request judges its response');
    request.receive(status, body, rawHeaders);
    return request.verdict(status);
  };

  it('chains a JSON capture and a header capture into the next request, and judges its checks', () => {
    const { next } = start();
    const created = next();
    expect(created?.path).toBe('/api/orders/new');
    expect(answer(created, 200, '{"id":"o7"}', ['Location', '/orders/o7'])).toEqual({ ok: true });
    const read = next();
    expect(read?.requestBuffer.toString()).toBe('GET /api/orders/o7 HTTP/1.1\r\nHost: 127.0.0.1:9\r\nx-from: /orders/o7\r\n\r\n');
    expect(answer(read, 200, '{"id":"o8"}')).toEqual({ ok: false, errorKind: 'check' });
    expect(answer(next(), 500, '')).toEqual({ ok: false, errorKind: 'http_5xx' });
  });

  it('builds the bytes of a request again only when its path, headers or body change', () => {
    const { next, built } = start();
    answer(next(), 200, '{"id":"o1"}', ['location', '/l']);
    answer(next(), 200, '{"id":"o1"}');
    answer(next(), 200, '{"id":"o1"}', ['location', '/l']);
    answer(next(), 200, '{"id":"o1"}');
    // The same new and the same read twice: two builds.
    expect(built).toHaveLength(2);
    answer(next(), 200, '{"id":"o2"}', ['location', '/l']);
    const otherId = next();
    expect(otherId?.requestBuffer.toString()).toContain('GET /api/orders/o2 ');
    answer(otherId, 200, '{"id":"o2"}');
    answer(next(), 200, '{"id":"o2"}', ['location', '/m']);
    expect(next()?.requestBuffer.toString()).toContain('x-from: /m\r\n');
    expect(built).toHaveLength(4);
  });
});
