/**
 * Client of the Prometheus HTTP API (/api/v1/query, /api/v1/query_range, /api/v1/targets). Every
 * failure becomes a CapacityError that names the server, the query and what went wrong.
 */
import { CapacityError, ExitCode } from '../../core/errors.js';

export interface PrometheusSeries {
  metric: Record<string, string>;
  /** [unix seconds, value]; values arrive as strings and are parsed (NaN and ±Inf included). */
  values: Array<[number, number]>;
}

export interface PrometheusClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Largest number of points a range query may return per series (Prometheus refuses > 11,000). */
  maxPoints?: number;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export interface RangeQuery {
  query: string;
  start: Date;
  end: Date;
  /** Wanted resolution in seconds; widened when the range would exceed maxPoints. */
  stepS: number;
}

interface ApiEnvelope {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
}

/** Parses a Prometheus duration such as "15s", "1m30s" or "500ms" into seconds. */
export function parsePrometheusDuration(text: string): number | undefined {
  const pattern = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/g;
  const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index !== consumed) return undefined;
    total += Number(match[1]) * (unitSeconds[match[2] as string] as number);
    consumed += match[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** The step a range query uses: at least the wanted one, wide enough to stay under maxPoints. */
export function boundedStep(start: Date, end: Date, wantedStepS: number, maxPoints: number): number {
  const spanS = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  const minimum = spanS / Math.max(1, maxPoints - 1);
  const step = Math.max(wantedStepS, minimum, 0.001);
  // Whole milliseconds: Prometheus accepts fractional seconds, but keep the URL exact.
  return Math.ceil(step * 1000) / 1000;
}

function parseValue(raw: unknown): number {
  if (typeof raw !== 'string' && typeof raw !== 'number') return Number.NaN;
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

function parsePair(pair: unknown): [number, number] | undefined {
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const time = Number(pair[0]);
  if (!Number.isFinite(time)) return undefined;
  return [time, parseValue(pair[1])];
}

function parseLabels(raw: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value === 'string') labels[key] = value;
    }
  }
  return labels;
}

/** Reads the data of a query or query_range answer into series (a vector is one point per series). */
export function parseQueryData(data: unknown): PrometheusSeries[] {
  if (!data || typeof data !== 'object') throw new Error('answer has no data');
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  if (resultType === 'scalar') {
    const pair = parsePair(result);
    return pair ? [{ metric: {}, values: [pair] }] : [];
  }
  if (!Array.isArray(result)) throw new Error(`answer has no result list (resultType ${String(resultType)})`);
  return result.map((item: unknown) => {
    const entry = (item ?? {}) as { metric?: unknown; value?: unknown; values?: unknown };
    const pairs: unknown[] = Array.isArray(entry.values) ? entry.values : entry.value !== undefined ? [entry.value] : [];
    return {
      metric: parseLabels(entry.metric),
      values: pairs.map(parsePair).filter((pair): pair is [number, number] => pair !== undefined),
    };
  });
}

export class PrometheusClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  readonly maxPoints: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PrometheusClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new CapacityError(`Prometheus URL is not a valid URL: ${options.baseUrl}`, {
        exitCode: ExitCode.BadInput,
        hint: 'pass --prometheus http://host:9090',
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CapacityError(`Prometheus URL must be http or https: ${options.baseUrl}`, { exitCode: ExitCode.BadInput });
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxPoints = Math.min(options.maxPoints ?? 2_000, 11_000);
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  /** Instant query at `time` (default: now). */
  async query(query: string, time?: Date): Promise<PrometheusSeries[]> {
    const params = new URLSearchParams({ query });
    if (time) params.set('time', (time.getTime() / 1000).toFixed(3));
    return parseQueryData(await this.call('/api/v1/query', params, query));
  }

  /** Range query; the step is widened so no series exceeds maxPoints. */
  async queryRange(range: RangeQuery): Promise<PrometheusSeries[]> {
    if (!(range.end.getTime() > range.start.getTime())) {
      throw new CapacityError(`Prometheus range query needs end after start (query ${range.query})`, { exitCode: ExitCode.BadInput });
    }
    const step = boundedStep(range.start, range.end, range.stepS, this.maxPoints);
    const params = new URLSearchParams({
      query: range.query,
      start: (range.start.getTime() / 1000).toFixed(3),
      end: (range.end.getTime() / 1000).toFixed(3),
      step: String(step),
    });
    return parseQueryData(await this.call('/api/v1/query_range', params, range.query));
  }

  /** The scrape interval of the active targets (the smallest), from /api/v1/targets. */
  async scrapeIntervalS(): Promise<number | undefined> {
    const data = (await this.call('/api/v1/targets', new URLSearchParams({ state: 'active' }), 'targets', 'GET')) as {
      activeTargets?: Array<{ scrapeInterval?: unknown }>;
    };
    const intervals = (data.activeTargets ?? [])
      .map((target) => (typeof target.scrapeInterval === 'string' ? parsePrometheusDuration(target.scrapeInterval) : undefined))
      .filter((value): value is number => value !== undefined);
    return intervals.length > 0 ? Math.min(...intervals) : undefined;
  }

  private async call(path: string, params: URLSearchParams, what: string, method: 'GET' | 'POST' = 'POST'): Promise<unknown> {
    const url = method === 'GET' ? `${this.baseUrl}${path}?${params.toString()}` : `${this.baseUrl}${path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetchImpl(
        url,
        method === 'GET'
          ? { headers: { accept: 'application/json' }, signal }
          : {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
              body: params.toString(),
              signal,
            },
      );
    } catch (error) {
      if (this.options.signal?.aborted) throw error;
      const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : describeNetworkError(error);
      throw new CapacityError(`Prometheus at ${this.baseUrl} did not answer ${path} (${reason})`, {
        exitCode: ExitCode.Unhealthy,
        hint: 'check that Prometheus is up (capacity status) or pass the right --prometheus URL',
        details: [`query: ${what}`],
        cause: error,
      });
    }
    let body: ApiEnvelope | undefined;
    let text = '';
    try {
      text = await response.text();
      body = JSON.parse(text) as ApiEnvelope;
    } catch {
      body = undefined;
    }
    if (body?.status === 'success') return body.data;
    const apiError = body && typeof body.error === 'string' ? `${String(body.errorType ?? 'error')}: ${body.error}` : undefined;
    const detail = apiError ?? `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
    // 400 and 422 mean Prometheus refused the query itself; anything else is the server's trouble.
    const refused = response.status === 400 || response.status === 422;
    throw new CapacityError(`Prometheus at ${this.baseUrl} ${refused ? 'refused' : 'failed'} ${path}: ${detail}`, {
      exitCode: refused ? ExitCode.BadInput : ExitCode.Unhealthy,
      details: [`query: ${what}`],
      hint: refused ? 'the query is not valid for this Prometheus (version or metric names)' : 'check the Prometheus server logs',
    });
  }
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code ? `${code}: ${message}` : message;
}
