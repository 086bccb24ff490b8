import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleRunResult } from './assemble.js';
import { sampleContext, sampleOutput } from '../../test/support/run-fixtures.js';
import { createResultDir, writeResult } from './store.js';
import { loadRunResult } from './read.js';

const readResult = async (dir: string) => (await loadRunResult(dir, '/')).result;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'capacity-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('result store', () => {
  it('claims a fresh folder per run, even for the same id', async () => {
    const first = await createResultDir(path.join(root, 'results'), 'x');
    const second = await createResultDir(path.join(root, 'results'), 'x');
    expect([first.id, second.id]).toEqual(['x', 'x-2']);
  });

  it('writes atomically, reads back the same result, and leaves no temporary file', async () => {
    const { dir } = await createResultDir(root, 'run');
    const result = assembleRunResult(sampleOutput(), sampleContext());
    const file = await writeResult(dir, result);
    expect(await readResult(dir)).toEqual(result);
    expect(await readResult(file)).toEqual(result);
    expect(await readdir(dir)).toEqual(['result.json']);
  });

  it('never overwrites an existing result', async () => {
    const { dir } = await createResultDir(root, 'run');
    const result = assembleRunResult(sampleOutput(), sampleContext());
    await writeResult(dir, result);
    const before = await readFile(path.join(dir, 'result.json'), 'utf8');
    await expect(writeResult(dir, { ...result, id: 'other' })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('never overwritten') });
    expect(await readFile(path.join(dir, 'result.json'), 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['result.json']);
  });

  it('refuses to write a result that does not match the schema', async () => {
    const { dir } = await createResultDir(root, 'run');
    const result = assembleRunResult(sampleOutput(), sampleContext());
    await expect(writeResult(dir, { ...result, totals: { ...result.totals, requests: -1 } })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a truncated, foreign or missing result is bad input with a clear message', async () => {
    const { dir } = await createResultDir(root, 'run');
    const result = assembleRunResult(sampleOutput(), sampleContext());
    const text = JSON.stringify(result);
    await writeFile(path.join(dir, 'result.json'), text.slice(0, text.length / 2));
    await expect(readResult(dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('not valid JSON') });

    await writeFile(path.join(dir, 'result.json'), JSON.stringify({ ...result, schemaVersion: 99 }));
    await expect(readResult(dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('schema version 99') });

    await writeFile(path.join(dir, 'result.json'), JSON.stringify({ ...result, verdict: 'maybe' }));
    await expect(readResult(dir)).rejects.toMatchObject({ exitCode: 2, details: [expect.stringContaining('verdict')] });

    await expect(readResult(path.join(root, 'nothing'))).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('no such result') });
  });
});
