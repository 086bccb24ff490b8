import type { RequestSample } from '../normalize.js';
import { httpErrorKind } from '../mix.js';

/**
 * Pure parser of k6's CSV sample stream (`--out csv=<fifo>`), fed line by line. Only the
 * samples we aggregate are decoded (one http_req_duration row per request, dropped_iterations,
 * vus, vus_max); the other rows are skipped by their first field without splitting them.
 */

export type K6Event =
  | { kind: 'request'; sample: RequestSample }
  /** A request made in setup() (the sign-in pool), before the scenario starts. */
  | { kind: 'setup'; sample: RequestSample }
  | { kind: 'dropped'; t: number; count: number }
  | { kind: 'vus'; t: number; users: number }
  /** A response of this request name that failed a check or a capture (the script's capacity_check_failures counter). */
  | { kind: 'check'; t: number; name: string };

/** The custom counter the generated script adds to for each failed check (translate.ts). */
export const K6_CHECK_METRIC = 'capacity_check_failures';

/** k6 error codes of requests that got no response (see k6's error code table). */
export function k6NetworkErrorKind(code: number): string {
  if (code === 1050 || code === 1211) return 'timeout';
  if (code === 1212) return 'econnrefused';
  if (code === 1220) return 'econnreset';
  if (code >= 1100 && code < 1200) return 'dns';
  return 'connection_error';
}

function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i] as string;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

export class K6CsvParser {
  private columns: Map<string, number> | undefined;
  /** Epoch microseconds of the first sample: time zero of the run. */
  startUs: number | undefined;

  constructor(startUs?: number) {
    this.startUs = startUs;
  }

  /** Decodes one line; undefined for the header, blank lines and rows we do not use. */
  parseLine(line: string): K6Event | undefined {
    if (line.length === 0) return undefined;
    if (!this.columns) {
      this.columns = new Map(splitCsv(line).map((name, index) => [name, index]));
      return undefined;
    }
    const wanted =
      line.startsWith('http_req_duration,') || line.startsWith('dropped_iterations,') || line.startsWith('vus,') || line.startsWith('vus_max,') || line.startsWith(`${K6_CHECK_METRIC},`);
    if (!wanted) return undefined;
    const fields = splitCsv(line);
    const get = (name: string): string => fields[this.columns?.get(name) ?? -1] ?? '';
    const timestampUs = Number(get('timestamp'));
    // setup() samples carry no scenario tag; time zero is the scenario's first sample.
    const inSetup = this.columns?.has('scenario') === true && get('scenario') === '';
    if (this.startUs === undefined && !inSetup) this.startUs = timestampUs;
    const t = this.startUs === undefined ? 0 : Math.max(0, (timestampUs - this.startUs) / 1e6);
    const value = Number(get('metric_value'));
    const metric = fields[0];
    if (metric === 'dropped_iterations') return { kind: 'dropped', t, count: value };
    // vus counts the virtual users inside an iteration at the sampling instant (0 between
    // requests at low rates); vus_max those k6 holds ready, like autocannon's open connections.
    // Users are the larger of the two, the same meaning as the other engines'.
    if (metric === 'vus' || metric === 'vus_max') return { kind: 'vus', t, users: value };
    if (metric === K6_CHECK_METRIC) return inSetup ? undefined : { kind: 'check', t, name: get('name') || 'unknown' };
    const status = Number(get('status') || '0');
    const ok = get('expected_response') === 'true';
    const errorCode = Number(get('error_code') || '0');
    const sample: RequestSample = {
      t,
      name: get('name') || 'unknown',
      status,
      ok,
      ...(status > 0 ? { latencyMs: value } : {}),
      ...(ok ? {} : { errorKind: status > 0 ? httpErrorKind(status) : k6NetworkErrorKind(errorCode) }),
    };
    return inSetup ? { kind: 'setup', sample } : { kind: 'request', sample };
  }
}
