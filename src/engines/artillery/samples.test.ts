import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { IN_FLIGHT_CODE } from './processor.js';
import { normalizeArtillerySamples, parseSampleLines, type SampleRecord } from './samples.js';

/** What the processor recorded of a run stopped before Artillery wrote its report. */

const plan: Plan = {
  scenario: 'stopped',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 10,
  stages: [{ durationS: 4, target: 10 }],
  thinkTimeS: 0,
  maxUsers: 20,
  requestTimeoutS: 30,
  intervalS: 1,
  requests: [
    { name: 'get', method: 'GET', path: '/item', weight: 1, auth: false },
    { name: 'post', method: 'POST', path: '/order', weight: 1, auth: false, expectStatus: [201] },
  ],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [],
  totalDurationS: 4,
  peakTarget: 10,
};

const START = 1_700_000_000_000;
const at = (seconds: number): number => START + seconds * 1000;

const records: SampleRecord[] = [
  ['p', at(0)],
  ['s', at(0.1), 'get'],
  ['r', at(0.3), 'get', 200, 180, 0],
  ['s', at(1.2), 'get'],
  ['r', at(1.4), 'get', 500, 150, 0],
  ['s', at(1.5), 'post'],
  ['r', at(1.6), 'post', 201, 90, 1],
  ['s', at(2.1), 'post'],
  ['r', at(2.2), 'post', 200, 80, 0],
  ['s', at(2.5), 'get'],
  ['e', at(2.6), 'get', 'ECONNREFUSED'],
  ['s', at(3.5), 'get'],
  ['e', at(6), 'get', IN_FLIGHT_CODE],
  // Sent, and never answered before Artillery was stopped.
  ['s', at(3.9), 'post'],
  ['n', at(4.2), 'get'],
  ['n', at(4.3), 'post'],
];

describe('the processor record of a stopped Artillery run', () => {
  const normalized = normalizeArtillerySamples(records, plan, { stoppedAtMs: at(9), graceS: 2 });

  it('counts answered and failed requests; the cut and the unanswered as in flight; the unsent apart', () => {
    expect(normalized.totals).toMatchObject({
      requests: 5,
      errors: 4,
      inFlightAtEnd: 2,
      errorsByKind: { http_5xx: 1, check: 1, http_200: 1, econnrefused: 1 },
      statusCounts: { '200': 2, '500': 1, '201': 1 },
    });
    expect(normalized.timeline).toEqual({ inFlightAtEnd: 2, notSentAfterEnd: 2 });
  });

  it('judges each status by its endpoint: 200 is not what post expects, and a failed check is an error', () => {
    expect(normalized.endpoints.map((endpoint) => [endpoint.name, endpoint.requests, endpoint.errors])).toEqual([
      ['get', 3, 2],
      ['post', 2, 2],
    ]);
  });

  it('places requests in the plan interval they ended in, with percentiles from the latencies recorded', () => {
    expect(normalized.intervals.map((interval) => interval.requests)).toEqual([1, 2, 2]);
    expect(normalized.totals.latencyMs?.max).toBeGreaterThanOrEqual(179);
    expect(normalized.totals.latencyMs?.min).toBeLessThanOrEqual(81);
  });

  it('starts at the plan start; with requests unanswered, ends at the plan end plus grace (before the stop)', () => {
    expect(normalized.runStartMs).toBe(START);
    expect(normalized.runEndMs).toBe(at(6));
    const stoppedEarlier = normalizeArtillerySamples(
      records.filter((record) => record[0] !== 'e' || record[3] !== IN_FLIGHT_CODE),
      plan,
      { stoppedAtMs: at(5), graceS: 2 },
    );
    expect(stoppedEarlier.runEndMs).toBe(at(5));
    expect(stoppedEarlier.totals.inFlightAtEnd).toBe(2);
  });

  it('takes a record of 300,000 sends (a run at its ceiling) without passing them all as arguments', () => {
    const many: SampleRecord[] = [];
    for (let index = 0; index < 300_000; index += 1) many.push(['s', at(0.5 + index / 100_000), 'get'], ['r', at(0.6 + index / 100_000), 'get', 200, 5, 0]);
    const big = normalizeArtillerySamples(many, plan, { stoppedAtMs: at(6), graceS: 2 });
    // No plan-start record: the run starts at the first send.
    expect(big.runStartMs).toBe(at(0.5));
    expect(big.totals.requests).toBe(300_000);
  });

  it('open model: arrivals never started by the stop are dropped', () => {
    // 40 planned; 7 sent, 2 not sent.
    expect(normalized.totals.droppedIterations).toBe(31);
  });
});

describe('reading the record files', () => {
  it('keeps whole records and counts a line cut by the stop as unreadable', () => {
    const text = '["p",1]\n["s",2,"get"]\n\n["r",3,"get",200,1.5,0]\n["e",4,"ge';
    const parsed = parseSampleLines(text);
    expect(parsed.records).toEqual([
      ['p', 1],
      ['s', 2, 'get'],
      ['r', 3, 'get', 200, 1.5, 0],
    ]);
    expect(parsed.unreadable).toBe(1);
  });
});

describe('readSamples (the adapter reading the record files)', () => {
  it('reads a file of 300,000 records, more than one call can take as arguments', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { readSamples } = await import('./adapter.js');
    const { SAMPLES_FILE_PREFIX } = await import('./processor.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'capacity-artillery-samples-'));
    try {
      const lines: string[] = [];
      for (let index = 0; index < 300_000; index += 1) lines.push(JSON.stringify(['s', at(index / 100_000), 'get']));
      await writeFile(path.join(dir, `${SAMPLES_FILE_PREFIX}1-1.ndjson`), `${lines.join('\n')}\n`);
      const read = await readSamples(dir);
      expect(read.files).toEqual([`${SAMPLES_FILE_PREFIX}1-1.ndjson`]);
      expect(read.records).toHaveLength(300_000);
      expect(read.unreadable).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
