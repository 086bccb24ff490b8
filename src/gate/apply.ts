/**
 * The gate as the CLI uses it (`capacity gate` and `capacity run --baseline`): load the
 * baseline, evaluate, print the effect and its interval, optionally record a new baseline.
 * Returns the exit code: 0 no regression, 1 regression; bad input throws (exit 2).
 */
import { appendFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunResult } from '../results/schema.js';
import { badInput, ExitCode, type ExitCodeValue } from '../core/errors.js';
import { parseJsonDocument } from '../results/read.js';
import { buildBaseline, isBaselineDocument } from '../regression/baseline.js';
import { evaluateGate, type GateOptions, type GateReport } from '../regression/evaluate.js';
import { loadBaseline, parseBaselineFile, writeBaselineFile } from './baseline-files.js';
import { formatGateMarkdown, formatGateText } from '../regression/format.js';
import type { RunSamples } from '../regression/samples.js';

export interface ApplyGateInput {
  /** Baseline file, result, or folder of them; absent when only recording a baseline. */
  baseline?: string;
  current: RunResult | RunSamples;
  /** Write a baseline from the current run here (not when the gate found a regression). */
  updateBaseline?: string;
  options?: GateOptions;
  format?: 'text' | 'markdown' | 'json';
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string): boolean };
  stderr: { write(chunk: string): boolean };
  now: () => Date;
}

export interface ApplyGateOutput {
  exitCode: ExitCodeValue;
  report?: GateReport;
  baselineWritten?: string;
}

/** Refuses to overwrite a file that is not a baseline of the same scenario. */
async function checkBaselineTarget(path: string, scenario: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return; // absent: a new baseline
  }
  const document = parseJsonDocument(text, path);
  if (!isBaselineDocument(document)) throw badInput(`${path} exists and is not a capacity baseline: not overwriting it`, [], 'choose another path or remove the file');
  const existing = parseBaselineFile(document, path);
  if (existing.scenario !== scenario) {
    throw badInput(`${path} is the baseline of scenario "${existing.scenario}", the current run is "${scenario}": not overwriting it`, [], 'keep one baseline file per scenario (e.g. baselines/<scenario>.json)');
  }
}

export async function applyGate(input: ApplyGateInput): Promise<ApplyGateOutput> {
  if (input.baseline === undefined && input.updateBaseline === undefined) {
    throw badInput('nothing to do: give --baseline to gate the run, --update-baseline to record one, or both');
  }
  // Validate everything before writing anything.
  const newBaseline = input.updateBaseline === undefined ? undefined : buildBaseline([input.current], input.now().toISOString());
  const baselinePath = input.updateBaseline === undefined ? undefined : resolve(input.cwd, input.updateBaseline);
  if (newBaseline && baselinePath) await checkBaselineTarget(baselinePath, newBaseline.scenario);

  let report: GateReport | undefined;
  if (input.baseline !== undefined) {
    const loaded = await loadBaseline(input.baseline, input.cwd);
    report = evaluateGate(loaded.runs, input.current, input.options ?? {});
    const format = input.format ?? 'text';
    if (format === 'json') input.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else input.stdout.write(format === 'markdown' ? formatGateMarkdown(report) : formatGateText(report));
    if (input.env.GITHUB_STEP_SUMMARY) await appendFile(resolve(input.cwd, input.env.GITHUB_STEP_SUMMARY), formatGateMarkdown(report) + '\n');
  }
  const regressed = report?.regressed ?? false;
  let baselineWritten: string | undefined;
  if (newBaseline && input.updateBaseline !== undefined) {
    if (regressed) {
      input.stderr.write(`gate: not updating ${input.updateBaseline}: the current run regressed\n`);
    } else {
      baselineWritten = await writeBaselineFile(input.updateBaseline, input.cwd, newBaseline);
      input.stderr.write(`gate: wrote baseline ${baselineWritten} (scenario ${newBaseline.scenario}, run ${newBaseline.runs[0]?.id})\n`);
    }
  }
  return {
    exitCode: regressed ? ExitCode.GateFailed : ExitCode.Ok,
    ...(report ? { report } : {}),
    ...(baselineWritten ? { baselineWritten } : {}),
  };
}
