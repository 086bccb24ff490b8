// capacity's k6 script: it executes a capacity Plan given as data (JSON file named by
// CAPACITY_PLAN_FILE: the plan, and the k6 scenario the adapter translated it into, see
// src/engines/k6/translate.ts). Plain JavaScript for k6's runtime (not Node): no imports beyond k6's.
import http from 'k6/http';
import { sleep } from 'k6';

const input = JSON.parse(open(__ENV.CAPACITY_PLAN_FILE));
const plan = input.plan;
const summaryFile = __ENV.CAPACITY_SUMMARY_FILE;
const baseUrl = plan.baseUrl.replace(/\/$/, '');
const needsToken = plan.requests.some((request) => request.auth);

const LATENCY = { p50: 'med', p90: 'p(90)', p95: 'p(95)', p99: 'p(99)' };

function thresholds() {
  const out = {};
  const add = (metric, expression) => {
    out[metric] = (out[metric] || []).concat([expression]);
  };
  for (const slo of plan.slos) {
    const tag = slo.endpoint ? `{name:${slo.endpoint}}` : '';
    if (LATENCY[slo.metric]) add(`http_req_duration${tag}`, `${LATENCY[slo.metric]}<${slo.threshold}`);
    else if (slo.metric === 'errorRate') add(`http_req_failed${tag}`, `rate<=${slo.threshold}`);
    else if (slo.metric === 'minRps') add(`http_reqs${tag}`, `rate>=${slo.threshold}`);
  }
  return out;
}

export const options = {
  scenarios: { main: input.k6.scenario },
  thresholds: thresholds(),
  discardResponseBodies: true,
  systemTags: ['status', 'method', 'name', 'expected_response', 'error_code', 'scenario'],
  summaryTrendStats: ['min', 'avg', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
};

const cumulative = [];
let weightSum = 0;
for (const request of plan.requests) {
  weightSum += Math.max(0, request.weight);
  cumulative.push(weightSum);
}

function pick() {
  const point = Math.random() * weightSum;
  for (let i = 0; i < cumulative.length; i += 1) if (point < cumulative[i]) return plan.requests[i];
  return plan.requests[plan.requests.length - 1];
}

function between(range) {
  return range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
}

function draw() {
  const terms = plan.data.searchTerms.length > 0 ? plan.data.searchTerms : ['a'];
  return {
    userId: between(plan.data.userIdRange),
    productId: between(plan.data.productIdRange),
    page: between(plan.data.pageRange || [1, 5]),
    query: terms[Math.floor(Math.random() * terms.length)],
  };
}

function fill(text, values, encode) {
  return text.replace(/\{(userId|productId|page|query)\}/g, (_m, key) => (encode ? encodeURIComponent(String(values[key])) : String(values[key])));
}

function fillBody(body, values) {
  if (typeof body === 'string') {
    const whole = /^\{(userId|productId|page)\}$/.exec(body);
    return whole ? values[whole[1]] : fill(body, values, false);
  }
  if (Array.isArray(body)) return body.map((item) => fillBody(item, values));
  if (body !== null && typeof body === 'object') {
    const out = {};
    for (const key of Object.keys(body)) out[key] = fillBody(body[key], values);
    return out;
  }
  return body;
}

const timeout = `${plan.requestTimeoutS}s`;
const callbacks = {};
for (const request of plan.requests) {
  if (request.expectStatus && request.expectStatus.length > 0) callbacks[request.name] = http.expectedStatuses(...request.expectStatus);
}

// Sign-in happens once, in setup(): a pool of up to 50 seeded users (as the autocannon and
// Artillery adapters do), so that new virtual users joining mid-run do not add a burst of
// password checks to the load. Each virtual user keeps the token of its slot in the pool.
export function setup() {
  if (!needsToken) return { tokens: [] };
  const [low, high] = plan.data.userIdRange;
  const size = Math.max(1, Math.min(plan.maxUsers, high - low + 1, 50));
  const tokens = [];
  for (let i = 0; i < size; i += 1) {
    const response = http.post(`${baseUrl}/auth/login`, JSON.stringify({ email: `user${low + i}@capacity.test`, password: plan.data.password }), {
      headers: { 'content-type': 'application/json' },
      tags: { name: 'login' },
      timeout,
      responseType: 'text',
    });
    let token;
    try {
      const body = JSON.parse(response.body);
      token = body.accessToken || body.access_token || body.token;
    } catch {
      // not JSON: no token from this one
    }
    // A failed sign-in stops the test before the load: the adapter finds this line in k6's log
    // and exits 4 (encoded fields: no spaces or quotes for k6's log escaping to change).
    if (response.status < 200 || response.status >= 300 || !token) {
      const line = String(response.body || response.error || '').split(/\r?\n/).find((text) => text.trim().length > 0) || '';
      throw new Error(`CAPACITY_SIGNIN_FAILED status=${response.status} url=${encodeURIComponent(`${baseUrl}/auth/login`)} sample=${encodeURIComponent(line.slice(0, 200))}`);
    }
    tokens.push(token);
  }
  return { tokens };
}

export default function (data) {
  const request = pick();
  const values = draw();
  const headers = {};
  if (request.auth && data.tokens.length > 0) headers.authorization = `Bearer ${data.tokens[(__VU - 1) % data.tokens.length]}`;
  let body = null;
  if (request.body !== undefined) {
    body = JSON.stringify(fillBody(request.body, values));
    headers['content-type'] = 'application/json';
  }
  const params = { headers, tags: { name: request.name }, timeout };
  if (callbacks[request.name]) params.responseCallback = callbacks[request.name];
  http.request(request.method, baseUrl + fill(request.path, values, true), body, params);
  if (input.k6.thinkTimeS > 0) sleep(input.k6.thinkTimeS);
}

export function handleSummary(data) {
  const out = {};
  out[summaryFile] = JSON.stringify(data);
  return out;
}
