import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { alternativeId } from './ids.js';
import { RUN_RESULT_SCHEMA_VERSION, RunResult } from './schema.js';

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

/** Reads and validates a result.json (or a result folder). Corrupt, truncated or foreign → exit 2. */
export async function readResult(fileOrDir: string): Promise<RunResult> {
  const file = fileOrDir.endsWith('.json') ? fileOrDir : path.join(fileOrDir, RESULT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'EISDIR')) {
      throw badInput(`no result at ${file}`, [], 'give a results/<id> folder or its result.json');
    }
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badInput(`${file} is not valid JSON (truncated or corrupt?): ${reason}`);
  }
  if (data && typeof data === 'object' && 'schemaVersion' in data && data.schemaVersion !== RUN_RESULT_SCHEMA_VERSION) {
    throw badInput(
      `${file} has schema version ${String(data.schemaVersion)}; this capacity reads version ${RUN_RESULT_SCHEMA_VERSION}`,
      [],
      'use the capacity version that wrote it, or re-run the scenario',
    );
  }
  const parsed = RunResult.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw badInput(`${file} is not a valid capacity result`, details);
  }
  return parsed.data;
}
