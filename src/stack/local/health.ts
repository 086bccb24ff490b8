/**
 * Health probes of the stack's components, over loopback: each answers healthy or not with a
 * one-line detail, never throws.
 */
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProbeResult {
  healthy: boolean;
  detail: string;
}

const PROBE_TIMEOUT_MS = 2_000;

function timeoutSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

export interface HttpProbeOptions {
  expectStatus?: number;
  /** A header the response must carry (e.g. x-instance-id from the apps). */
  expectHeader?: string;
  signal?: AbortSignal;
}

export async function httpGet(
  url: string,
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(url, { signal: timeoutSignal(signal, PROBE_TIMEOUT_MS) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export async function probeHttp(url: string, options: HttpProbeOptions = {}): Promise<ProbeResult> {
  try {
    const response = await httpGet(url, options.signal);
    const expected = options.expectStatus ?? 200;
    if (response.status !== expected) {
      return { healthy: false, detail: `GET ${url} answered ${response.status}: ${response.body.slice(0, 200)}` };
    }
    if (options.expectHeader && !response.headers.get(options.expectHeader)) {
      return { healthy: false, detail: `GET ${url} answered without the ${options.expectHeader} header` };
    }
    const served = options.expectHeader ? ` (${options.expectHeader}: ${response.headers.get(options.expectHeader)})` : '';
    return { healthy: true, detail: `GET ${url} → ${response.status}${served}` };
  } catch (error) {
    return { healthy: false, detail: `GET ${url} failed: ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

/** Sends `request` over TCP and resolves with the first bytes answered. */
function exchange(host: string, port: number, request: Buffer, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const abortSignal = timeoutSignal(signal, PROBE_TIMEOUT_MS);
    const onAbort = () => {
      socket.destroy();
      reject(new Error('timed out'));
    };
    abortSignal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => socket.write(request));
    socket.once('data', (data) => {
      abortSignal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(data);
    });
    socket.once('error', (error) => {
      abortSignal.removeEventListener('abort', onAbort);
      reject(error);
    });
    socket.once('end', () => {
      abortSignal.removeEventListener('abort', onAbort);
      reject(new Error('connection closed without an answer'));
    });
  });
}

export async function probeRedis(host: string, port: number, signal?: AbortSignal): Promise<ProbeResult> {
  try {
    const answer = (await exchange(host, port, Buffer.from('PING\r\n'), signal)).toString('utf8');
    return answer.startsWith('+PONG')
      ? { healthy: true, detail: `PING → PONG on ${host}:${port}` }
      : { healthy: false, detail: `PING answered ${JSON.stringify(answer.trim().slice(0, 100))}` };
  } catch (error) {
    return { healthy: false, detail: `PING to ${host}:${port} failed: ${describe(error)}` };
  }
}

/** A PostgreSQL v3 startup message for `user` and `database`. */
export function postgresStartupMessage(user: string, database: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196_608, 4); // protocol 3.0
  body.copy(message, 8);
  return message;
}

/**
 * Whether PostgreSQL accepts connections: a startup message answered by an authentication
 * request ('R') means yes; an error ('E', e.g. "the database system is starting up") means not yet.
 */
export function interpretPostgresAnswer(answer: Buffer): ProbeResult {
  const kind = String.fromCharCode(answer[0] ?? 0);
  if (kind === 'R') return { healthy: true, detail: 'accepting connections' };
  if (kind === 'E') {
    // Fields: a type byte then a NUL-terminated string; 'M' is the message.
    const fields = answer.subarray(5).toString('utf8').split('\0');
    const message = fields.find((field) => field.startsWith('M'))?.slice(1) ?? 'error';
    return { healthy: false, detail: message };
  }
  return { healthy: false, detail: `unexpected answer ${JSON.stringify(kind)}` };
}

export async function probePostgres(
  host: string,
  port: number,
  login: { user: string; database: string },
  signal?: AbortSignal,
): Promise<ProbeResult> {
  try {
    const answer = await exchange(host, port, postgresStartupMessage(login.user, login.database), signal);
    const result = interpretPostgresAnswer(answer);
    return { ...result, detail: `${host}:${port} ${result.detail}` };
  } catch (error) {
    return { healthy: false, detail: `${host}:${port} ${describe(error)}` };
  }
}

interface PrometheusTargets {
  data?: { activeTargets?: Array<{ health?: string; scrapeUrl?: string; lastError?: string }> };
}

/** Prometheus ready and every one of `expectedTargets` scrape targets up. */
export async function probePrometheus(url: string, expectedTargets: number, signal?: AbortSignal): Promise<ProbeResult> {
  const ready = await probeHttp(`${url}/-/ready`, { signal });
  if (!ready.healthy) return ready;
  try {
    const response = await httpGet(`${url}/api/v1/targets?state=active`, signal);
    const targets = (JSON.parse(response.body) as PrometheusTargets).data?.activeTargets ?? [];
    const down = targets.filter((target) => target.health !== 'up');
    if (targets.length < expectedTargets || down.length > 0) {
      const which = down.map((target) => `${target.scrapeUrl}: ${target.health}${target.lastError ? ` (${target.lastError})` : ''}`);
      return {
        healthy: false,
        detail: `${targets.length - down.length}/${expectedTargets} scrape targets up${which.length ? `; ${which.join('; ')}` : ''}`,
      };
    }
    return { healthy: true, detail: `ready, ${targets.length}/${expectedTargets} scrape targets up` };
  } catch (error) {
    return { healthy: false, detail: `targets query failed: ${describe(error)}` };
  }
}

/** nginx proxies to an app (the app's x-instance-id header proves it) and its stub_status answers. */
export async function probeLoadBalancer(baseUrl: string, statusUrl: string | undefined, signal?: AbortSignal): Promise<ProbeResult> {
  const proxied = await probeHttp(`${baseUrl}/healthz`, { expectHeader: 'x-instance-id', signal });
  if (!proxied.healthy || !statusUrl) return proxied;
  const status = await probeHttp(statusUrl, { signal });
  return status.healthy ? proxied : { healthy: false, detail: `stub_status: ${status.detail}` };
}

export type WaitOutcome = { kind: 'healthy'; detail: string } | { kind: 'timeout' | 'aborted' | 'exited'; detail: string };

/**
 * Polls `probe` until healthy, the deadline, an abort, or the process's exit (then no point
 * waiting: its log says why).
 */
export async function waitHealthy(
  probe: () => Promise<ProbeResult>,
  options: { deadline: number; signal: AbortSignal; exited?: Promise<unknown>; intervalMs?: number },
): Promise<WaitOutcome> {
  let hasExited = false;
  void options.exited?.then(() => {
    hasExited = true;
  });
  let last = 'not probed yet';
  for (;;) {
    if (options.signal.aborted) return { kind: 'aborted', detail: last };
    const result = await probe();
    if (result.healthy) return { kind: 'healthy', detail: result.detail };
    last = result.detail;
    if (hasExited) return { kind: 'exited', detail: last };
    if (Date.now() >= options.deadline) return { kind: 'timeout', detail: last };
    try {
      await delay(options.intervalMs ?? 100, undefined, { signal: options.signal });
    } catch {
      return { kind: 'aborted', detail: last };
    }
  }
}
