/**
 * Every `{{name}}` an imported scenario uses must be defined, or the scenario would not load. A
 * source may refer to values its own code sets (an Artillery processor, a loop) or to a path
 * parameter it never declares: those become empty literal variables, listed for the user to fill.
 * Pure: returns a new scenario.
 */
import type { ImportedScenario, ImportedStep } from './model.js';
import { variableName } from './model.js';

const REFERENCE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?:\.[^{}]*?)?\s*\}\}/g;
/** A single-brace `{name}` left in a path (an undeclared OpenAPI path parameter). */
const SINGLE_BRACE = /(?<!\{)\{([A-Za-z_][A-Za-z0-9_-]*)\}(?!\})/g;

function textsOf(step: ImportedStep): string[] {
  const texts = [step.path, ...Object.values(step.query), ...Object.values(step.headers)];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  if (step.body?.kind === 'json') walk(step.body.value);
  if (step.body?.kind === 'form') walk(step.body.fields);
  if (step.body?.kind === 'raw') texts.push(step.body.text);
  for (const check of step.checks) {
    if (check.kind === 'bodyContains') texts.push(check.text);
    if (check.kind === 'jsonEquals' && typeof check.value === 'string') texts.push(check.value);
  }
  return texts;
}

export function closeReferences(imported: ImportedScenario): ImportedScenario {
  const variables = { ...imported.variables };
  const untranslated = [...imported.untranslated];
  const fixPath = (step: ImportedStep): ImportedStep => {
    if (!SINGLE_BRACE.test(step.path)) return step;
    SINGLE_BRACE.lastIndex = 0;
    return { ...step, path: step.path.replace(SINGLE_BRACE, (_whole, name: string) => `{{${variableName(name)}}}`) };
  };
  const define = (name: string, where: string): void => {
    if (name in variables) return;
    variables[name] = { kind: 'literal', value: '' };
    untranslated.push({ where, what: `{{${name}}} is set nowhere the importer can see (code, a loop, an undeclared parameter): defined as an empty value; set it under variables` });
  };
  const steps = (imported.flow ?? imported.requests ?? []).map(fixPath);
  // A capture used before its step is the source's mistake, left for validation to name.
  const capturedAnywhere = new Set(steps.flatMap((step) => step.captures.map((capture) => capture.as)));
  const captured = new Set<string>();
  for (const step of steps) {
    for (const text of textsOf(step)) {
      for (const match of text.matchAll(REFERENCE)) {
        const name = match[1] as string;
        if (!captured.has(name) && !capturedAnywhere.has(name)) define(name, `step ${step.name}`);
      }
    }
    // In a flow, a capture serves the steps after it; a mix has none.
    if (imported.flow) for (const capture of step.captures) captured.add(capture.as);
  }
  for (const [key, value] of Object.entries(imported.defaultHeaders)) {
    for (const match of value.matchAll(REFERENCE)) define(match[1] as string, `target header ${key}`);
  }
  return {
    ...imported,
    variables,
    untranslated,
    ...(imported.flow ? { flow: steps } : {}),
    ...(imported.requests ? { requests: steps as NonNullable<ImportedScenario['requests']> } : {}),
  };
}
