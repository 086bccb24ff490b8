/**
 * Parser of the Prometheus text exposition format (version 0.0.4). Pure: a string in, samples and
 * the lines it could not read out. It never throws: a /metrics page from a user's service may hold
 * anything, and one bad line must not cost the rest of the scrape.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** Full sample name, e.g. http_request_duration_seconds_bucket. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestampMs?: number;
}

export interface FamilyInfo {
  type: MetricType;
  help?: string;
}

export interface ParseProblem {
  /** 1-based line number in the exposition text. */
  line: number;
  text: string;
  reason: string;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name -> declared type and help. */
  families: Map<string, FamilyInfo>;
  problems: ParseProblem[];
}

const METRIC_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** Parses a sample value: a float, or NaN / +Inf / -Inf in any case. */
export function parseSampleValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  // Number() accepts '', '0x1f' and whitespace; the format does not.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

class LineReader {
  position = 0;
  constructor(readonly text: string) {}
  peek(): string | undefined {
    return this.text[this.position];
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position += 1;
  }
  atEnd(): boolean {
    return this.position >= this.text.length;
  }
  readWhile(pattern: RegExp): string {
    const start = this.position;
    while (!this.atEnd() && pattern.test(this.text[this.position] as string)) this.position += 1;
    return this.text.slice(start, this.position);
  }
}

type LineOutcome = { sample: Sample } | { problem: string };

function readName(reader: LineReader, start: RegExp, rest: RegExp): string | undefined {
  const first = reader.peek();
  if (first === undefined || !start.test(first)) return undefined;
  reader.position += 1;
  return first + reader.readWhile(rest);
}

/** Reads a quoted label value after the opening quote, undoing \\, \" and \n escapes. */
function readLabelValue(reader: LineReader): string | undefined {
  let value = '';
  while (!reader.atEnd()) {
    const char = reader.peek() as string;
    reader.position += 1;
    if (char === '"') return value;
    if (char === '\\') {
      const escaped = reader.peek();
      if (escaped === undefined) return undefined;
      reader.position += 1;
      value += escaped === 'n' ? '\n' : escaped;
    } else {
      value += char;
    }
  }
  return undefined;
}

function readLabels(reader: LineReader): Record<string, string> | string {
  const labels: Record<string, string> = {};
  reader.position += 1; // '{'
  for (;;) {
    reader.skipSpaces();
    if (reader.peek() === '}') {
      reader.position += 1;
      return labels;
    }
    const name = readName(reader, LABEL_START, LABEL_CHAR);
    if (name === undefined) return 'bad label name';
    reader.skipSpaces();
    if (reader.peek() !== '=') return `missing '=' after label ${name}`;
    reader.position += 1;
    reader.skipSpaces();
    if (reader.peek() !== '"') return `label ${name} value is not quoted`;
    reader.position += 1;
    const value = readLabelValue(reader);
    if (value === undefined) return `unterminated value of label ${name}`;
    if (Object.prototype.hasOwnProperty.call(labels, name)) return `label ${name} repeated`;
    labels[name] = value;
    reader.skipSpaces();
    if (reader.peek() === ',') {
      reader.position += 1;
      continue;
    }
    if (reader.peek() === '}') continue;
    return 'expected , or } in label set';
  }
}

function parseSampleLine(line: string): LineOutcome {
  const reader = new LineReader(line);
  reader.skipSpaces();
  const name = readName(reader, NAME_START, NAME_CHAR);
  if (name === undefined) return { problem: 'bad metric name' };
  let labels: Record<string, string> = {};
  reader.skipSpaces();
  if (reader.peek() === '{') {
    const read = readLabels(reader);
    if (typeof read === 'string') return { problem: read };
    labels = read;
  }
  const rest = line.slice(reader.position).trim();
  if (rest === '') return { problem: 'missing value' };
  const fields = rest.split(/[ \t]+/);
  if (fields.length > 2) return { problem: 'unexpected text after the timestamp' };
  const value = parseSampleValue(fields[0] as string);
  if (value === undefined) return { problem: `bad value ${JSON.stringify(fields[0])}` };
  const sample: Sample = { name, labels, value };
  if (fields.length === 2) {
    const timestamp = fields[1] as string;
    if (!/^-?\d+$/.test(timestamp)) return { problem: `bad timestamp ${JSON.stringify(timestamp)}` };
    sample.timestampMs = Number(timestamp);
  }
  return { sample };
}

/** Parses a whole exposition page. Problems are reported per line, never thrown. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const families = new Map<string, FamilyInfo>();
  const problems: ParseProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      const parts = trimmed.slice(1).trim().split(/[ \t]+/);
      const keyword = parts[0];
      if (keyword !== 'HELP' && keyword !== 'TYPE') return; // a plain comment
      const family = parts[1];
      if (family === undefined || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family)) {
        problems.push({ line: index + 1, text: line, reason: `# ${keyword} without a valid metric name` });
        return;
      }
      const existing = families.get(family) ?? { type: 'untyped' as MetricType };
      if (keyword === 'TYPE') {
        const type = parts[2];
        if (type === undefined || !METRIC_TYPES.has(type) || parts.length > 3) {
          problems.push({ line: index + 1, text: line, reason: `unknown metric type ${JSON.stringify(type ?? '')}` });
          return;
        }
        existing.type = type as MetricType;
      } else {
        const helpStart = trimmed.indexOf(family) + family.length;
        existing.help = trimmed.slice(helpStart).trim().replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      families.set(family, existing);
      return;
    }
    const outcome = parseSampleLine(line);
    if ('sample' in outcome) samples.push(outcome.sample);
    else problems.push({ line: index + 1, text: line, reason: outcome.problem });
  });
  return { samples, families, problems };
}

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
export function familyOf(sampleName: string, families: Map<string, FamilyInfo>): string {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length);
      if (families.has(base)) return base;
    }
  }
  return sampleName;
}
