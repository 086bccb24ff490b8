import type { Plan } from '../../scenarios/types.js';
import type { EndpointFigures, Interval, LatencySummary, Totals } from '../../results/schema.js';
import { httpErrorKind, isExpectedStatus, networkErrorKind, plannedRequests, plannedRps, plannedRpsBetween } from '../mix.js';
import { endpointShapesOf, round } from '../normalize.js';
import { markPartialIntervals } from '../../results/intervals.js';
import { CHECK_COUNTER_PREFIX, IN_FLIGHT_CODE, PLAN_ENDED_CODE, ROWS_OUT_CODE } from './processor.js';

// Codes of requests that were never sent (the plan had ended, a unique data source ran out) or were cut at its end.
const TIMELINE_CODES = new Set([IN_FLIGHT_CODE, PLAN_ENDED_CODE, ROWS_OUT_CODE]);

/**
 * Pure normalization of Artillery's JSON report (`artillery run --output`): `aggregate` for the
 * totals, `intermediate` (one entry per reporting period, 10 s windows aligned to the clock) for
 * the series. Artillery gives percentiles per period only, so they are kept per period and the
 * totals' percentiles are Artillery's own aggregate figures: nothing here averages percentiles.
 */

interface ArtillerySummary {
  min?: number;
  max?: number;
  mean?: number;
  median?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  count?: number;
}

export interface ArtilleryPeriod {
  counters?: Record<string, number>;
  summaries?: Record<string, ArtillerySummary>;
  period?: number | string;
  firstMetricAt?: number;
  lastMetricAt?: number;
}

export interface ArtilleryReport {
  aggregate: ArtilleryPeriod;
  intermediate: ArtilleryPeriod[];
}

const ENDPOINT_PREFIX = 'plugins.metrics-by-endpoint.';

export function parseArtilleryReport(text: string): ArtilleryReport {
  const parsed = JSON.parse(text) as Partial<ArtilleryReport>;
  if (!parsed.aggregate || !Array.isArray(parsed.intermediate)) throw new Error('not an Artillery report: missing aggregate or intermediate');
  return { aggregate: parsed.aggregate, intermediate: parsed.intermediate };
}

function latency(summary: ArtillerySummary | undefined): LatencySummary | undefined {
  if (!summary || !summary.count) return undefined;
  const p50 = summary.p50 ?? summary.median;
  if (p50 === undefined || summary.p95 === undefined || summary.p99 === undefined) return undefined;
  return {
    ...(summary.min === undefined ? {} : { min: summary.min }),
    ...(summary.mean === undefined ? {} : { mean: summary.mean }),
    p50,
    ...(summary.p90 === undefined ? {} : { p90: summary.p90 }),
    p95: summary.p95,
    p99: summary.p99,
    ...(summary.max === undefined ? {} : { max: summary.max }),
  };
}

interface Counted {
  requests: number;
  errors: number;
  /** Cut at the plan's end plus grace (the processor's IN_FLIGHT_CODE): not in requests or errors. */
  inFlight: number;
  /** Not sent because the plan had ended (PLAN_ENDED_CODE): never a request. */
  notSent: number;
  errorsByKind: Record<string, number>;
  statusCounts: Record<string, number>;
}

function add(record: Record<string, number>, key: string, by: number): void {
  if (by > 0) record[key] = (record[key] ?? 0) + by;
}

/** Requests, errors by kind and statuses of one period (or the aggregate). A response whose
 * status the mix entry does not expect is an error; a request without response is one too. */
function countPeriod(period: ArtilleryPeriod, plan: Plan, whole = false): Counted {
  const counters = period.counters ?? {};
  const expect = new Map(plan.requests.map((request) => [request.name, request.expectStatus]));
  const counted: Counted = { requests: counters['http.requests'] ?? 0, errors: 0, inFlight: 0, notSent: 0, errorsByKind: {}, statusCounts: {} };
  let perEndpointCodes = false;
  for (const [key, value] of Object.entries(counters)) {
    const status = /^http\.codes\.(\d+)$/.exec(key);
    if (status) add(counted.statusCounts, status[1] as string, value);
    const network = /^errors\.(.+)$/.exec(key);
    if (network?.[1] === IN_FLIGHT_CODE) {
      counted.inFlight += value;
      // The cut comes in the last period, the request was sent earlier: periods count what was
      // sent in them, the whole run leaves the unanswered out.
      if (whole) counted.requests -= value;
    } else if (network?.[1] === PLAN_ENDED_CODE || network?.[1] === ROWS_OUT_CODE) counted.notSent += value;
    else if (network) {
      counted.errors += value;
      add(counted.errorsByKind, networkErrorKind(network[1] as string), value);
    }
    // A response with an expected status that failed a check or a capture (the processor's counter).
    if (key.startsWith(CHECK_COUNTER_PREFIX)) {
      counted.errors += value;
      add(counted.errorsByKind, 'check', value);
    }
    const endpointCode = key.startsWith(ENDPOINT_PREFIX) ? /^plugins\.metrics-by-endpoint\.(.+)\.codes\.(\d+)$/.exec(key) : null;
    if (endpointCode) {
      perEndpointCodes = true;
      const code = Number(endpointCode[2]);
      if (!isExpectedStatus(code, expect.get(endpointCode[1] as string))) {
        counted.errors += value;
        add(counted.errorsByKind, httpErrorKind(code), value);
      }
    }
  }
  if (!perEndpointCodes) {
    for (const [code, value] of Object.entries(counted.statusCounts)) {
      if (!isExpectedStatus(Number(code), undefined)) {
        counted.errors += value;
        add(counted.errorsByKind, httpErrorKind(Number(code)), value);
      }
    }
  }
  return counted;
}

