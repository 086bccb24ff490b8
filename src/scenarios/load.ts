import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, visit, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { badInput } from '../core/errors.js';
import { referencesIn, Scenario, templateTexts } from './schema.js';
import { readDataFile } from './data-files.js';

/** Scenario files are small; anything bigger is a mistake or an attack. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** Aliases allowed when expanding YAML: enough for anchors in a hand-written file, far too few for a billion laughs. */
export const MAX_ALIAS_COUNT = 100;

export interface LoadedScenario {
  scenario: Scenario;
  /** "builtin:peak" or the absolute path of the user's file. */
  source: string;
  /** How errors name the file: "peak.yaml" or the path as given. */
  label: string;
}

type PathKey = string | number;

/**
 * `requests[0].weight`, `slos.endpoints.login`, `(root)` for the document itself. Stages are named
 * as `capacity plan` numbers them, from 1: `stage 2 target` is stages[1].target (docs/scenarios.md).
 */
export function formatFieldPath(fieldPath: readonly PathKey[]): string {
  if (fieldPath[0] === 'stages' && typeof fieldPath[1] === 'number') {
    const rest = formatFieldPath(fieldPath.slice(2));
    return `stage ${fieldPath[1] + 1}${rest === '(root)' ? '' : ` ${rest}`}`;
  }
  let text = '';
  for (const key of fieldPath) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? key : `.${key}`;
  }
  return text === '' ? '(root)' : text;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}" (string)`;
  return `${String(value)} (${typeof value})`;
}

/**
 * Default wording of zod's issues in the scenario's terms. Messages set in the schema win over this.
 * Exported so plan.ts re-validates overrides with the same words.
 */
export function scenarioErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small': {
      const minimum = String(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${minimum} item(s)`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
      return `must be ${issue.inclusive === false ? '>' : '>='} ${minimum}`;
    }
    case 'too_big': {
      const maximum = String(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${maximum} item(s)`;
      if (issue.origin === 'string') return `must be at most ${maximum} characters`;
      return `must be ${issue.inclusive === false ? '<' : '<='} ${maximum}`;
    }
    case 'invalid_value':
      if (issue.input === undefined) return `is required (one of: ${issue.values.map((value) => String(value)).join(', ')})`;
      return `must be one of: ${issue.values.map((value) => String(value)).join(', ')} (got ${describeValue(issue.input)})`;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
}

// A duration given as a string that is not one: the union's own message says it best.
const DURATION_MESSAGE = 'must be seconds (>= 0) or a duration such as 30s, 5m, 1h30m or 500ms';

/** One human line per zod issue, unknown keys split into one line each. */
export interface FieldProblem {
  path: PathKey[];
  message: string;
  /** Set for unknown keys: point at the key itself, not its value. */
  unknownKey?: string;
}

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const issuePath = issue.path.filter((key): key is PathKey => typeof key !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...issuePath, key], message: `unknown key "${key}"`, unknownKey: key });
      continue;
    }
    if (issue.code === 'invalid_union' && !isDurationUnion(issue)) {
      // `slos`: "none" or a mapping. A mapping with a bad field names that field, not the union.
      const mapping = issue.errors.find((branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0 || inner.code === 'unrecognized_keys'));
      if (mapping) {
        for (const problem of problemsFromIssues(mapping)) problems.push({ ...problem, path: [...issuePath, ...problem.path] });
        continue;
      }
      problems.push({ path: issuePath, message: 'must be "none" or a mapping of objectives (p95Ms, errorRate, ...)' });
      continue;
    }
    const message = issue.code === 'invalid_union' ? DURATION_MESSAGE : issue.message;
    problems.push({ path: issuePath, message });
  }
  return problems;
}

function isDurationUnion(issue: z.core.$ZodIssueInvalidUnion): boolean {
  // The Duration union is the only union of a number and a string; its branches' issues say so.
  const expected = issue.errors.flat().map((inner) => (inner.code === 'invalid_type' ? inner.expected : inner.code));
  return expected.includes('number') && expected.includes('string');
}

interface Located {
  line: number;
  col: number;
}

/** Finds where a field path lives in the YAML document; the nearest existing ancestor when it is missing. */
function locate(doc: Document, lineCounter: LineCounter, problem: FieldProblem): Located | undefined {
  let node: unknown = doc.contents;
  let best: unknown = node;
  const keys = problem.unknownKey === undefined ? problem.path : problem.path.slice(0, -1);
  for (const key of keys) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
      next = pair?.value ?? undefined;
      if (pair && next === null) next = pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      next = node.items[key];
    }
    if (next === undefined || next === null) break;
    node = next;
    best = next;
  }
  if (problem.unknownKey !== undefined && isMap(best)) {
    const pair = best.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === problem.unknownKey);
    if (pair && isScalar(pair.key)) best = pair.key;
  }
  const range = (best as Node | null | undefined)?.range;
  if (!range) return undefined;
  return lineCounter.linePos(range[0]);
}

