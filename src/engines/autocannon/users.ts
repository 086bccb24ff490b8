import type { Plan, PlanRequest } from '../../scenarios/types.js';
import { httpErrorKind, isExpectedStatus } from '../mix.js';
import { exhaustedSource, type ReceiveOutcome, type Runtime } from '../runtime.js';

/**
 * Virtual users on autocannon's connections: one runtime user per connection, whose requests are
 * built one at a time (its sign-in, its flow steps in order or its picks of the mix, with its
 * captured values), and whose responses go through the runtime's checks and captures. Used when
 * the plan needs per-user state; a plain mix keeps the prebuilt rotation (adapter.ts), which is
 * cheaper per request.
 */

/** A request as autocannon's iterator holds it: our bytes, its name, and what judges its response. */
export interface BuiltAutocannonRequest {
  capacityName: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  requestBuffer: Buffer;
  /** Called by autocannon with the response's status, body and headers (before its `response` event). */
  onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string>) => void;
  /** The verdict on the response just received: ok, or the error kind (http_4xx, check, ...). */
  verdict?: (status: number) => { ok: boolean; errorKind?: string };
}

/** True when the mix can be built ahead of time: no per-user state, no shared counters, nothing read from responses. */
export function canPrebuild(plan: Plan): boolean {
  if (plan.flow || plan.auth?.per === 'user') return false;
  if (plan.requests.some((request) => (request.checks?.length ?? 0) > 0 || (request.captures?.length ?? 0) > 0)) return false;
  return !(plan.variables ?? []).some(
    (variable) => variable.kind === 'uuid' || (variable.kind === 'range' && variable.order === 'sequential') || (variable.kind === 'data' && variable.order !== 'random'),
  );
}

/**
 * True when a response to this request carries no body whatever its headers say (RFC 9110: the
 * answer to HEAD, and 204 and 304). autocannon's parser (http-parser-js) only knows this when told
 * so; left alone it waits for the Content-Length bytes of a HEAD answer, or for the connection to
 * close after a 204 without a length, and the connection sends nothing more until its timeout.
 */
export function responseHasNoBody(method: string | undefined, status: number | undefined): boolean {
  return method?.toUpperCase() === 'HEAD' || status === 204 || status === 304;
}

export type RawRequestBuilder = (method: string, path: string, headers: Record<string, string>, body: string | undefined) => Buffer;

/** The verdict of a response from the runtime's outcome (undefined: no outcome, judged by status). */
export function verdictOf(request: Pick<PlanRequest, 'expectStatus'>, status: number, outcome: ReceiveOutcome | undefined): { ok: boolean; errorKind?: string } {
  if (!outcome) return isExpectedStatus(status, request.expectStatus) ? { ok: true } : { ok: false, errorKind: httpErrorKind(status) };
  if (outcome.ok) return { ok: true };
  return { ok: false, errorKind: outcome.kind === 'check' ? 'check' : httpErrorKind(status) };
}

/**
 * One connection's virtual user. `next()` builds its next request, or returns undefined when a
 * unique data source has run out (after calling `onExhausted` with the source's name).
 */
export function connectionUser(
  runtime: Runtime,
  pooled: Record<string, unknown> | undefined,
  prefix: string,
  raw: RawRequestBuilder,
  onExhausted: (source: string) => void,
): { next: () => BuiltAutocannonRequest | undefined } {
  const user = runtime.newUser();
  Object.assign(user.captured, pooled ?? {});
  return {
    next() {
      let request: PlanRequest;
      let built: ReturnType<Runtime['build']>;
      try {
        request = runtime.next(user);
        built = runtime.build(user, request);
      } catch (error) {
        const source = exhaustedSource(error);
        if (source === undefined) throw error;
        onExhausted(source);
        return undefined;
      }
      const path = prefix + built.path;
      let outcome: ReceiveOutcome | undefined;
      return {
        capacityName: built.name,
        method: built.method,
        path,
        headers: built.headers,
        ...(built.body === undefined ? {} : { body: built.body }),
        requestBuffer: raw(built.method, path, built.headers, built.body),
        onResponse(status, body, _context, headers) {
          const lower: Record<string, string> = {};
          for (const [name, value] of Object.entries(headers ?? {})) lower[name.toLowerCase()] = String(value);
          outcome = runtime.receive(user, request, status, (name) => lower[name.toLowerCase()], typeof body === 'string' ? body : String(body ?? ''));
        },
        verdict: (status) => verdictOf(request, status, outcome),
      };
    },
  };
}
