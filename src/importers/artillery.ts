/**
 * Artillery test script (YAML) -> scenario: config.target, phases as stages, default headers,
 * variables, a CSV payload (copied with a header row), and the scenarios' flows with get, post,
 * put, patch, delete, captures (json, header, regexp), the expect plugin's checks and think. Pure.
 *
 * Artillery counts arrivals of virtual users, each running its scenario once; capacity's closed
 * model keeps N users repeating the flow, its open model counts requests per second. The stages
 * are translated as such and the difference is listed with what was not translated.
 */
import path from 'node:path';
import { badInput } from '../core/errors.js';
import {
  type ImportedBody,
  type ImportedCapture,
  type ImportedCheck,
  type ImportedDataFile,
  type ImportedMethod,
  type ImportedScenario,
  type ImportedStage,
  type ImportedStep,
  type ImportedVariable,
  type Untranslated,
  safeName,
  uniqueNamer,
  variableName,
} from './model.js';
import { Problems, isRecord, pathText, readSource, type SourceDocument } from './source.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Loops with at most this many rounds are unrolled into steps. */
const MAX_UNROLLED_LOOP = 10;
const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface ArtilleryImportOptions {
  name: string;
  label: string;
}

type Json = Record<string, unknown>;

interface Context {
  source: SourceDocument;
  untranslated: Untranslated[];
  variables: Record<string, ImportedVariable>;
  /** Payload field -> the data-file variable holding it ("users"): {{username}} becomes {{users.username}}. */
  payloadFields: Map<string, string>;
  origin?: string;
  /** The target's own path ("/api"), which scenario paths are appended to. */
  basePath?: string;
}

function note(context: Context, at: ReadonlyArray<string | number>, what: string): void {
  context.untranslated.push({ where: `${context.source.at(at)} ${pathText(at)}`, what });
}

/**
 * Artillery's templates in the scenario language: payload fields gain their file's name,
 * $processEnvironment / $env become secrets, $randomNumber(a, b) a range, $randomString() and
 * $uuid a uuid. Anything else is kept and listed.
 */
function rewriteTemplates(text: string, context: Context, at: ReadonlyArray<string | number>): string {
  return text.replace(TEMPLATE, (whole, inner: string) => {
    const env = /^\$(?:processEnvironment|env)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (env) {
      const name = env[1] as string;
      const variable = /^[A-Za-z]/.test(name) ? name : `ENV${name}`;
      context.variables[variable] = { kind: 'env', name };
      return `{{${variable}}}`;
    }
    const random = /^\$randomNumber\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(inner);
    if (random) {
      const [low, high] = [Number(random[1]), Number(random[2])].sort((a, b) => a - b) as [number, number];
      const variable = variableName(`random_${low}_${high}`.replace(/-/g, 'm'));
      context.variables[variable] = { kind: 'randomInt', min: low, max: high };
      return `{{${variable}}}`;
    }
    if (/^\$(randomString\(\s*\d*\s*\)|uuid)$/.test(inner)) {
      context.variables.uuid = { kind: 'uuid' };
      return '{{uuid}}';
    }
    const plain = /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (plain) {
      const name = plain[1] as string;
      const file = context.payloadFields.get(name);
      return file ? `{{${file}.${name}}}` : `{{${variableName(name)}}}`;
    }
    note(context, at, `template ${whole} not translated (functions and expressions other than $processEnvironment, $randomNumber, $randomString, $uuid)`);
    return whole;
  });
}

function rewriteDeep(value: unknown, context: Context, at: Array<string | number>): unknown {
  if (typeof value === 'string') return rewriteTemplates(value, context, at);
  if (Array.isArray(value)) return value.map((item, index) => rewriteDeep(item, context, [...at, index]));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewriteDeep(inner, context, [...at, key])]));
  return value;
}

function stringMap(value: unknown, context: Context, at: Array<string | number>): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = rewriteTemplates(typeof inner === 'string' ? inner : JSON.stringify(inner), context, [...at, key]);
  return out;
}

