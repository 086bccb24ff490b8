import Fastify from 'fastify';
import helmet from '@fastify/helmet';

/** Headers a plain response carries that are not security policy. */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The security headers @fastify/helmet sets, taken once at start-up. The plugin rebuilds the helmet
 * middleware (parsing the CSP) on every request; here the headers never depend on the request, so
 * the app sets these constants instead and keeps the plugin as the single source of the policy.
 */
export async function securityHeaders(): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, { global: true });
  probe.get('/', async () => ({}));
  try {
    const response = await probe.inject({ method: 'GET', url: '/' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (!TRANSPORT_HEADERS.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return headers;
  } finally {
    await probe.close();
  }
}
