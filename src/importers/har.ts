/**
 * HAR 1.2 (a browser's recording of its HTTP traffic) -> one flow that replays the recorded
 * requests of the page's main origin in order, with the recorded gaps as think time. Pure.
 *
 * What a recording holds that a load test must not replay as is: credentials (Authorization,
 * cookies, API keys) become secrets read from the environment; headers the client or browser sets
 * by itself are left out; requests to other origins, preflights and websockets are listed as not
 * translated.
 */
import { badInput } from '../core/errors.js';
import {
  CLIENT_MANAGED_HEADERS,
  type ImportedBody,
  type ImportedMethod,
  type ImportedScenario,
  type ImportedStep,
  type ImportedVariable,
  type Untranslated,
  envName,
  safeName,
  starterStages,
  uniqueNamer,
} from './model.js';
import { Problems, isRecord, offsetPlace, readSource } from './source.js';

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Headers that describe the browser, not the API call. */
const BROWSER_HEADERS = new Set(['user-agent', 'referer', 'origin', 'accept-language', 'dnt', 'upgrade-insecure-requests', 'priority', 'purpose']);
/** Header names whose values are credentials: replaced by a secret from the environment. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token)$/i;
/** Gaps shorter than this are the browser's own pace, not a user's think time. */
const MIN_THINK_S = 0.25;
/** A recorded pause longer than this is a user leaving the tab, capped. */
const MAX_THINK_S = 30;

interface HarHeader {
  name: string;
  value: string;
}

export interface HarImportOptions {
  /** Scenario name (default: from the file name). */
  name: string;
  /** The file name, for messages and the description. */
  label: string;
}

function headerList(value: unknown): HarHeader[] {
  if (!Array.isArray(value)) return [];
  return value.filter((h): h is HarHeader => isRecord(h) && typeof h.name === 'string' && typeof h.value === 'string');
}

/** Checks the shape a HAR must have; every problem with its line. */
function validateHar(text: string, label: string): { entries: Array<Record<string, unknown>> } {
  const first = text.trimStart()[0];
  if (first !== '{') {
    const line = text.slice(0, text.length - text.trimStart().length).split('\n').length;
    throw badInput(`${label} is not a HAR file`, [
      `${label}:${line}:1: a HAR file is a JSON object starting with "{" (found ${first === undefined ? 'an empty file' : JSON.stringify(first)})`,
    ], 'record one in the browser: DevTools > Network > "Export HAR", or Playwright\'s recordHar');
  }
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = /position (\d+)/.exec(message)?.[1];
    const where = offset === undefined ? label : offsetPlace(text, Number(offset), label);
    throw badInput(`${label} is not a HAR file: it is not valid JSON`, [`${where}: ${message}`]);
  }
  const source = readSource(text, label, 'HAR file (JSON)');
  const problems = new Problems(source);
  const root = source.value;
  const log = isRecord(root) ? root.log : undefined;
  if (!isRecord(log)) {
    problems.add([], 'missing the "log" object every HAR file has at its top');
    throw problems.fail(`${label} is not a HAR file`, 'HAR 1.2: { "log": { "version": "1.2", "creator": {...}, "entries": [...] } }');
  }
  if (typeof log.version !== 'string' || !/^1\.\d+$/.test(log.version)) problems.add(['log', 'version'], `expected a HAR version such as "1.2", got ${JSON.stringify(log.version)}`);
  if (!Array.isArray(log.entries)) problems.add(['log', 'entries'], 'missing the list of recorded requests');
  const entries = Array.isArray(log.entries) ? log.entries : [];
  entries.forEach((entry: unknown, index: number) => {
    const request = isRecord(entry) ? entry.request : undefined;
    if (!isRecord(request)) {
      problems.add(['log', 'entries', index], 'an entry needs a "request" object');
      return;
    }
    if (typeof request.method !== 'string') problems.add(['log', 'entries', index, 'request', 'method'], 'missing the method');
    if (typeof request.url !== 'string' || !URL.canParse(request.url)) problems.add(['log', 'entries', index, 'request', 'url'], `expected an absolute URL, got ${JSON.stringify(request.url)}`);
  });
  const failure = problems.fail(`${label} is not a valid HAR file`);
  if (failure) throw failure;
  return { entries: entries as Array<Record<string, unknown>> };
}