/** Artillery phases as stages: a constant phase holds its rate, a ramp moves to rampTo, a pause sends nothing. */
function stagesOf(phases: unknown[], context: Context): { startTarget: number; stages: ImportedStage[]; maxUsers?: number } {
  const stages: ImportedStage[] = [];
  let startTarget: number | undefined;
  let current = 0;
  let maxUsers: number | undefined;
  const moveTo = (rate: number): void => {
    if (startTarget === undefined) {
      startTarget = rate;
      current = rate;
    } else if (rate !== current) {
      stages.push({ durationS: 0, target: rate });
      current = rate;
    }
  };
  phases.forEach((phase, index) => {
    const at = ['config', 'phases', index];
    if (!isRecord(phase)) return;
    if (typeof phase.maxVusers === 'number') maxUsers = Math.max(maxUsers ?? 0, phase.maxVusers);
    if (typeof phase.pause === 'number' || typeof phase.pause === 'string') {
      moveTo(0);
      stages.push({ durationS: seconds(phase.pause, context, [...at, 'pause']), target: 0 });
      return;
    }
    const durationS = seconds(phase.duration, context, [...at, 'duration']);
    if (typeof phase.arrivalCount === 'number') {
      const rate = durationS > 0 ? phase.arrivalCount / durationS : 0;
      moveTo(rate);
      stages.push({ durationS, target: rate });
    } else if (typeof phase.arrivalRate === 'number') {
      moveTo(phase.arrivalRate);
      stages.push({ durationS, target: typeof phase.rampTo === 'number' ? phase.rampTo : phase.arrivalRate });
      current = typeof phase.rampTo === 'number' ? phase.rampTo : phase.arrivalRate;
    } else note(context, at, 'phase without arrivalRate, arrivalCount or pause left out');
  });
  return { startTarget: startTarget ?? 0, stages, ...(maxUsers === undefined ? {} : { maxUsers }) };
}

/** Artillery durations: seconds, or "30s", "5m", "1h". */
function seconds(value: unknown, context: Context, at: Array<string | number>): number {
  if (typeof value === 'number' && value >= 0) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/.exec(value.trim()) : null;
  if (match) {
    const amount = Number(match[1]);
    const unit = match[2] ?? 's';
    return unit === 'ms' ? amount / 1000 : unit === 'm' || unit === 'min' ? amount * 60 : unit === 'h' ? amount * 3600 : amount;
  }
  note(context, at, `duration ${JSON.stringify(value)} not understood: 60 s used`);
  return 60;
}

function payloadsOf(config: Json, context: Context, documentDir: string): ImportedDataFile[] {
  const raw = config.payload;
  const payloads = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const files: ImportedDataFile[] = [];
  const taken = new Set<string>();
  payloads.forEach((payload, index) => {
    const at = ['config', 'payload', ...(Array.isArray(raw) ? [index] : [])];
    if (!isRecord(payload) || typeof payload.path !== 'string' || !Array.isArray(payload.fields)) {
      note(context, at, 'payload without path and fields left out');
      return;
    }
    const fields = payload.fields.map(String);
    const stem = variableName(path.basename(payload.path, path.extname(payload.path)));
    let name = stem;
    for (let n = 2; taken.has(name) || name in context.variables; n += 1) name = `${stem}${n}`;
    taken.add(name);
    const order = payload.order === 'sequence' ? 'sequential' : 'random';
    if (payload.order !== undefined && payload.order !== 'sequence' && payload.order !== 'random') note(context, [...at, 'order'], `order ${JSON.stringify(payload.order)}: random used`);
    if (payload.loadAll === true) note(context, [...at, 'loadAll'], 'loadAll (the whole file as one list) not translated: one row per iteration instead');
    const fileName = `${name}.csv`;
    context.variables[name] = { kind: 'csv', file: fileName, column: fields[0] ?? '', order };
    for (const field of fields) context.payloadFields.set(field, name);
    files.push({ source: path.join(documentDir, payload.path), target: fileName, header: fields, skipFirstLine: payload.skipHeader === true });
  });
  return files;
}

function capturesOf(raw: unknown, context: Context, at: Array<string | number>): ImportedCapture[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const captures: ImportedCapture[] = [];
  list.forEach((capture, index) => {
    const where = Array.isArray(raw) ? [...at, index] : at;
    if (!isRecord(capture) || typeof capture.as !== 'string') {
      note(context, where, 'capture without "as" left out');
      return;
    }
    const as = variableName(capture.as);
    if (typeof capture.json === 'string') captures.push({ from: 'json', path: capture.json.replace(/^\$\.?/, '') || capture.json, as });
    else if (typeof capture.header === 'string') captures.push({ from: 'header', name: capture.header, as });
    else if (typeof capture.regexp === 'string') {
      if (capture.group !== undefined && capture.group !== 1) note(context, where, `regexp capture group ${JSON.stringify(capture.group)}: the scenario language captures the first group`);
      captures.push({ from: 'regex', pattern: capture.regexp, as });
    } else note(context, where, `capture ${Object.keys(capture).filter((k) => k !== 'as').join(', ')} not translated (json, header and regexp are)`);
    if (capture.transform !== undefined || capture.strict === false) note(context, where, 'capture options transform/strict not translated');
  });
  return captures;
}

