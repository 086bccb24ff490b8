/**
 * `capacity import`: one entry per source kind, each pure (text in, scenario out). The command
 * (src/cli/commands/import.ts) reads the file, writes the YAML and the data files.
 */
import { importArtillery } from './artillery.js';
import { importHar } from './har.js';
import { importOpenApi } from './openapi.js';
import type { ImportedScenario } from './model.js';
import { safeName } from './model.js';
import { closeReferences } from './references.js';

export const IMPORT_KINDS = ['har', 'openapi', 'artillery'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportInput {
  kind: ImportKind;
  text: string;
  /** The file as the user named it (for messages). */
  label: string;
  /** Folder of the source file, relative to which an Artillery payload is found. */
  documentDir: string;
  /** Scenario name; default: the file name without its extension. */
  name?: string;
}

export function scenarioNameFor(fileName: string): string {
  return safeName(fileName.replace(/\.[^.]+$/, ''), 'imported');
}

export function importScenario(input: ImportInput): ImportedScenario {
  const name = input.name ?? scenarioNameFor(input.label.split(/[\\/]/).pop() ?? input.label);
  switch (input.kind) {
    case 'har':
      return closeReferences(importHar(input.text, { name, label: input.label }));
    case 'openapi':
      return closeReferences(importOpenApi(input.text, { name, label: input.label }));
    case 'artillery':
      return closeReferences(importArtillery(input.text, { name, label: input.label, documentDir: input.documentDir }));
  }
}

export { emitScenarioYaml, scenarioDocument, untranslatedLines } from './emit.js';
export type { ImportedScenario, ImportedDataFile } from './model.js';
