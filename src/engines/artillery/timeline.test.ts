import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { runtimeConfig } from '../runtime.js';
import { IN_FLIGHT_CODE, PLAN_ENDED_CODE, PROCESSOR_DATA_FILE, PROCESSOR_SOURCE, SAMPLES_FILE_PREFIX, type ProcessorData } from './processor.js';
import { normalizeArtilleryReport, parseArtilleryReport } from './report.js';
import { parseSampleLines } from './samples.js';

/**
 * Artillery on the plan's timeline: the processor sends nothing after the plan's end and waits for
 * nothing past the end plus grace; the report's cut requests are counted as in flight.
 */

// Recorded from a real Artillery 2.0.21 run of a 10 s plan ramping to 100 arrivals/s against a
// target serving 40 req/s: 498 requests sent, 124 still unanswered at the end plus 2 s of grace,
// 2 requests not sent because the plan had ended.
const reportText = readFileSync(new URL('./fixtures/timeline-report.json', import.meta.url), 'utf8');

const plan: Plan = {
  scenario: 'slow-target',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 0,
  stages: [{ durationS: 10, target: 100 }],
  thinkTimeS: 0,
  maxUsers: 200,
  requestTimeoutS: 30,
  intervalS: 1,
  requests: [{ name: 'get', method: 'GET', path: '/item', weight: 1, auth: false }],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [],
  totalDurationS: 10,
  peakTarget: 100,
};

describe('the report of a run cut at the plan end', () => {
  const normalized = normalizeArtilleryReport(parseArtilleryReport(reportText), plan);

  it('counts the cut requests as in flight, neither requests nor errors, and the unsent apart', () => {
    expect(normalized.totals).toMatchObject({ requests: 374, errors: 0, inFlightAtEnd: 124, errorsByKind: {} });
    expect(normalized.timeline).toEqual({ inFlightAtEnd: 124, notSentAfterEnd: 2 });
    expect(normalized.endpoints).toEqual([expect.objectContaining({ name: 'get', requests: 374, errors: 0 })]);
  });

  it('keeps each period to what was sent in it (the cut falls in a later period than the send)', () => {
    expect(normalized.intervals.map((interval) => [interval.requests, interval.errors])).toEqual([
      [498, 0],
      [0, 0],
    ]);
  });
});

