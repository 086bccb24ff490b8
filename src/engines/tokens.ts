import { performance } from 'node:perf_hooks';
import { unhealthy } from '../core/errors.js';
import type { Plan } from '../scenarios/types.js';
import { isExpectedStatus, loginEmail, networkErrorKind, httpErrorKind } from './mix.js';

/**
 * A pool of access tokens for engines that cannot log each virtual user in by themselves
 * (autocannon, Artillery): the adapter signs in a few seeded users before the run, and the
 * requests rotate over their tokens. The logins are real requests, reported as the run's setup
 * traffic apart from the measured load; one that fails stops the run before the load.
 */

export interface SetupRequest {
  name: 'login';
  status: number;
  latencyMs?: number;
  ok: boolean;
  errorKind?: string;
}

export interface TokenPool {
  tokens: string[];
  requests: SetupRequest[];
}

/** The first ~200 characters of a response's first non-blank line: what the target said. */
export function sampleLine(body: string): string {
  const line = body.split(/\r?\n/).find((text) => text.trim().length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * A sign-in that failed stops the run before the load (exit 4): every request that needs a token
 * would otherwise fail or run unauthenticated, and the figures would not be of the planned load.
 * Shared by the token pool and k6's setup() (see the k6 adapter).
 */
export function signInFailed(endpoint: string, status: number, sample: string, failures = 1, attempts = 1): Error {
  const answered = status > 0 ? `answered ${status}` : 'got no response';
  const count = attempts > 1 ? ` (${failures} of ${attempts} sign-ins failed)` : '';
  return unhealthy(
    `sign-in failed before the load: POST ${endpoint} ${answered}${count}: ${sample.length > 0 ? JSON.stringify(sample) : '(empty response)'}`,
    'check that the target is the reference app and is seeded (capacity up seeds it), and the scenario\'s data.users and data.password',
  );
}

/** Reads the access token out of a login response, whatever the field is called. */
export function tokenFromLoginBody(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['accessToken', 'access_token', 'token']) {
    const value = record[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/** Pool size: enough tokens to spread over users, few enough to log in quickly. */
export function tokenPoolSize(plan: Plan): number {
  const [low, high] = plan.data.userIdRange;
  return Math.max(1, Math.min(plan.maxUsers, high - low + 1, 50));
}

/** What an engine tells the view before the load: who signs in, if anyone. */
export function signInPhase(plan: Plan): string {
  return plan.requests.some((request) => request.auth) ? `signing in ${tokenPoolSize(plan)} users…` : 'starting the load…';
}

export async function loginPool(plan: Plan, signal: AbortSignal): Promise<TokenPool> {
  const needed = plan.requests.some((request) => request.auth);
  if (!needed) return { tokens: [], requests: [] };
  const size = tokenPoolSize(plan);
  const [low] = plan.data.userIdRange;
  const url = new URL('/auth/login', plan.baseUrl).toString();
  const tokens: string[] = [];
  const requests: SetupRequest[] = [];
  let failures = 0;
  let firstProblem: { status: number; sample: string } | undefined;
  // One listener on the run's signal while the pool signs in (removed when it is done), passed on
  // to the logins in flight.
  const abortAll = new Set<() => void>();
  const onAbort = (): void => abortAll.forEach((abort) => abort());
  const loginOne = async (userId: number): Promise<void> => {
    const started = performance.now();
    // Its own controller, aborted by the run (one listener for the pool, below) or by the
    // timeout, and its timer cleared when it ends: no AbortSignal.timeout left ticking after the
    // login, and no AbortSignal.any tying a composite signal to the run's signal for good (Node 20
    // keeps every one in the source signal's dependants until the source aborts).
    const request = new AbortController();
    const onRunAbort = (): void => request.abort(signal.reason);
    abortAll.add(onRunAbort);
    const timeout = setTimeout(() => request.abort(new DOMException('login timed out', 'TimeoutError')), plan.requestTimeoutS * 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: loginEmail(userId), password: plan.data.password }),
        signal: request.signal,
      });
      const text = await response.text();
      const latencyMs = performance.now() - started;
      const ok = isExpectedStatus(response.status, undefined);
      requests.push({ name: 'login', status: response.status, latencyMs, ok, ...(ok ? {} : { errorKind: httpErrorKind(response.status) }) });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const token = ok ? tokenFromLoginBody(parsed) : undefined;
      if (token) tokens.push(token);
      else {
        failures += 1;
        firstProblem ??= { status: response.status, sample: ok ? `no access token in ${sampleLine(text)}` : sampleLine(text) };
      }
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? `${error.name} ${error.message} ${String((error.cause as { code?: string } | undefined)?.code ?? '')}` : String(error);
      requests.push({ name: 'login', status: 0, ok: false, errorKind: networkErrorKind(message) });
      failures += 1;
      firstProblem ??= { status: 0, sample: message.trim() };
    } finally {
      clearTimeout(timeout);
      abortAll.delete(onRunAbort);
    }
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // A few at a time: bcrypt makes logins the app's most expensive request.
    const concurrency = 8;
    for (let first = 0; first < size && !signal.aborted; first += concurrency) {
      const batch: Promise<void>[] = [];
      for (let i = first; i < Math.min(size, first + concurrency); i += 1) batch.push(loginOne(low + i));
      await Promise.all(batch);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (firstProblem && !signal.aborted) throw signInFailed(url, firstProblem.status, firstProblem.sample, failures, size);
  return { tokens, requests };
}
