import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchema, runResultJsonSchema, scenarioJsonSchema, SCHEMA_FILES } from './json-schema.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

// The published JSON Schemas must be what the zod schemas say today. To regenerate them:
//   CAPACITY_WRITE_SCHEMAS=1 npx vitest run src/scenarios/json-schema.test.ts
describe('published JSON Schemas', () => {
  const cases = [
    ['scenario', SCHEMA_FILES.scenario, scenarioJsonSchema],
    ['run result', SCHEMA_FILES.runResult, runResultJsonSchema],
  ] as const;
  for (const [name, file, generate] of cases) {
    it(`${file} is current with the ${name} zod schema`, async () => {
      const expected = renderSchema(generate());
      const full = path.join(ROOT, file);
      if (process.env.CAPACITY_WRITE_SCHEMAS === '1') await writeFile(full, expected);
      expect(await readFile(full, 'utf8'), `${file} is stale: run CAPACITY_WRITE_SCHEMAS=1 npx vitest run src/scenarios/json-schema.test.ts`).toBe(expected);
    });
  }

  it('the scenario schema is strict and describes durations, the mix or flow, variables and the sign-in', () => {
    const schema = scenarioJsonSchema() as { additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    // requests or flow: one of the two, checked by the scenario's own validation (a JSON Schema editor sees both as optional).
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'model', 'maxUsers', 'stages']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['target', 'slos', 'variables', 'auth', 'requests', 'flow', 'failover', 'interval']));
  });
});
