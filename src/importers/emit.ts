/**
 * An imported scenario as scenario YAML (docs/scenarios.md), headed by comments that list what
 * could not be translated. Pure: returns the text.
 */
import { stringify } from 'yaml';
import type { ImportedBody, ImportedCapture, ImportedCheck, ImportedScenario, ImportedStep, ImportedVariable } from './model.js';

/** Where an import without a base URL points until the user passes --target. */
export const PLACEHOLDER_TARGET = 'http://127.0.0.1:8080';

function variableOf(variable: ImportedVariable): unknown {
  switch (variable.kind) {
    case 'literal':
      return variable.value;
    case 'list':
      return { list: variable.values };
    case 'randomInt':
      return { range: [variable.min, variable.max] };
    case 'uuid':
      return { uuid: true };
    case 'env':
      return { env: variable.name };
    case 'csv':
      return { csv: variable.file, order: variable.order };
  }
}

function bodyOf(body: ImportedBody): unknown {
  if (body.kind === 'json') return { json: body.value };
  if (body.kind === 'form') return { form: body.fields };
  return { raw: body.text, ...(body.contentType ? { contentType: body.contentType } : {}) };
}

function captureOf(capture: ImportedCapture): unknown {
  if (capture.from === 'json') return { json: capture.path };
  if (capture.from === 'header') return { header: capture.name };
  return { regex: capture.pattern };
}

function checkOf(check: ImportedCheck): unknown {
  switch (check.kind) {
    case 'status':
      return { status: check.statuses.length === 1 ? check.statuses[0] : check.statuses };
    case 'jsonExists':
      return { jsonPath: check.path };
    case 'jsonEquals':
      return { jsonPath: check.path, equals: check.value };
    case 'bodyContains':
      return { bodyContains: check.text };
  }
}

function stepOf(step: ImportedStep, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: step.name,
    method: step.method,
    path: step.path,
    ...(Object.keys(step.query).length > 0 ? { query: step.query } : {}),
    ...(Object.keys(step.headers).length > 0 ? { headers: step.headers } : {}),
    ...(step.body ? { body: bodyOf(step.body) } : {}),
    ...(step.captures.length > 0 ? { capture: Object.fromEntries(step.captures.map((capture) => [capture.as, captureOf(capture)])) } : {}),
    ...(step.checks.length > 0 ? { checks: step.checks.map(checkOf) } : {}),
    ...extra,
  };
}

/** The scenario document as a plain object, in the field order docs/scenarios.md uses. */
export function scenarioDocument(imported: ImportedScenario): Record<string, unknown> {
  const headers = Object.keys(imported.defaultHeaders).length > 0 ? { headers: imported.defaultHeaders } : {};
  return {
    name: imported.name,
    description: imported.description,
    target: { url: imported.baseUrl ?? PLACEHOLDER_TARGET, ...headers },
    model: imported.model,
    maxUsers: imported.maxUsers,
    startTarget: imported.startTarget,
    ...(imported.thinkTimeS > 0 ? { thinkTime: imported.thinkTimeS } : {}),
    stages: imported.stages.map((stage) => ({ duration: stage.durationS, target: stage.target })),
    ...(Object.keys(imported.variables).length > 0 ? { variables: Object.fromEntries(Object.entries(imported.variables).map(([name, variable]) => [name, variableOf(variable)])) } : {}),
    ...(imported.flow ? { flow: imported.flow.map((step) => stepOf(step, step.thinkAfterS === undefined ? {} : { think: step.thinkAfterS })) } : {}),
    ...(imported.requests ? { requests: imported.requests.map((request) => stepOf(request, { weight: Number(request.weight.toPrecision(6)) })) } : {}),
  };
}

/** What could not be translated, one line each, as printed on stderr and written as comments. */
export function untranslatedLines(imported: ImportedScenario): string[] {
  const lines = imported.untranslated.map((item) => `${item.where}: ${item.what}`);
  if (imported.baseUrl === undefined) lines.unshift(`no base URL in the source: target.url is ${PLACEHOLDER_TARGET}; pass --target or edit it`);
  return lines;
}

export function emitScenarioYaml(imported: ImportedScenario, sourceLabel: string, kind: string): string {
  const header = [`# Imported by \`capacity import ${kind} ${sourceLabel}\`. The language: docs/scenarios.md; the importer: docs/importers.md.`];
  const lines = untranslatedLines(imported);
  if (lines.length === 0) header.push('# Everything in the source was translated.');
  else {
    header.push('# Not translated (or translated with a difference):');
    for (const line of lines) header.push(`#   - ${line.replace(/\r?\n/g, ' ')}`);
  }
  const secrets = Object.values(imported.variables).filter((v) => v.kind === 'env');
  if (secrets.length > 0) header.push(`# Secrets come from the environment at run time: ${secrets.map((v) => `$${(v as { name: string }).name}`).join(', ')}.`);
  return `${header.join('\n')}\n${stringify(scenarioDocument(imported), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