describe('the processor keeps the timeline', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capacity-processor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Long enough for the tests before the last to run inside the plan on a busy machine.
  const planEndMs = 1_500;
  const graceMs = 2_000;
  const { env: _env, ...runtime } = runtimeConfig(plan, {}, {});
  const data: ProcessorData = { runtime, secretNames: [], timeline: { planEndMs, graceMs } };
  writeFileSync(path.join(dir, PROCESSOR_DATA_FILE), JSON.stringify(data));
  writeFileSync(path.join(dir, 'processor.cjs'), PROCESSOR_SOURCE);
  type Hook = (request: Record<string, unknown>, context: unknown, events: unknown, done: (error?: Error & { code?: string }) => void) => void;
  const processor = createRequire(import.meta.url)(path.join(dir, 'processor.cjs')) as { capacityBefore: Hook };
  const fill = (request: Record<string, unknown>) =>
    new Promise<(Error & { code?: string }) | undefined>((resolve) => processor.capacityBefore(request, { vars: {} }, { emit: () => undefined }, (error) => resolve(error)));

  it('before the end: the request goes, its timeout cut to the end plus grace, and a timeout then is marked in flight', async () => {
    const request: Record<string, unknown> = { name: 'get', url: '/item', timeout: 30_000 };
    expect(await fill(request)).toBeUndefined();
    expect(request['timeout']).toBeGreaterThan(graceMs);
    expect(request['timeout']).toBeLessThanOrEqual(planEndMs + graceMs);
    const [mark] = (request['hooks'] as { beforeError: Array<(error: Error & { code?: string }) => Error & { code?: string }> }).beforeError;
    const timeout = Object.assign(new Error('Timeout awaiting request'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(mark?.(timeout).code).toBe(IN_FLIGHT_CODE);
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(mark?.(refused).code).toBe('ECONNREFUSED');
  });

  it('a request timeout shorter than what is left stays as it is', async () => {
    const request: Record<string, unknown> = { name: 'get', url: '/item', timeout: 100 };
    expect(await fill(request)).toBeUndefined();
    expect(request['timeout']).toBe(100);
    expect(request['hooks']).toBeUndefined();
  });

  it('after the end: nothing is sent, the virtual user fails with the plan-ended code', async () => {
    await new Promise((resolve) => setTimeout(resolve, planEndMs + 50));
    const error = await fill({ name: 'get', url: '/item', timeout: 30_000 });
    expect(error?.code).toBe(PLAN_ENDED_CODE);
  });
});

describe('the processor records every request for a run stopped before its report', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'capacity-processor-record-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const planEndMs = 1_000;
  const { env: _env, ...runtime } = runtimeConfig(plan, {}, {});
  const data: ProcessorData = { runtime, secretNames: [], timeline: { planEndMs, graceMs: 2_000 }, recordSamples: true };
  writeFileSync(path.join(dir, PROCESSOR_DATA_FILE), JSON.stringify(data));
  writeFileSync(path.join(dir, 'processor.cjs'), PROCESSOR_SOURCE);
  type Before = (request: Record<string, unknown>, context: unknown, events: unknown, done: (error?: Error & { code?: string }) => void) => void;
  type After = (request: Record<string, unknown>, response: Record<string, unknown>, context: unknown, events: unknown, done: () => void) => void;
  const events = { emit: () => undefined };
  const records = () => {
    const [file] = readdirSync(dir).filter((name) => name.startsWith(SAMPLES_FILE_PREFIX));
    return parseSampleLines(readFileSync(path.join(dir, file as string), 'utf8')).records;
  };

  it('a sent request, its answer with status and latency, a failure with its code, and a request not sent after the end', async () => {
    // Loaded here: its plan clock starts when it loads, and the tests before take their time.
    const processor = createRequire(import.meta.url)(path.join(dir, 'processor.cjs')) as { capacityBefore: Before; capacityAfter: After };
    const answered: Record<string, unknown> = { name: 'get', url: '/item', timeout: 30_000 };
    const context = { vars: {} };
    await new Promise<void>((resolve) => processor.capacityBefore(answered, context, events, () => resolve()));
    await new Promise<void>((resolve) =>
      processor.capacityAfter(answered, { statusCode: 200, headers: {}, body: 'ok', timings: { phases: { firstByte: 12.5 } } }, context, events, () => resolve()),
    );
    const failed: Record<string, unknown> = { name: 'get', url: '/item', timeout: 30_000 };
    await new Promise<void>((resolve) => processor.capacityBefore(failed, { vars: {} }, events, () => resolve()));
    const hooks = (failed['hooks'] as { beforeError: Array<(error: Error & { code?: string }) => Error> }).beforeError;
    const timeout = Object.assign(new Error('Timeout awaiting request'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    for (const hook of hooks) hook(timeout);
    await new Promise((resolve) => setTimeout(resolve, planEndMs + 50));
    await new Promise<void>((resolve) => processor.capacityBefore({ name: 'get', url: '/item', timeout: 30_000 }, { vars: {} }, events, () => resolve()));
    expect(records().map((record) => (record[0] === 'r' ? [record[0], record[2], record[3], record[4], record[5]] : record[0] === 'e' ? [record[0], record[2], record[3]] : [record[0]]))).toEqual([
      ['s'],
      ['r', 'get', 200, 12.5, 0],
      ['s'],
      // The timeline's hook ran first: the code recorded is the in-flight one.
      ['e', 'get', IN_FLIGHT_CODE],
      ['n'],
    ]);
  });
});
