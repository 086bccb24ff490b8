/**
 * What every importer produces (pure data): a scenario in the terms of the scenario language
 * (target, default headers, variables, ordered flows of steps with captures and checks, stages),
 * plus what could not be translated. emit.ts writes it as scenario YAML.
 */

export type ImportedMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type ImportedBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'raw'; text: string; contentType?: string };

export type ImportedCapture =
  | { from: 'json'; path: string; as: string }
  | { from: 'header'; name: string; as: string }
  /** The first group of the pattern, or the whole match when it has none. */
  | { from: 'regex'; pattern: string; as: string };

export type ImportedCheck =
  | { kind: 'status'; statuses: number[] }
  | { kind: 'jsonExists'; path: string }
  | { kind: 'jsonEquals'; path: string; value: string | number | boolean | null }
  | { kind: 'bodyContains'; text: string };

export interface ImportedStep {
  name: string;
  method: ImportedMethod;
  /** Path from the target's root, with `{{variable}}` references; no query string. */
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: ImportedBody;
  captures: ImportedCapture[];
  checks: ImportedCheck[];
  /** Pause after this step, in seconds (the recorded gap, Artillery's think). */
  thinkAfterS?: number;
}

export type ImportedVariable =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'list'; values: Array<string | number | boolean> }
  | { kind: 'randomInt'; min: number; max: number }
  | { kind: 'uuid' }
  /** A secret: read from this environment variable at run time, never written. */
  | { kind: 'env'; name: string }
  /** One column of a CSV data file with a header row. */
  | { kind: 'csv'; file: string; column: string; order: 'sequential' | 'random' | 'unique' };

/** A file the scenario reads that the import writes beside it (a CSV given the header row the scenario language needs). */
export interface ImportedDataFile {
  /** The source's file, relative to the imported document. */
  source: string;
  /** Where the scenario expects it, relative to the written scenario. */
  target: string;
  /** Header row to write first. */
  header: string[];
  /** The source's first line is a header of its own, replaced by `header`. */
  skipFirstLine: boolean;
}

export interface ImportedStage {
  durationS: number;
  /** Open model: req/s at the end of the stage; closed: users. */
  target: number;
}

/**
 * The plan an importer proposes when its source gives none (a recording or an API description says
 * nothing about load): ramp to 10 users over 30 s, hold 60 s. Small on purpose; the user edits it.
 */
export function starterStages(): ImportedStage[] {
  return [
    { durationS: 30, target: 10 },
    { durationS: 60, target: 10 },
  ];
}

export interface Untranslated {
  /** Where in the source: "log.entries[3]", "paths./pets.post", "scenarios[0].flow[2]" (with line when known). */
  where: string;
  what: string;
}

export interface ImportedScenario {
  name: string;
  description: string;
  /** Base URL of the target; absent when the source had none (the user passes --target). */
  baseUrl?: string;
  defaultHeaders: Record<string, string>;
  variables: Record<string, ImportedVariable>;
  /** Ordered steps each virtual user repeats (HAR, an Artillery flow); or else `requests`. */
  flow?: ImportedStep[];
  /** A weighted mix of independent requests (OpenAPI operations). */
  requests?: Array<ImportedStep & { weight: number }>;
  dataFiles: ImportedDataFile[];
  /** Pause between a user's steps when a step names none (closed model). */
  thinkTimeS: number;
  model: 'open' | 'closed';
  startTarget: number;
  stages: ImportedStage[];
  maxUsers: number;
  untranslated: Untranslated[];
}

/** A scenario or request name the scenario language accepts: letters, digits, ".", "_", "-". */
export function safeName(text: string, fallback = 'request'): string {
  const cleaned = text
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 80);
  return cleaned === '' ? fallback : cleaned;
}

/** Hands out names unique within one scenario: the second "get-items" becomes "get-items-2". */
export function uniqueNamer(): (wanted: string) => string {
  const used = new Map<string, number>();
  return (wanted) => {
    const count = (used.get(wanted) ?? 0) + 1;
    used.set(wanted, count);
    if (count === 1) return wanted;
    let candidate = `${wanted}-${count}`;
    while (used.has(candidate)) candidate = `${candidate}-x`;
    used.set(candidate, 1);
    return candidate;
  };
}

/** A variable name the scenario language accepts (letters, digits, "_"; not starting with a digit). */
export function variableName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (cleaned === '') return 'value';
  return /^[0-9]/.test(cleaned) ? `v_${cleaned}` : cleaned;
}

/** Environment variable name for a secret: upper case, "_" between words. */
export function envName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  // Also a variable name of the scenario: it must start with a letter.
  return cleaned === '' ? 'API_SECRET' : /^[A-Z]/.test(cleaned) ? cleaned : `API_${cleaned}`;
}

/** Headers an HTTP client sets by itself, or that describe the recording rather than the request. */
export const CLIENT_MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'accept-encoding',
  'te',
  'upgrade',
  'proxy-connection',
  'if-none-match',
  'if-modified-since',
  'cache-control',
  'pragma',
]);