export interface NormalizedArtillery {
  intervals: Interval[];
  totals: Totals;
  endpoints: EndpointFigures[];
  durationS: number;
  runStartMs: number;
  /** Requests cut at the plan's end plus grace, and requests not sent because the plan had ended. */
  timeline: { inFlightAtEnd: number; notSentAfterEnd: number };
}

/** The report's figures are the measured load alone: the adapter's sign-in is not in it (see setupFiguresOf). */
export function normalizeArtilleryReport(report: ArtilleryReport, plan: Plan): NormalizedArtillery {
  const { aggregate } = report;
  const starts = report.intermediate.map((period) => period.firstMetricAt).filter((value): value is number => typeof value === 'number');
  const ends = report.intermediate.map((period) => period.lastMetricAt).filter((value): value is number => typeof value === 'number');
  const runStartMs = aggregate.firstMetricAt ?? (starts.length > 0 ? Math.min(...starts) : 0);
  const runEndMs = aggregate.lastMetricAt ?? (ends.length > 0 ? Math.max(...ends) : runStartMs);
  const durationS = Math.max(0.001, (runEndMs - runStartMs) / 1000);

  let created = 0;
  let finished = 0;
  const intervals: Interval[] = [...report.intermediate]
    .sort((a, b) => Number(a.period ?? 0) - Number(b.period ?? 0))
    .map((period, index, all) => {
      const periodStart = Number(period.period ?? period.firstMetricAt ?? runStartMs);
      const next = all[index + 1];
      const nominalEnd = next ? Number(next.period ?? periodStart) : runEndMs;
      const from = Math.max(periodStart, runStartMs);
      const to = Math.max(from + 1, Math.min(nominalEnd, next ? nominalEnd : runEndMs));
      const counted = countPeriod(period, plan);
      const counters = period.counters ?? {};
      created += counters['vusers.created'] ?? 0;
      finished += (counters['vusers.completed'] ?? 0) + (counters['vusers.failed'] ?? 0);
      const t = (from - runStartMs) / 1000;
      const length = (to - from) / 1000;
      const planned = plannedRpsBetween(plan, t, t + length);
      const summary = latency(period.summaries?.['http.response_time']);
      // Virtual users alive at the period's end undercount one-request users that live a few ms:
      // the mean number active over the period (arrivals per second x mean session length, Little's
      // law), rounded up, says how many were at work.
      const sessionMs = period.summaries?.['vusers.session_length']?.mean ?? 0;
      const meanActive = Math.ceil(((counters['vusers.created'] ?? 0) / length) * (sessionMs / 1000));
      return {
        t: round(t),
        durationS: round(length),
        ...(planned === undefined ? {} : { plannedRps: round(planned) }),
        achievedRps: round(counted.requests / length),
        requests: counted.requests,
        errors: counted.errors,
        ...(summary ? { latencyMs: summary } : {}),
        activeUsers: Math.max(0, created - finished, meanActive),
        errorsByKind: counted.errorsByKind,
        statusCounts: counted.statusCounts,
      };
    });

  const counted = countPeriod(aggregate, plan, true);
  const totalsErrorsByKind = { ...counted.errorsByKind };
  const totalsStatus = { ...counted.statusCounts };
  const { requests, errors } = counted;
  const planned = plannedRps(plan);
  const summary = latency(aggregate.summaries?.['http.response_time']);
  const totals: Totals = {
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : 0,
    achievedRps: round(counted.requests / durationS),
    ...(planned === undefined ? {} : { plannedRps: round(planned) }),
    ...(summary ? { latencyMs: summary } : {}),
    // Artillery never drops an arrival on purpose: planned arrivals it did not start are a lag.
    ...(plan.model === 'open'
      ? { droppedIterations: Math.max(0, Math.round((plannedRequests(plan) ?? 0) - (aggregate.counters?.['vusers.created'] ?? 0))) }
      : {}),
    maxActiveUsers: Math.max(0, ...intervals.map((interval) => interval.activeUsers ?? 0)),
    inFlightAtEnd: counted.inFlight,
    errorsByKind: totalsErrorsByKind,
    statusCounts: totalsStatus,
  };

  const counters = aggregate.counters ?? {};
  const endpoints: EndpointFigures[] = endpointShapesOf(plan).map((shape) => {
    const statusCounts: Record<string, number> = {};
    let responses = 0;
    let unexpected = 0;
    let network = 0;
    const expect = plan.requests.find((request) => request.name === shape.name)?.expectStatus;
    const prefix = `${ENDPOINT_PREFIX}${shape.name}.`;
    for (const [key, value] of Object.entries(counters)) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const code = /^codes\.(\d+)$/.exec(rest);
      if (code) {
        add(statusCounts, code[1] as string, value);
        responses += value;
        if (!isExpectedStatus(Number(code[1]), expect)) unexpected += value;
      } else if (rest.startsWith('errors.') && !TIMELINE_CODES.has(rest.slice('errors.'.length))) network += value;
    }
    const checkFailures = counters[`${CHECK_COUNTER_PREFIX}${shape.name}`] ?? 0;
    unexpected += checkFailures;
    const requestsHere = responses + network;
    const errorsHere = unexpected + network;
    const summaryHere = latency(aggregate.summaries?.[`${ENDPOINT_PREFIX}response_time.${shape.name}`]);
    return {
      name: shape.name,
      method: shape.method,
      path: shape.path,
      requests: requestsHere,
      errors: errorsHere,
      ...(summaryHere ? { latencyMs: summaryHere } : {}),
      statusCounts,
    };
  });
  return {
    intervals: markPartialIntervals(intervals, plan.totalDurationS),
    totals,
    endpoints,
    durationS,
    runStartMs,
    timeline: { inFlightAtEnd: counted.inFlight, notSentAfterEnd: counted.notSent },
  };
}
