import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { RunAggregator, endpointShapesOf } from '../normalize.js';
import { K6CsvParser, k6NetworkErrorKind } from './csv-stream.js';
import { parseK6Version } from './adapter.js';
import { k6SummaryFigures } from './summary.js';

// Recorded from a real k6 v1.8.1 run of the bundled script of the time (fixtures/plan.json: 20 req/s for
// 2 s; "bad" answers 500, "me" needs a token: setup() signed in 5 users first).
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('k6 CSV sample stream', () => {
  it('turns the recorded stream into the same counts k6 summarized', () => {
    const plan = JSON.parse(fixture('plan.json')) as Plan;
    const parser = new K6CsvParser();
    const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
    for (const line of fixture('samples.csv').split('\n')) {
      const event = parser.parseLine(line);
      if (event?.kind === 'request') aggregator.record(event.sample);
      else if (event?.kind === 'setup') aggregator.recordSetup(event.sample);
      else if (event?.kind === 'dropped') aggregator.recordDropped(event.count);
      else if (event?.kind === 'vus') aggregator.recordActiveUsers(event.t, event.users);
    }
    const summary = k6SummaryFigures(JSON.parse(fixture('summary.json')));
    const { totals, endpoints, intervals, setup } = aggregator.finish(summary.durationS ?? 2);
    // k6's own count includes the setup() logins; ours reports them apart from the measured load.
    expect(totals.requests + setup.requests).toBe(summary.requests);
    expect(totals.requests).toBe(40);
    expect(Object.fromEntries(endpoints.map((endpoint) => [endpoint.name, endpoint.requests]))).toEqual({ 'get-x': 26, bad: 7, me: 7, login: 0 });
    expect(totals.errors).toBe(7);
    expect(totals.errorsByKind).toEqual({ http_5xx: 7 });
    expect(totals.statusCounts).toEqual({ '200': 33, '500': 7 });
    expect(setup).toMatchObject({ requests: 5, errors: 0, statusCounts: { '200': 5 } });
    // vus is 0 between iterations; vus_max (2 held ready) makes the users the run had.
    expect(totals.maxActiveUsers).toBe(2);
    expect(intervals.reduce((sum, interval) => sum + interval.requests, 0)).toBe(40);
    expect(intervals.length).toBeGreaterThanOrEqual(2);
    // Our merged histogram and k6's own trend agree on the p95 to the histogram's precision, once
    // the setup() logins k6's trend includes are merged back in.
    const withSetup = new RunAggregator(plan, endpointShapesOf(plan));
    const again = new K6CsvParser();
    for (const line of fixture('samples.csv').split('\n')) {
      const event = again.parseLine(line);
      if (event?.kind === 'request' || event?.kind === 'setup') withSetup.record(event.sample);
    }
    expect(withSetup.finish(summary.durationS ?? 2).totals.latencyMs?.p95).toBeCloseTo(summary.p95Ms ?? -1, 0);
  });

  it('decodes one request row by the header, quoted fields included', () => {
    const parser = new K6CsvParser();
    parser.parseLine('metric_name,timestamp,metric_value,error_code,expected_response,method,name,scenario,status,extra_tags,metadata');
    // A setup() sample (no scenario tag) does not start the clock.
    expect(parser.parseLine('http_req_duration,500000,40,,true,POST,login,,200,,')).toEqual({
      kind: 'setup',
      sample: { t: 0, name: 'login', status: 200, ok: true, latencyMs: 40 },
    });
    parser.parseLine('http_req_duration,1000000,1.5,,true,GET,x,main,200,,');
    const event = parser.parseLine('http_req_duration,3000000,12.5,1050,false,GET,"a,b",main,0,,');
    expect(event).toEqual({ kind: 'request', sample: { t: 2, name: 'a,b', status: 0, ok: false, errorKind: 'timeout' } });
    expect(parser.parseLine('http_req_waiting,3000000,12.5,,true,GET,x,main,200,,')).toBeUndefined();
    expect(parser.parseLine('dropped_iterations,4000000,3,,,,,main,,,')).toEqual({ kind: 'dropped', t: 3, count: 3 });
  });

  it('names k6 network error codes', () => {
    expect(k6NetworkErrorKind(1212)).toBe('econnrefused');
    expect(k6NetworkErrorKind(1220)).toBe('econnreset');
    expect(k6NetworkErrorKind(1101)).toBe('dns');
    expect(k6NetworkErrorKind(1000)).toBe('connection_error');
  });

  it('reads the version out of `k6 version`', () => {
    expect(parseK6Version('k6 v1.8.1 (go1.26.8, linux/amd64)')).toBe('1.8.1');
    expect(parseK6Version('something else')).toBeUndefined();
  });
});

describe("k6 check failures (the generated script's capacity_check_failures counter)", () => {
  it('turn an answered request of that name into an error of kind check, in its interval and endpoint', () => {
    const plan = { ...(JSON.parse(fixture('plan.json')) as Plan), intervalS: 1 };
    const parser = new K6CsvParser();
    const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
    const lines = [
      'metric_name,timestamp,metric_value,error_code,expected_response,method,name,scenario,status,extra_tags,metadata',
      'http_req_duration,1000000,12.5,,true,GET,get-x,main,200,,',
      'capacity_check_failures,1100000,1,,,,get-x,main,,,',
      'http_req_duration,1200000,11.0,,true,GET,get-x,main,200,,',
    ];
    for (const line of lines) {
      const event = parser.parseLine(line);
      if (event?.kind === 'request') aggregator.record(event.sample);
      else if (event?.kind === 'check') aggregator.recordCheckFailure(event.t, event.name);
    }
    const { totals, endpoints } = aggregator.finish(1);
    expect(totals).toMatchObject({ requests: 2, errors: 1, errorsByKind: { check: 1 } });
    expect(endpoints.find((endpoint) => endpoint.name === 'get-x')).toMatchObject({ requests: 2, errors: 1 });
  });
});
