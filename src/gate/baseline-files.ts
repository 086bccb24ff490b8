/**
 * The gate's I/O edge: reading a baseline (a trimmed baseline file, a result, or a folder of
 * either) and writing a baseline file atomically. Validation happens before any write, so bad
 * input never overwrites a good baseline.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { badInput } from '../core/errors.js';
import { RUN_RESULT_SCHEMA_VERSION } from '../results/schema.js';
import { listResultFiles, parseJsonDocument, parseRunResult } from '../results/read.js';
import { BaselineFile, BASELINE_FORMAT_VERSION, isBaselineDocument } from '../regression/baseline.js';
import { samplesOf, type RunSamples } from '../regression/samples.js';

export interface LoadedBaseline {
  runs: RunSamples[];
  files: string[];
}

export function parseBaselineFile(document: unknown, file: string): BaselineFile {
  const declared = document as { formatVersion?: unknown; schemaVersion?: unknown };
  if (declared.formatVersion !== BASELINE_FORMAT_VERSION) {
    throw badInput(`${file} is a baseline of format version ${JSON.stringify(declared.formatVersion)}; this capacity reads version ${BASELINE_FORMAT_VERSION}`, [], 'record it again with --update-baseline');
  }
  if (declared.schemaVersion !== RUN_RESULT_SCHEMA_VERSION) {
    throw badInput(
      `${file} is a baseline of result schema version ${JSON.stringify(declared.schemaVersion)}; this capacity reads version ${RUN_RESULT_SCHEMA_VERSION}`,
      [],
      'record the baseline again with this version (--update-baseline)',
    );
  }
  const parsed = BaselineFile.safeParse(document);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw badInput(`${file} is not a valid baseline file`, details, 'record it again with --update-baseline');
  }
  for (const run of parsed.data.runs) {
    if (run.scenario !== parsed.data.scenario) throw badInput(`${file}: run ${run.id} is from scenario "${run.scenario}" but the baseline is for "${parsed.data.scenario}"`);
  }
  return parsed.data;
}

/** Runs of a baseline given as a baseline file, a result file or folder, or a folder of them. */
export async function loadBaseline(path: string, cwd: string): Promise<LoadedBaseline> {
  const files = await listResultFiles(path, cwd);
  const runs: RunSamples[] = [];
  for (const file of files) {
    const document = parseJsonDocument(await readFile(file, 'utf8'), file);
    if (isBaselineDocument(document)) runs.push(...parseBaselineFile(document, file).runs);
    else runs.push(samplesOf(parseRunResult(document, file)));
  }
  return { runs, files };
}

export async function writeBaselineFile(path: string, cwd: string, baseline: BaselineFile): Promise<string> {
  const absolute = resolve(cwd, path);
  await writeFileAtomic(absolute, JSON.stringify(baseline, null, 2) + '\n');
  return absolute;
}
