import type { Plan } from '../../scenarios/types.js';
import type { EndpointFigures, Interval, Totals } from '../../results/schema.js';
import { httpErrorKind, isExpectedStatus, networkErrorKind, plannedRequests } from '../mix.js';
import { endpointShapesOf, round, RunAggregator } from '../normalize.js';
import { IN_FLIGHT_CODE } from './processor.js';

/**
 * Pure normalization of what the generated processor recorded of each request (one JSON array a
 * line, from every worker thread): the figures of an Artillery run that was stopped before it
 * wrote its own report (it writes it only at its normal end). Every request is seen, so the
 * intervals are the plan's and the percentiles come from HDR histograms.
 */

/** One line of a samples file; times are epoch milliseconds. */
export type SampleRecord =
  | ['p', number]
  | ['s', number, string]
  | ['r', number, string, number, number | null, 0 | 1]
  | ['e', number, string, string]
  | ['n', number, string];

export interface NormalizedSamples {
  intervals: Interval[];
  totals: Totals;
  endpoints: EndpointFigures[];
  runStartMs: number;
  /** The last request's send or end; when requests were still unanswered at the stop, at least
   * the plan's end plus grace (when they became in flight at the end) or the stop if earlier. */
  runEndMs: number;
  /** Lines that were not a record (a line cut by the stop): left out. */
  unreadable: number;
  timeline: { inFlightAtEnd: number; notSentAfterEnd: number };
}

export function parseSampleLines(text: string): { records: SampleRecord[]; unreadable: number } {
  const records: SampleRecord[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') records.push(parsed as SampleRecord);
      else unreadable += 1;
    } catch {
      unreadable += 1;
    }
  }
  return { records, unreadable };
}

/**
 * `stoppedAtMs`: when Artillery was stopped. A request sent and neither answered nor failed by
 * then was in flight at the end, like one the processor's timeout cut at the plan's end plus grace.
 */
export function normalizeArtillerySamples(records: readonly SampleRecord[], plan: Plan, stop: { stoppedAtMs: number; graceS: number }, unreadable = 0): NormalizedSamples {
  const { stoppedAtMs } = stop;
  // A loop, not Math.min(...): a run near Artillery's ceiling records hundreds of thousands of
  // sends, more arguments than a call can take ("Maximum call stack size exceeded").
  let firstPlanStartMs = Infinity;
  let firstSendMs = Infinity;
  for (const record of records) {
    if (record[0] === 'p') firstPlanStartMs = Math.min(firstPlanStartMs, record[1]);
    else if (record[0] === 's') firstSendMs = Math.min(firstSendMs, record[1]);
  }
  const runStartMs = Number.isFinite(firstPlanStartMs) ? firstPlanStartMs : Number.isFinite(firstSendMs) ? firstSendMs : stoppedAtMs;
  const expect = new Map(plan.requests.map((request) => [request.name, request.expectStatus]));
  const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
  let sent = 0;
  let ended = 0;
  let cutByTimeline = 0;
  let notSent = 0;
  let lastMs = runStartMs;
  for (const record of records) {
    const t = Math.max(0, (record[1] - runStartMs) / 1000);
    switch (record[0]) {
      case 's':
        sent += 1;
        lastMs = Math.max(lastMs, record[1]);
        break;
      case 'r': {
        const [, atMs, name, status, latencyMs, checkFailed] = record;
        ended += 1;
        lastMs = Math.max(lastMs, atMs);
        const expected = isExpectedStatus(status, expect.get(name));
        const errorKind = !expected ? httpErrorKind(status) : checkFailed ? 'check' : undefined;
        aggregator.record({ t, name, status, ...(latencyMs === null ? {} : { latencyMs }), ok: errorKind === undefined, ...(errorKind ? { errorKind } : {}) });
        break;
      }
      case 'e': {
        const [, atMs, name, code] = record;
        ended += 1;
        lastMs = Math.max(lastMs, atMs);
        // Cut at the plan's end plus grace: in flight, neither a request nor an error.
        if (code === IN_FLIGHT_CODE) cutByTimeline += 1;
        else aggregator.record({ t, name, status: 0, ok: false, errorKind: networkErrorKind(code) });
        break;
      }
      case 'n':
        notSent += 1;
        break;
      default:
        break;
    }
  }
  const unanswered = Math.max(0, sent - ended);
  const inFlightFromMs = Math.min(stoppedAtMs, runStartMs + (plan.totalDurationS + stop.graceS) * 1000);
  const runEndMs = unanswered > 0 ? Math.max(lastMs, inFlightFromMs) : lastMs;
  const durationS = Math.max(0.001, (runEndMs - runStartMs) / 1000);
  const { intervals, totals, endpoints } = aggregator.finish(durationS);
  const inFlightAtEnd = cutByTimeline + unanswered;
  return {
    intervals,
    totals: {
      ...totals,
      achievedRps: round(totals.requests / durationS),
      // Arrivals Artillery never started by the stop (one request each in the open model) lagged.
      ...(plan.model === 'open' ? { droppedIterations: Math.max(0, Math.round((plannedRequests(plan) ?? 0) - sent - notSent)) } : {}),
      inFlightAtEnd,
    },
    endpoints,
    runStartMs,
    runEndMs,
    unreadable,
    timeline: { inFlightAtEnd, notSentAfterEnd: notSent },
  };
}
