import promClient from 'prom-client';

/** Buckets fine enough to resolve a p95 between 1 ms and 2.5 s. */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5,
];

export type CacheName = 'profile' | 'product' | 'orders' | 'search';

export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

interface RouteSeries {
  requests: promClient.Counter.Internal;
  duration: promClient.Histogram.Internal<'route' | 'method' | 'status_code'>;
}

export interface AppMetrics {
  registry: promClient.Registry;
  inFlight: promClient.Gauge;
  /** Records one finished request under its route template. */
  observeRequest(route: string, method: string, statusCode: number, seconds: number): void;
  cacheHit(cache: CacheName): void;
  cacheMiss(cache: CacheName): void;
}

export function createMetrics(pool: PoolStats): AppMetrics {
  // No instance label here: Prometheus adds `instance` per scrape target, and the label sets stay
  // exactly the documented ones.
  const registry = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: registry });
  const requests = new promClient.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new promClient.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const inFlight = new promClient.Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served',
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: () => number): void => {
    new promClient.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  poolGauge('pg_pool_total', 'PostgreSQL pool connections (busy and idle)', () => pool.totalCount);
  poolGauge('pg_pool_idle', 'PostgreSQL pool connections idle', () => pool.idleCount);
  poolGauge('pg_pool_waiting', 'Queries waiting for a PostgreSQL pool connection', () => pool.waitingCount);
  const hits = new promClient.Counter({
    name: 'cache_hits_total',
    help: 'Redis cache hits, by cache',
    labelNames: ['cache'] as const,
    registers: [registry],
  });
  const misses = new promClient.Counter({
    name: 'cache_misses_total',
    help: 'Redis cache misses, by cache',
    labelNames: ['cache'] as const,
    registers: [registry],
  });
  for (const cache of ['profile', 'product', 'orders', 'search'] as const) {
    hits.inc({ cache }, 0);
    misses.inc({ cache }, 0);
  }

  // Label lookups hash the label set on every call: keep the child series per combination.
  const series = new Map<string, RouteSeries>();
  return {
    registry,
    inFlight,
    observeRequest(route, method, statusCode, seconds) {
      const key = `${method} ${statusCode} ${route}`;
      let entry = series.get(key);
      if (entry === undefined) {
        const labels = { route, method, status_code: String(statusCode) };
        entry = { requests: requests.labels(labels), duration: duration.labels(labels) };
        series.set(key, entry);
      }
      entry.requests.inc();
      entry.duration.observe(seconds);
    },
    cacheHit: (cache) => hits.inc({ cache }),
    cacheMiss: (cache) => misses.inc({ cache }),
  };
}
