/**
 * Reads result.json files for reports, compare and gate (results owns reading and writing them). Every failure is bad input (exit 2)
 * naming the file and what is wrong with it: missing, not JSON (truncated?), another schema
 * version, or fields that do not match the schema.
 */
import { readFile, stat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RUN_RESULT_SCHEMA_VERSION, RunResult } from './schema.js';
import { badInput } from '../core/errors.js';
import { RESULT_FILE as RESULT_FILE_NAME } from './store.js';


async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/** A result folder (holding result.json) or a JSON file → the file's absolute path. */
export async function resolveResultFile(path: string, cwd: string): Promise<string> {
  const absolute = resolve(cwd, path);
  const kind = await kindOf(absolute);
  if (kind === 'missing') throw badInput(`no such result: ${path}`, [], 'pass a result folder (results/<id>) or its result.json');
  if (kind === 'file') return absolute;
  const inside = join(absolute, RESULT_FILE_NAME);
  if ((await kindOf(inside)) !== 'file') throw badInput(`${path} is a folder without ${RESULT_FILE_NAME}`, [], 'pass a result folder written by capacity run');
  return inside;
}

/** Parses JSON text, naming the file and saying "truncated" when the text ends early. */
export function parseJsonDocument(text: string, file: string): unknown {
  if (text.trim() === '') throw badInput(`${file} is empty`, [], 'the file may have been truncated: run again or restore it');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 reports where parsing stopped; stopping at the very end means the text was cut short.
    const position = /at position (\d+)/.exec(message);
    const truncated = /end of (JSON )?(data|input)|Unterminated/i.test(message) || (position !== null && Number(position[1]) >= text.trimEnd().length - 1);
    throw badInput(
      `${file} is not valid JSON${truncated ? ' (it ends early: truncated?)' : ''}: ${message}`,
      [],
      truncated ? 'the file was cut short: run again or restore it from a copy' : 'the file is corrupt: run again or restore it from a copy',
    );
  }
}

/** Validates a parsed document as a RunResult of this schema version. */
export function parseRunResult(document: unknown, file: string): RunResult {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw badInput(`${file} is not a capacity result (expected a JSON object)`);
  }
  const version = (document as { schemaVersion?: unknown }).schemaVersion;
  if (version !== RUN_RESULT_SCHEMA_VERSION) {
    throw badInput(
      `${file} has result schema version ${JSON.stringify(version)}; this capacity reads version ${RUN_RESULT_SCHEMA_VERSION}`,
      [],
      'render it with the capacity version that wrote it, or run the scenario again',
    );
  }
  const parsed = RunResult.safeParse(document);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw badInput(`${file} does not match the result schema (${parsed.error.issues.length} problem(s))`, details, 'the file may be corrupt or hand-edited: run again or restore it');
  }
  return parsed.data;
}

export async function loadRunResult(path: string, cwd: string): Promise<{ file: string; result: RunResult }> {
  const file = await resolveResultFile(path, cwd);
  const text = await readFile(file, 'utf8');
  return { file, result: parseRunResult(parseJsonDocument(text, file), file) };
}

/**
 * Result folders inside a folder: `dir` itself when it holds result.json, else every direct
 * sub-folder with a result.json and every *.json file, sorted by name.
 */
export async function listResultFiles(path: string, cwd: string): Promise<string[]> {
  const absolute = resolve(cwd, path);
  const kind = await kindOf(absolute);
  if (kind === 'missing') throw badInput(`no such file or folder: ${path}`);
  if (kind === 'file') return [absolute];
  if ((await kindOf(join(absolute, RESULT_FILE_NAME))) === 'file') return [join(absolute, RESULT_FILE_NAME)];
  const found: string[] = [];
  for (const entry of (await readdir(absolute, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && (await kindOf(join(absolute, entry.name, RESULT_FILE_NAME))) === 'file') found.push(join(absolute, entry.name, RESULT_FILE_NAME));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(join(absolute, entry.name));
  }
  if (found.length === 0) throw badInput(`${path} holds no result (no result.json, no sub-folder with one, no .json file)`);
  return found;
}
