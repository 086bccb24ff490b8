import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { familyOf, parseExposition, parseSampleValue } from './parse.js';

const PAGE = `# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{route="/products/:id",method="GET",status_code="200"} 1027
http_requests_total{route="/products/:id",method="GET",status_code="500"} 3 1700000000000
# A plain comment
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.005",route="/a"} 10
http_request_duration_seconds_bucket{le="+Inf",route="/a"} 12
http_request_duration_seconds_sum{route="/a"} 0.07
http_request_duration_seconds_count{route="/a"} 12
process_resident_memory_bytes 8.2944e+07
weird{path="a \\"quoted\\" \\\\ back\\nslash"} NaN
`;

describe('parseExposition', () => {
  it('reads samples, labels, timestamps, types and help', () => {
    const parsed = parseExposition(PAGE);
    expect(parsed.problems).toEqual([]);
    expect(parsed.samples).toHaveLength(8);
    expect(parsed.samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { route: '/products/:id', method: 'GET', status_code: '200' },
      value: 1027,
    });
    expect(parsed.samples[1]?.timestampMs).toBe(1700000000000);
    expect(parsed.samples[3]?.labels.le).toBe('+Inf');
    expect(parsed.samples[6]?.value).toBe(82944000);
    expect(parsed.samples[7]?.labels.path).toBe('a "quoted" \\ back\nslash');
    expect(Number.isNaN(parsed.samples[7]?.value)).toBe(true);
    expect(parsed.families.get('http_requests_total')).toEqual({ type: 'counter', help: 'Requests served.' });
    expect(parsed.families.get('http_request_duration_seconds')?.type).toBe('histogram');
  });

  it('reports bad lines with their number and keeps the good ones', () => {
    const parsed = parseExposition('good 1\n{oops} 2\nbad{a=1} 3\nnovalue\nx 1 2 3\n# TYPE y wibble\nlast +Inf\n');
    expect(parsed.samples.map((s) => s.name)).toEqual(['good', 'last']);
    expect(parsed.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(parsed.problems[1]?.reason).toMatch(/not quoted/);
    expect(parsed.problems[4]?.reason).toMatch(/unknown metric type/);
  });

  it('accepts CRLF line ends and trailing commas in label sets', () => {
    const parsed = parseExposition('a{x="1",} 5\r\nb 6\r\n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['a', { x: '1' }, 5],
      ['b', {}, 6],
    ]);
  });

  it('never throws on arbitrary text, and every non-empty non-comment line is a sample or a problem', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const parsed = parseExposition(text);
        const meaningful = text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#')).length;
        expect(parsed.samples.length + parsed.problems.filter((p) => !p.text.trim().startsWith('#')).length).toBe(meaningful);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips generated well-formed samples', () => {
    const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
    const labels = fc.dictionary(labelName, fc.string({ maxLength: 20 }), { maxKeys: 4 });
    const value = fc.double({ noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.record({ name, labels, value }), { maxLength: 20 }), (samples) => {
        const text = samples
          .map((s) => {
            const set = Object.entries(s.labels)
              .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
              .join(',');
            const shown = s.value === Infinity ? '+Inf' : s.value === -Infinity ? '-Inf' : String(s.value);
            return `${s.name}${set ? `{${set}}` : ''} ${shown}`;
          })
          .join('\n');
        const parsed = parseExposition(text);
        expect(parsed.problems).toEqual([]);
        expect(parsed.samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value }))).toEqual(
          samples.map((s) => ({ name: s.name, labels: { ...s.labels }, value: Object.is(s.value, -0) ? 0 : s.value })),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSampleValue', () => {
  it('reads floats and the special values, and refuses what the format does not allow', () => {
    expect(parseSampleValue('1.5e3')).toBe(1500);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('+inf')).toBe(Infinity);
    expect(parseSampleValue('0x10')).toBeUndefined();
    expect(parseSampleValue('')).toBeUndefined();
    expect(parseSampleValue('1,5')).toBeUndefined();
  });
});

describe('familyOf', () => {
  it('maps histogram samples to their family', () => {
    const families = new Map([['h', { type: 'histogram' as const }]]);
    expect(familyOf('h_bucket', families)).toBe('h');
    expect(familyOf('other_total', families)).toBe('other_total');
  });
});
