import { performance } from 'node:perf_hooks';
import { badInput, unhealthy } from '../core/errors.js';
import type { Plan } from '../scenarios/types.js';
import { networkErrorKind, httpErrorKind } from './mix.js';
import type { Runtime } from './runtime.js';

/**
 * A pool of sign-ins (auth.per: pool): the adapter signs in a few users before the run, and the
 * virtual users rotate over what they captured (their tokens). The logins are real requests, reported as the run's setup
 * traffic apart from the measured load; one that fails stops the run before the load.
 */

export interface SetupRequest {
  name: string;
  status: number;
  latencyMs?: number;
  ok: boolean;
  errorKind?: string;
}

export interface TokenPool {
  /** What each pool sign-in captured (e.g. { token }), handed to the virtual users in turn. */
  captures: Array<Record<string, unknown>>;
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
    'check the scenario\'s auth.login (path, body, variables) and its captures; for the reference app, that it is seeded (capacity up seeds it)',
  );
}

/** Pool size: the scenario's, never more sign-ins than users. */
export function tokenPoolSize(plan: Plan): number {
  return Math.max(1, Math.min(plan.maxUsers, plan.auth?.poolSize ?? 1));
}

/** What an engine tells the view before the load: who signs in, if anyone. */
export function signInPhase(plan: Plan): string {
  return plan.auth?.per === 'pool' ? `signing in ${tokenPoolSize(plan)} users…` : 'starting the load…';
}

/**
 * The pool sign-ins (auth.per: pool): each is the scenario's login request with its own draw of
 * the variables, run before the load; what each captured is handed to the virtual users in turn.
 */
export async function loginPool(plan: Plan, signal: AbortSignal, runtime: Runtime): Promise<TokenPool> {
  const login = plan.auth?.per === 'pool' ? plan.auth.login : undefined;
  if (!login) return { captures: [], requests: [] };
  const size = tokenPoolSize(plan);
  const base = new URL(plan.baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  const captures: Array<Record<string, unknown>> = [];
  const requests: SetupRequest[] = [];
  let failures = 0;
  let firstProblem: { status: number; sample: string; url: string } | undefined;
  // One listener on the run's signal while the pool signs in (removed when it is done), passed on
  // to the logins in flight.
  const abortAll = new Set<() => void>();
  const onAbort = (): void => abortAll.forEach((abort) => abort());
  // Drawn in order, so the pool's sequential sources give the same sign-ins on every engine.
  const built = Array.from({ length: size }, () => {
    const user = runtime.newUser();
    return { user, request: runtime.build(user, login) };
  });
  const loginOne = async ({ user, request: sent }: (typeof built)[number]): Promise<void> => {
    const url = `${base.origin}${prefix}${sent.path}`;
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
      const response = await fetch(url, { method: sent.method, headers: sent.headers, ...(sent.body === undefined ? {} : { body: sent.body }), signal: request.signal });
      const text = await response.text();
      const latencyMs = performance.now() - started;
      const outcome = runtime.receive(user, login, response.status, (name) => response.headers.get(name) ?? undefined, text);
      const errorKind = outcome.ok ? undefined : outcome.kind === 'check' ? 'check' : httpErrorKind(response.status);
      requests.push({ name: login.name, status: response.status, latencyMs, ok: outcome.ok, ...(errorKind ? { errorKind } : {}) });
      if (outcome.ok) captures.push({ ...user.captured });
      else {
        failures += 1;
        firstProblem ??= { url, status: response.status, sample: outcome.problem ? `${outcome.problem} in ${sampleLine(text)}` : sampleLine(text) };
      }
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? `${error.name} ${error.message} ${String((error.cause as { code?: string } | undefined)?.code ?? '')}` : String(error);
      requests.push({ name: login.name, status: 0, ok: false, errorKind: networkErrorKind(message) });
      failures += 1;
      firstProblem ??= { url, status: 0, sample: message.trim() };
    } finally {
      clearTimeout(timeout);
      abortAll.delete(onRunAbort);
    }
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // A few at a time: password hashing makes sign-ins an API's most expensive request.
    const concurrency = 8;
    for (let first = 0; first < size && !signal.aborted; first += concurrency) {
      await Promise.all(built.slice(first, first + concurrency).map(loginOne));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (firstProblem && !signal.aborted) throw signInFailed(firstProblem.url, firstProblem.status, firstProblem.sample, failures, size);
  return { captures, requests };
}

/**
 * The pool's captures (tokens) reach an engine's processes through their environment, never a
 * file of the result folder: `CAPACITY_POOLED_0`, `_1`, ... hold the captures' JSON in pieces
 * (Linux refuses one environment string over 128 KiB), read back by joining them in order.
 */
export const POOLED_ENV_PREFIX = 'CAPACITY_POOLED_';
const POOLED_PIECE_CHARS = 100_000;
/** What the environment of a child can carry beside the caller's own (execve's limit is ~2 MB in all). */
export const POOLED_ENV_MAX_CHARS = 1_000_000;

export function pooledEnv(captures: Array<Record<string, unknown>>): Record<string, string> {
  if (captures.length === 0) return {};
  // ASCII only (\u escapes are still JSON), so a piece is as many bytes as characters.
  const text = JSON.stringify(captures).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (text.length > POOLED_ENV_MAX_CHARS) {
    throw badInput(
      `the pool's ${captures.length} sign-ins captured ${text.length} characters, more than an engine's environment can carry (${POOLED_ENV_MAX_CHARS})`,
      [],
      'lower auth.poolSize, or capture only what later requests use',
    );
  }
  const env: Record<string, string> = {};
  for (let index = 0; index * POOLED_PIECE_CHARS < text.length; index += 1) {
    env[`${POOLED_ENV_PREFIX}${index}`] = text.slice(index * POOLED_PIECE_CHARS, (index + 1) * POOLED_PIECE_CHARS);
  }
  return env;
}

/** The captures back from an environment `pooledEnv` filled ([] when it holds none). */
export function pooledFromEnv(env: Record<string, string | undefined>): Array<Record<string, unknown>> {
  let text = '';
  for (let index = 0; env[`${POOLED_ENV_PREFIX}${index}`] !== undefined; index += 1) text += env[`${POOLED_ENV_PREFIX}${index}`];
  return text.length > 0 ? (JSON.parse(text) as Array<Record<string, unknown>>) : [];
}