function checksOf(raw: unknown, context: Context, at: Array<string | number>): ImportedCheck[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const checks: ImportedCheck[] = [];
  list.forEach((expectation, index) => {
    const where = Array.isArray(raw) ? [...at, index] : at;
    if (!isRecord(expectation)) return;
    const [kind] = Object.keys(expectation);
    const value = kind === undefined ? undefined : expectation[kind];
    if (kind === 'statusCode') {
      const statuses = (Array.isArray(value) ? value : [value]).map(Number).filter((n) => Number.isInteger(n) && n >= 100 && n <= 599);
      if (statuses.length > 0) checks.push({ kind: 'status', statuses });
      else note(context, where, `statusCode ${JSON.stringify(value)} not a status`);
    } else if (kind === 'hasProperty' && typeof value === 'string') checks.push({ kind: 'jsonExists', path: value });
    else if (kind === 'matchesRegexp' && typeof value === 'string' && !/[\\^$.*+?()[\]{}|]/.test(value)) checks.push({ kind: 'bodyContains', text: value });
    else note(context, where, `expect ${kind ?? '(empty)'} not translated (statusCode, hasProperty and plain-text matchesRegexp are)`);
  });
  return checks;
}

interface StepInput {
  method: ImportedMethod;
  spec: Json;
  at: Array<string | number>;
}

function stepOf({ method, spec, at }: StepInput, context: Context, name: (wanted: string) => string): ImportedStep | undefined {
  if (typeof spec.url !== 'string') {
    note(context, at, `${method} without url left out`);
    return undefined;
  }
  let url = spec.url;
  if (/^https?:\/\//i.test(url)) {
    const absolute = new URL(url.replace(TEMPLATE, 'x'));
    const rest = context.origin !== undefined && absolute.origin === context.origin ? url.slice(context.origin.length) || '/' : undefined;
    if (rest !== undefined && rest.startsWith(`${context.basePath ?? ''}/`)) url = rest.slice((context.basePath ?? '').length);
    else {
      note(context, [...at, 'url'], `${method} ${url}: outside the target ${context.origin ?? ''}${context.basePath ?? ''}, left out`);
      return undefined;
    }
  }
  const [pathPart = '/', queryPart] = url.split('?', 2);
  const query: Record<string, string> = {};
  if (queryPart !== undefined) for (const [key, value] of new URLSearchParams(queryPart)) query[key] = rewriteTemplates(value, context, [...at, 'url']);
  Object.assign(query, stringMap(spec.qs, context, [...at, 'qs']));
  const headers = stringMap(spec.headers, context, [...at, 'headers']);
  let body: ImportedBody | undefined;
  if (spec.json !== undefined) body = { kind: 'json', value: rewriteDeep(spec.json, context, [...at, 'json']) };
  else if (isRecord(spec.form)) body = { kind: 'form', fields: stringMap(spec.form, context, [...at, 'form']) };
  else if (typeof spec.body === 'string') {
    const contentType = Object.entries(headers).find(([key]) => key.toLowerCase() === 'content-type');
    if (contentType) delete headers[contentType[0]];
    body = { kind: 'raw', text: rewriteTemplates(spec.body, context, [...at, 'body']), ...(contentType ? { contentType: contentType[1] } : {}) };
  }
  for (const key of ['formData', 'auth', 'cookie', 'beforeRequest', 'afterResponse', 'ifTrue', 'gzip']) {
    if (spec[key] !== undefined) note(context, [...at, key], `${key} not translated`);
  }
  const path = rewriteTemplates(pathPart.startsWith('/') ? pathPart : `/${pathPart}`, context, [...at, 'url']);
  const wanted = typeof spec.name === 'string' ? spec.name : `${method.toLowerCase()}-${pathPart}`;
  return {
    name: name(safeName(wanted)),
    method,
    path,
    headers,
    query,
    ...(body ? { body } : {}),
    captures: capturesOf(spec.capture, context, [...at, 'capture']),
    checks: checksOf(spec.expect, context, [...at, 'expect']),
  };
}

