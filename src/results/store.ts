import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { alternativeId } from './ids.js';
import { RunResult } from './schema.js';

export const RESULT_FILE = 'result.json';

/**
 * Result folders and files. A folder is claimed with a non-recursive mkdir (two runs never share
 * one); result.json is written to a temporary file in the same folder, fsynced, then hard-linked
 * into place, which fails rather than replace an existing result; the folder is fsynced after.
 */
export async function createResultDir(resultsDir: string, id: string): Promise<{ id: string; dir: string }> {
  await mkdir(resultsDir, { recursive: true });
  for (let attempt = 1; attempt <= 100; attempt += 1) {
    const candidate = alternativeId(id, attempt);
    const dir = path.join(resultsDir, candidate);
    try {
      await mkdir(dir);
      return { id: candidate, dir };
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  throw badInput(`could not find a free result folder for ${id} in ${resultsDir}`);
}

/** Validates, then writes <dir>/result.json atomically. Throws if the folder already holds one. */
export async function writeResult(dir: string, result: RunResult): Promise<string> {
  const checked = RunResult.parse(result);
  const file = path.join(dir, RESULT_FILE);
  try {
    await writeFileAtomic(file, JSON.stringify(checked, null, 2) + '\n', { exclusive: true });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') {
      throw badInput(`${file} already exists: results are never overwritten`);
    }
    throw error;
  }
  return file;
}