function startedMs(entry: Record<string, unknown>): number | undefined {
  const started = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : Number.NaN;
  return Number.isFinite(started) ? started : undefined;
}

function bodyOf(postData: unknown, where: string, untranslated: Untranslated[]): ImportedBody | undefined {
  if (!isRecord(postData)) return undefined;
  const mimeType = typeof postData.mimeType === 'string' ? postData.mimeType.split(';')[0]?.trim().toLowerCase() ?? '' : '';
  const text = typeof postData.text === 'string' ? postData.text : undefined;
  if (mimeType === 'application/json' || mimeType.endsWith('+json')) {
    if (text !== undefined) {
      try {
        return { kind: 'json', value: JSON.parse(text) as unknown };
      } catch {
        return { kind: 'raw', text, contentType: mimeType };
      }
    }
  }
  if (mimeType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    if (Array.isArray(postData.params) && postData.params.length > 0) {
      for (const param of postData.params) if (isRecord(param) && typeof param.name === 'string') fields[param.name] = typeof param.value === 'string' ? param.value : '';
    } else if (text !== undefined) {
      for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
    }
    return { kind: 'form', fields };
  }
  if (mimeType.startsWith('multipart/')) {
    untranslated.push({ where, what: 'multipart body (file upload) left out: the scenario language sends JSON, form or raw text bodies' });
    return undefined;
  }
  return text === undefined || text === '' ? undefined : { kind: 'raw', text, ...(mimeType ? { contentType: mimeType } : {}) };
}

/** The origin most entries went to: the application under test, not its CDNs. */
function mainOrigin(urls: URL[]): string | undefined {
  const counts = new Map<string, number>();
  for (const url of urls) counts.set(url.origin, (counts.get(url.origin) ?? 0) + 1);
  let best: string | undefined;
  for (const [origin, count] of counts) if (best === undefined || count > (counts.get(best) ?? 0)) best = origin;
  return best;
}

