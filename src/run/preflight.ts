import { unhealthy } from '../core/errors.js';

/**
 * Before a result folder exists: the target must answer, fast. /healthz first (the reference
 * app and the stack's load balancer have it), else the base URL itself. Any HTTP answer below
 * 500 will do: load tests of other services need not have a health route.
 */
export async function preflight(baseUrl: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const attempt = async (url: string): Promise<{ status: number } | { error: string }> => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
    try {
      const response = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'manual' });
      await response.body?.cancel();
      return { status: response.status };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
      const name = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : undefined;
      return { error: name ?? cause ?? (error instanceof Error ? error.message : String(error)) };
    }
  };
  const base = baseUrl.replace(/\/+$/, '');
  const port = new URL(base).port;
  const describePort = (error: string) =>
    error === 'bad port' ? `port ${port} is blocked by Node's fetch (the Fetch standard's "bad ports" list); serve it on another port` : error;
  const health = await attempt(`${base}/healthz`);
  if ('error' in health) {
    throw unhealthy(`target ${base} does not answer: ${describePort(health.error)}`, 'start it (capacity up, or your server) or fix --target; nothing was run');
  }
  if (health.status < 400) return `${base}/healthz answered ${health.status}`;
  if (health.status >= 500) throw unhealthy(`target ${base} is unhealthy: /healthz answered ${health.status}`, 'check the service and its logs; nothing was run');
  const root = await attempt(`${base}/`);
  if ('error' in root) throw unhealthy(`target ${base} does not answer: ${root.error}`, 'nothing was run');
  if (root.status >= 500) throw unhealthy(`target ${base} answered ${root.status}`, 'check the service and its logs; nothing was run');
  return `${base}/ answered ${root.status}`;
}
