import { z } from 'zod';
import { RunResult } from './schema.js';
import { Scenario } from '../scenarios/schema.js';

/**
 * The JSON Schemas published in docs/schema/, generated from the zod schemas (the one source).
 * Scenario: the input side (what a user writes: durations as strings, defaults optional).
 * json-schema.test.ts fails when the committed files are stale; CAPACITY_WRITE_SCHEMAS=1 rewrites them.
 */
export const SCHEMA_FILES = {
  scenario: 'docs/schema/scenario.json',
  runResult: 'docs/schema/run-result.json',
} as const;

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Scenario, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    $id: 'https://capacity.dev/schema/scenario.json',
    title: 'capacity scenario',
    description: 'A load-test scenario for `capacity run --scenario <file>`. See docs/scenarios.md.',
  };
}

export function runResultJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RunResult, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }),
    $id: 'https://capacity.dev/schema/run-result.json',
    title: 'capacity RunResult',
    description: 'results/<id>/result.json as written by `capacity run`. See docs/results.md.',
  };
}

export function renderSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