export function importHar(text: string, options: HarImportOptions): ImportedScenario {
  const { entries } = validateHar(text, options.label);
  const untranslated: Untranslated[] = [];
  const variables: Record<string, ImportedVariable> = {};
  const parsed = entries.map((entry) => ({ entry, url: new URL(String((entry.request as Record<string, unknown>).url)) }));
  const origin = mainOrigin(parsed.filter(({ url }) => url.protocol === 'http:' || url.protocol === 'https:').map(({ url }) => url));
  if (origin === undefined) throw badInput(`${options.label} holds no http(s) request to import`, [`${options.label}: log.entries: ${entries.length} entries, none of them http(s)`]);

  const name = uniqueNamer();
  const steps: Array<ImportedStep & { startMs?: number; endMs?: number }> = [];
  const dropped = new Set<string>();
  parsed.forEach(({ entry, url }, index) => {
    const where = `log.entries[${index}]`;
    const request = entry.request as Record<string, unknown>;
    const method = String(request.method).toUpperCase();
    if (url.origin !== origin) {
      untranslated.push({ where, what: `${method} ${url.href}: another origin than ${origin} (the scenario has one target)` });
      return;
    }
    if (!METHODS.has(method)) {
      untranslated.push({ where, what: `${method} ${url.pathname}: ${method === 'OPTIONS' ? 'a CORS preflight (the browser sends it by itself)' : 'method not in GET, POST, PUT, PATCH, DELETE'}` });
      return;
    }
    const headers: Record<string, string> = {};
    for (const header of headerList(request.headers)) {
      const lower = header.name.toLowerCase();
      if (lower.startsWith(':') || CLIENT_MANAGED_HEADERS.has(lower) || BROWSER_HEADERS.has(lower) || lower.startsWith('sec-')) {
        dropped.add(lower);
        continue;
      }
      if (lower === 'cookie') {
        untranslated.push({ where, what: 'Cookie header left out (recorded session cookies are credentials): add a login step that captures the session, or a header from a secret' });
        continue;
      }
      if (CREDENTIAL_HEADER.test(lower)) {
        const bearer = /^bearer\s+/i.test(header.value);
        const secret = envName(bearer ? 'API_TOKEN' : `API_${lower}`);
        variables[secret] = { kind: 'env', name: secret };
        headers[header.name] = bearer ? `Bearer {{${secret}}}` : `{{${secret}}}`;
        if (!untranslated.some((u) => u.what.includes(`$${secret}`))) {
          untranslated.push({ where, what: `the recorded ${header.name} value was not copied: it is read from the environment variable $${secret} at run time` });
        }
        continue;
      }
      headers[header.name] = header.value;
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) {
      if (key in query) untranslated.push({ where, what: `query parameter "${key}" repeated: only its first value is kept` });
      else query[key] = value;
    }
    const body = METHODS.has(method) && method !== 'GET' ? bodyOf(request.postData, where, untranslated) : undefined;
    if (body?.kind === 'json' || body?.kind === 'form') {
      for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-type') delete headers[key];
    }
    const startMs = startedMs(entry);
    const durationMs = typeof entry.time === 'number' && entry.time >= 0 ? entry.time : 0;
    steps.push({
      name: name(safeName(`${method.toLowerCase()}-${url.pathname === '/' ? 'root' : url.pathname}`)),
      method: method as ImportedMethod,
      path: url.pathname,
      headers,
      query,
      ...(body ? { body } : {}),
      captures: [],
      checks: [],
      ...(startMs === undefined ? {} : { startMs, endMs: startMs + durationMs }),
    });
  });
  if (steps.length === 0) throw badInput(`${options.label} holds no request to ${origin} that can be replayed`, untranslated.map((u) => `${u.where}: ${u.what}`));

  // Entries are in start order in every recorder we know; sort anyway, think times depend on it.
  const ordered = steps.every((s) => s.startMs !== undefined) ? [...steps].sort((a, b) => (a.startMs as number) - (b.startMs as number)) : steps;
  for (let i = 0; i + 1 < ordered.length; i += 1) {
    const current = ordered[i] as (typeof ordered)[number];
    const next = ordered[i + 1] as (typeof ordered)[number];
    if (current.endMs === undefined || next.startMs === undefined) continue;
    const gapS = (next.startMs - current.endMs) / 1000;
    if (gapS >= MIN_THINK_S) current.thinkAfterS = Math.round(Math.min(gapS, MAX_THINK_S) * 10) / 10;
  }

  // Headers every step sends the same way belong to the target.
  const defaultHeaders: Record<string, string> = {};
  const firstHeaders = (ordered[0] as ImportedStep).headers;
  for (const [key, value] of Object.entries(firstHeaders)) {
    if (ordered.length > 1 && ordered.every((step) => step.headers[key] === value)) {
      defaultHeaders[key] = value;
      for (const step of ordered) delete step.headers[key];
    }
  }
  if (dropped.size > 0) untranslated.push({ where: 'log.entries', what: `headers the HTTP client or browser sets by itself were left out: ${[...dropped].sort().join(', ')}` });

  return {
    name: options.name,
    description: `Imported from the HAR recording ${options.label}: ${ordered.length} request(s) to ${origin}, replayed in order by each virtual user.`,
    baseUrl: origin,
    defaultHeaders,
    variables,
    flow: ordered.map(({ startMs: _s, endMs: _e, ...step }) => step),
    dataFiles: [],
    thinkTimeS: 0,
    model: 'closed',
    startTarget: 1,
    stages: starterStages(),
    maxUsers: 10,
    untranslated,
  };
}
