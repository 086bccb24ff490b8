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

/** The verdict on a response: ok, or the error kind (http_4xx, check, ...). */
export interface ResponseVerdict {
  ok: boolean;
  errorKind?: string;
}

/** A request as autocannon's iterator holds it: our bytes, its name, and what judges its response. */
export interface BuiltAutocannonRequest {
  capacityName: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  requestBuffer: Buffer;
  /**
   * Called with the response's status, body and headers as the parser gave them (name, value,
   * name, value, ...) before autocannon's `response` event (the adapter routes autocannon's
   * recordBody here, without its per-response conversion of the headers into an object).
   */
  receive?: (status: number, body: string, rawHeaders: readonly string[] | undefined) => void;
  /** The verdict on the response just received. */
  verdict?: (status: number) => ResponseVerdict;
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

const OK: ResponseVerdict = Object.freeze({ ok: true });
const CHECK_FAILED: ResponseVerdict = Object.freeze({ ok: false, errorKind: 'check' });

/** The verdict of a response from the runtime's outcome (undefined: no outcome, judged by status). */
export function verdictOf(request: Pick<PlanRequest, 'expectStatus'>, status: number, outcome: ReceiveOutcome | undefined): ResponseVerdict {
  if (!outcome) return isExpectedStatus(status, request.expectStatus) ? OK : { ok: false, errorKind: httpErrorKind(status) };
  if (outcome.ok) return OK;
  return outcome.kind === 'check' ? CHECK_FAILED : { ok: false, errorKind: httpErrorKind(status) };
}

/**
 * A response header's value from the parser's flat list (name, value, ...), any case; repeated
 * headers joined with commas, as autocannon's own conversion gave them.
 */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  let value: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (String(rawHeaders[i]).toLowerCase() !== wanted) continue;
    const next = String(rawHeaders[i + 1]);
    value = value === undefined ? next : `${value},${next}`;
  }
  return value;
}

/** True when two header sets are the same names with the same values in the same order. */
function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  const namesA = Object.keys(a);
  const namesB = Object.keys(b);
  if (namesA.length !== namesB.length) return false;
  for (let i = 0; i < namesA.length; i += 1) {
    const name = namesA[i] as string;
    if (name !== namesB[i] || a[name] !== b[name]) return false;
  }
  return true;
}

/** The last bytes built for one of a user's requests, reused while path, headers and body stay the same. */
interface BuiltBytes {
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  buffer: Buffer;
}

type Respond = (planned: PlanRequest, status: number, body: string, rawHeaders: readonly string[] | undefined) => ReceiveOutcome;

/** One request of a virtual user; its response handling lives on the prototype (no closures per request). */
class UserRequest implements BuiltAutocannonRequest {
  private outcome: ReceiveOutcome | undefined;
  constructor(
    readonly capacityName: string,
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
    readonly body: string | undefined,
    readonly requestBuffer: Buffer,
    private readonly planned: PlanRequest,
    private readonly respond: Respond,
  ) {}

  receive(status: number, body: string, rawHeaders: readonly string[] | undefined): void {
    this.outcome = this.respond(this.planned, status, typeof body === 'string' ? body : String(body ?? ''), rawHeaders);
  }

  verdict(status: number): ResponseVerdict {
    return verdictOf(this.planned, status, this.outcome);
  }
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
  // The headers of the response being judged, read only when a capture asks for one.
  let responseHeaders: readonly string[] = [];
  const header = (name: string): string | undefined => headerValue(responseHeaders, name);
  const respond: Respond = (planned, status, body, rawHeaders) => {
    responseHeaders = rawHeaders ?? [];
    return runtime.receive(user, planned, status, header, body);
  };
  const bytes = new Map<PlanRequest, BuiltBytes>();
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
      let last = bytes.get(request);
      if (!last || last.path !== path || last.body !== built.body || !sameHeaders(last.headers, built.headers)) {
        last = { path, headers: built.headers, body: built.body, buffer: raw(built.method, path, built.headers, built.body) };
        bytes.set(request, last);
      }
      return new UserRequest(built.name, built.method, path, built.headers, built.body, last.buffer, request, respond);
    },
  };
}