/** An alias that points at a node containing it: expanding it would never end (`body: &a [*a]`). */
export interface AliasCycle {
  /** The alias's name, without the `*`. */
  alias: string;
  /** Where the alias is written, and where its anchor is. */
  at: Located | undefined;
  anchorAt: Located | undefined;
  /** Field path of the alias, e.g. requests[0].body[0]. */
  path: PathKey[];
}

/**
 * Aliases that refer to an anchor enclosing them. An alias can only name an anchor written before
 * it, so a cycle always has this shape: the anchored node is one of the alias's ancestors. Found
 * on the syntax tree, before expanding (toJS would build a circular value that crashes later).
 */
export function findAliasCycles(doc: Document, lineCounter: LineCounter): AliasCycle[] {
  const cycles: AliasCycle[] = [];
  visit(doc, {
    Alias(_key, alias, ancestors) {
      const target = alias.resolve(doc);
      if (!target || !ancestors.includes(target)) return;
      const fieldPath: PathKey[] = [];
      ancestors.forEach((ancestor, index) => {
        const child = ancestors[index + 1] ?? alias;
        if (isPair(ancestor) && isScalar(ancestor.key) && child === ancestor.value) fieldPath.push(String(ancestor.key.value));
        else if (isSeq(ancestor)) fieldPath.push(ancestor.items.indexOf(child as never));
      });
      const position = (node: { range?: [number, number, number] | null } | undefined) =>
        node?.range ? lineCounter.linePos(node.range[0]) : undefined;
      cycles.push({ alias: alias.source, at: position(alias), anchorAt: position(target), path: fieldPath });
    },
  });
  return cycles;
}

/** The line reported for an alias cycle (shared with `--set` values in plan.ts). */
export function describeAliasCycle(cycle: AliasCycle): string {
  const anchor = cycle.anchorAt ? ` (at ${cycle.anchorAt.line}:${cycle.anchorAt.col})` : '';
  return `alias *${cycle.alias} refers to itself: it is inside the value anchored &${cycle.alias}${anchor}, a cycle that would never end`;
}

function where(label: string, located: Located | undefined): string {
  return located ? `${label}:${located.line}:${located.col}` : label;
}

/**
 * Parses and validates scenario text. Every problem (YAML syntax, types, unknown keys, semantic
 * checks) is collected and thrown at once as a CapacityError (exit 2), one line per problem:
 * "peak.yaml:12:5 stage 2 target: must be >= 0".
 */
export function parseScenarioText(text: string, label: string): Scenario {
  if (Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES) {
    throw badInput(`${label} is larger than ${MAX_SCENARIO_BYTES} bytes: not a scenario file`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lines: Array<{ at: Located | undefined; text: string }> = [];
  for (const error of doc.errors) {
    const at = lineCounter.linePos(error.pos[0]);
    lines.push({ at, text: `${where(label, at)} YAML syntax: ${error.message.split('\n')[0]}` });
  }

  // A self-referring alias would expand into a circular value: refuse it without expanding.
  const cycles = findAliasCycles(doc, lineCounter);
  for (const cycle of cycles) {
    lines.push({ at: cycle.at, text: `${where(label, cycle.at)} ${formatFieldPath(cycle.path)}: ${describeAliasCycle(cycle)}` });
  }

  let data: unknown;
  if (cycles.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      lines.push({ at: undefined, text: `${label}: YAML could not be expanded: ${reason} (at most ${MAX_ALIAS_COUNT} aliases)` });
    }
  }

  if (lines.length === 0 || data !== undefined) {
    const parsed = Scenario.safeParse(data ?? null, { error: scenarioErrorMap });
    if (parsed.success && lines.length === 0) return parsed.data;
    if (!parsed.success) {
      for (const problem of problemsFromIssues(parsed.error.issues)) {
        const at = locate(doc, lineCounter, problem);
        lines.push({ at, text: `${where(label, at)} ${formatFieldPath(problem.path)}: ${problem.message}` });
      }
    }
  }
  lines.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.col ?? 0) - (b.at?.col ?? 0));
  throw badInput(
    `${label} is not a valid scenario (${lines.length} problem${lines.length === 1 ? '' : 's'})`,
    lines.map((line) => line.text),
    'fix every listed field; the schema is docs/schema/scenario.json and docs/scenarios.md explains each field',
  );
}

/** Built-in scenarios ship as YAML beside this module (src/) or, after a build, are read from src/. */
export function builtinDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'builtin'), path.resolve(here, '..', '..', 'src', 'scenarios', 'builtin')];
  const found = candidates.find((candidate) => existsSync(path.join(candidate, 'smoke.yaml')));
  if (!found) throw badInput('the built-in scenarios are missing', [], `looked in ${candidates.join(' and ')}; reinstall capacity`);
  return found;
}

export async function listBuiltinNames(): Promise<string[]> {
  const entries = await readdir(builtinDirectory());
  return entries
    .filter((entry) => entry.endsWith('.yaml'))
    .map((entry) => entry.slice(0, -'.yaml'.length))
    .sort();
}