/** The steps of one Artillery flow; think attaches to the step before it, small loops are unrolled. */
function flowSteps(flow: unknown[], context: Context, at: Array<string | number>, name: (wanted: string) => string): ImportedStep[] {
  const steps: ImportedStep[] = [];
  flow.forEach((action, index) => {
    const where = [...at, index];
    if (!isRecord(action)) return;
    const method = METHODS.find((m) => isRecord(action[m]));
    if (method) {
      const step = stepOf({ method: method.toUpperCase() as ImportedMethod, spec: action[method] as Json, at: [...where, method] }, context, name);
      if (step) steps.push(step);
    } else if (action.think !== undefined) {
      const previous = steps[steps.length - 1];
      const pause = seconds(action.think, context, [...where, 'think']);
      if (previous) previous.thinkAfterS = (previous.thinkAfterS ?? 0) + pause;
      else note(context, where, 'think before the first request left out');
    } else if (Array.isArray(action.loop)) {
      const count = typeof action.count === 'number' ? action.count : undefined;
      if (count !== undefined && count >= 1 && count <= MAX_UNROLLED_LOOP && action.over === undefined) {
        for (let round = 0; round < count; round += 1) steps.push(...flowSteps(action.loop, context, [...where, 'loop'], name));
      } else note(context, where, `loop ${action.over !== undefined ? 'over a list' : `of ${String(action.count ?? 'unbounded')} rounds`} not translated (loops of 1 to ${MAX_UNROLLED_LOOP} rounds are unrolled)`);
    } else {
      const [kind = '(empty)'] = Object.keys(action);
      note(context, where, `${kind} not translated`);
    }
  });
  return steps;
}

export function importArtillery(text: string, options: ArtilleryImportOptions & { documentDir?: string }): ImportedScenario {
  const source = readSource(text, options.label, 'Artillery script (YAML)');
  const problems = new Problems(source);
  const root = source.value;
  if (!isRecord(root)) throw badInput(`${options.label} is not an Artillery script`, [`${source.at([])}: expected a mapping with config and scenarios`]);
  if (!isRecord(root.config)) problems.add(['config'], 'missing config (target and phases)');
  if (!Array.isArray(root.scenarios) || root.scenarios.length === 0) problems.add(['scenarios'], 'missing scenarios (a list with a flow each)');
  const failure = problems.fail(`${options.label} is not an Artillery script this importer can read`);
  if (failure) throw failure;
  const config = root.config as Json;
  const context: Context = { source, untranslated: [], variables: {}, payloadFields: new Map() };

  let baseUrl: string | undefined;
  if (typeof config.target === 'string' && /^https?:\/\//.test(config.target) && !config.target.includes('{{')) {
    // Paths are appended to the target in both languages, its own path included.
    baseUrl = config.target.replace(/\/+$/, '');
    context.origin = new URL(config.target).origin;
    context.basePath = new URL(config.target).pathname.replace(/\/+$/, '');
  } else note(context, ['config', 'target'], `target ${JSON.stringify(config.target)} is not an http(s) URL: pass --target`);
  for (const key of ['environments', 'processor', 'plugins', 'engines', 'tls', 'ensure']) {
    if (config[key] === undefined || (key === 'plugins' && isRecord(config.plugins) && Object.keys(config.plugins).every((p) => p === 'expect'))) continue;
    note(context, ['config', key], `config.${key} not translated`);
  }

  const dataFiles = payloadsOf(config, context, options.documentDir ?? '.');
  if (isRecord(config.variables)) {
    for (const [key, value] of Object.entries(config.variables)) {
      const list = (Array.isArray(value) ? value : [value]).filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v));
      if (list.length === 0) {
        note(context, ['config', 'variables', key], 'variable without scalar values left out');
        continue;
      }
      context.variables[variableName(key)] = list.length === 1 ? { kind: 'literal', value: list[0] as string | number | boolean } : { kind: 'list', values: list };
    }
  }
  const defaults = isRecord(config.defaults) ? config.defaults : isRecord(config.http) && isRecord(config.http.defaults) ? config.http.defaults : {};
  const defaultHeaders = stringMap(defaults.headers, context, ['config', 'defaults', 'headers']);
  const { startTarget, stages, maxUsers: maxVusers } = Array.isArray(config.phases) && config.phases.length > 0 ? stagesOf(config.phases, context) : { startTarget: 1, stages: [{ durationS: 60, target: 1 }], maxUsers: undefined };
  if (!Array.isArray(config.phases)) note(context, ['config', 'phases'], 'no phases: one user for 60 s');

  const name = uniqueNamer();
  const scenarios = (root.scenarios as unknown[]).map((scenario, index) => {
    const at = ['scenarios', index];
    if (!isRecord(scenario)) return undefined;
    if (scenario.engine !== undefined && scenario.engine !== 'http') {
      note(context, at, `engine ${String(scenario.engine)} not translated (HTTP only)`);
      return undefined;
    }
    for (const hook of ['beforeScenario', 'afterScenario', 'beforeRequest', 'afterResponse']) if (scenario[hook] !== undefined) note(context, [...at, hook], `${hook} (custom JavaScript) not translated`);
    const steps = Array.isArray(scenario.flow) ? flowSteps(scenario.flow, context, [...at, 'flow'], name) : [];
    return { name: typeof scenario.name === 'string' ? scenario.name : `scenario ${index + 1}`, weight: typeof scenario.weight === 'number' ? scenario.weight : 1, steps, index };
  }).filter((s): s is { name: string; weight: number; steps: ImportedStep[]; index: number } => s !== undefined && s.steps.length > 0);
  if (scenarios.length === 0) throw badInput(`${options.label} has no HTTP request to import`, context.untranslated.map((u) => `${u.where}: ${u.what}`));

  const peak = Math.max(startTarget, ...stages.map((stage) => stage.target));
  const base = { name: options.name, baseUrl, defaultHeaders, variables: context.variables, dataFiles, startTarget, stages, untranslated: context.untranslated };
  const anyCapture = scenarios.some((s) => s.steps.some((step) => step.captures.length > 0));
  if (scenarios.length === 1 || anyCapture) {
    // One flow per scenario file: the heaviest scenario (captures need their order kept).
    const chosen = scenarios.reduce((best, s) => (s.weight > best.weight ? s : best));
    for (const other of scenarios) if (other !== chosen) note(context, ['scenarios', other.index], `scenario "${other.name}" left out: a scenario has one flow, "${chosen.name}" was kept (import it again from a file holding only the other one)`);
    note(context, ['config', 'phases'], 'arrivalRate counts new Artillery users per second, each running the flow once; here the stage targets are users that repeat the flow (closed model): adjust them to the users you want');
    return {
      ...base,
      baseUrl,
      description: `Imported from the Artillery script ${options.label}: scenario "${chosen.name}", ${chosen.steps.length} step(s) in order.`,
      flow: chosen.steps,
      thinkTimeS: 0,
      model: 'closed',
      maxUsers: Math.max(1, Math.ceil(maxVusers ?? peak)),
    };
  }
  // Several scenarios without captures: one weighted mix, each request carrying its scenario's share.
  const totalWeight = scenarios.reduce((sum, s) => sum + s.weight, 0);
  const meanSteps = scenarios.reduce((sum, s) => sum + (s.weight / totalWeight) * s.steps.length, 0);
  note(context, ['scenarios'], `${scenarios.length} scenarios without captures became one weighted mix: the order of steps and their think times are not kept; stage targets are arrivals × ${meanSteps.toFixed(2)} requests per arrival (req/s)`);
  const requests = scenarios.flatMap((s) => s.steps.map(({ thinkAfterS: _think, ...step }) => ({ ...step, weight: s.weight / totalWeight / s.steps.length })));
  const scale = (value: number): number => Math.round(value * meanSteps * 100) / 100;
  return {
    ...base,
    description: `Imported from the Artillery script ${options.label}: ${scenarios.length} scenarios as a weighted mix of ${requests.length} requests.`,
    requests,
    thinkTimeS: 0,
    model: 'open',
    startTarget: scale(startTarget),
    stages: stages.map((stage) => ({ durationS: stage.durationS, target: scale(stage.target) })),
    maxUsers: Math.max(10, Math.ceil(maxVusers ?? scale(peak) * 2)),
  };
}