/** True when the reference names a file rather than a built-in. */
export function looksLikeFile(reference: string): boolean {
  return reference.includes('/') || reference.includes(path.sep) || /\.ya?ml$/i.test(reference);
}

export interface LoadOptions {
  /** The environment the run will have: every `env:` variable must be set in it (exit 2 naming the missing ones). */
  env?: Record<string, string | undefined>;
}

/** Where a field is written: "file:line:col" when it can be found. */
function fieldLocation(text: string, label: string, fieldPath: PathKey[]): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return where(label, locate(doc, lineCounter, { path: fieldPath, message: '' }));
}

/**
 * Data files (paths relative to the scenario file, made absolute here so the plan carries them)
 * are read now: a missing, empty or malformed file, or a {{name.column}} the file lacks, is exit 2
 * before any load. Environment variables named by `env:` must be set when an environment is given.
 */
async function checkExternalInputs(scenario: Scenario, text: string, label: string, baseDir: string, options: LoadOptions): Promise<Scenario> {
  const lines: string[] = [];
  const variables = { ...scenario.variables };
  const columnsOf = new Map<string, string[] | undefined>();
  for (const [name, source] of Object.entries(variables)) {
    if (typeof source !== 'object' || !('csv' in source || 'json' in source)) continue;
    const relative = 'csv' in source ? source.csv : source.json;
    const file = path.resolve(baseDir, relative);
    try {
      const table = await readDataFile(file, 'csv' in source ? 'csv' : 'json', relative);
      columnsOf.set(name, table.columns);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      const details = 'details' in error && Array.isArray(error.details) ? (error.details as string[]) : [];
      lines.push(`${fieldLocation(text, label, ['variables', name])} variables.${name}: ${error.message}`, ...details.map((detail) => `  ${detail}`));
      continue;
    }
    variables[name] = 'csv' in source ? { ...source, csv: file } : { ...source, json: file };
  }
  const entries: Array<{ at: PathKey[]; request: Parameters<typeof templateTexts>[0] }> = [];
  if (scenario.auth) entries.push({ at: ['auth', 'login'], request: scenario.auth.login });
  (scenario.requests ?? []).forEach((request, index) => entries.push({ at: ['requests', index], request }));
  (scenario.flow ?? []).forEach((step, index) => entries.push({ at: ['flow', index], request: step }));
  const texts = [
    ...Object.entries(scenario.target.headers ?? {}).map(([key, value]) => ({ at: ['target', 'headers', key] as PathKey[], text: value })),
    ...entries.flatMap((entry) => templateTexts(entry.request, entry.at)),
  ];
  for (const { at, text: template } of texts) {
    for (const { name, column } of referencesIn(template)) {
      const columns = columnsOf.get(name);
      if (column === undefined || !columns) continue;
      if (!columns.includes(column)) lines.push(`${fieldLocation(text, label, at)} ${formatFieldPath(at)}: {{${name}.${column}}}: the data file of ${name} has no column "${column}" (columns: ${columns.join(', ')})`);
    }
  }
  if (options.env) {
    for (const [name, source] of Object.entries(scenario.variables)) {
      if (typeof source === 'object' && 'env' in source && options.env[source.env] === undefined) {
        lines.push(`${fieldLocation(text, label, ['variables', name])} variables.${name}: environment variable ${source.env} is not set`);
      }
    }
  }
  if (lines.length > 0) {
    throw badInput(`${label}: ${lines.filter((line) => !line.startsWith('  ')).length} problem(s) with the scenario's data files or environment`, lines, 'data-file paths are relative to the scenario file; set the environment variables the scenario names (docs/scenarios.md, "Variables")');
  }
  return { ...scenario, variables };
}

/** Loads `peak` (a built-in) or `./my.yaml` (a file relative to cwd). Throws exit 2 on any problem. */
export async function loadScenario(reference: string, cwd: string, options: LoadOptions = {}): Promise<LoadedScenario> {
  if (!looksLikeFile(reference)) {
    const names = await listBuiltinNames();
    if (!names.includes(reference)) {
      throw badInput(`no built-in scenario named "${reference}"`, [], `built-ins: ${names.join(', ')}; or give a file: --scenario ./my-scenario.yaml`);
    }
    const file = path.join(builtinDirectory(), `${reference}.yaml`);
    const text = await readFile(file, 'utf8');
    const scenario = await checkExternalInputs(parseScenarioText(text, `${reference}.yaml`), text, `${reference}.yaml`, path.dirname(file), options);
    return { scenario, source: `builtin:${reference}`, label: `${reference}.yaml` };
  }
  const file = path.resolve(cwd, reference);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw badInput(`scenario ${reference} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw badInput(`scenario file ${reference} does not exist`, [], `looked at ${file}`);
    }
    throw error;
  }
  if (size > MAX_SCENARIO_BYTES) throw badInput(`${reference} is larger than ${MAX_SCENARIO_BYTES} bytes: not a scenario file`);
  const text = await readFile(file, 'utf8');
  const scenario = await checkExternalInputs(parseScenarioText(text, reference), text, reference, path.dirname(file), options);
  return { scenario, source: file, label: reference };
}
