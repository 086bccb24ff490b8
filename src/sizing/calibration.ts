import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { badInput } from '../core/errors.js';
import type { Calibration } from '../results/schema.js';

/** Where a calibration came from, printed with the report. */
export interface CalibrationSource {
  kind: 'default' | 'run';
  path: string;
  provisional: boolean;
  scenario: string | null;
  machine: string | null;
  measuredAt: string | null;
  description: string;
  /** The load generator's verdict in the calibration run (null when unknown: the shipped default). */
  generator: { saturated: boolean; reasons: string[] } | null;
}

export interface LoadedCalibration {
  calibration: Calibration;
  source: CalibrationSource;
}

export function defaultCalibrationPath(): string {
  return fileURLToPath(new URL('../../src/sizing/default-calibration.json', import.meta.url));
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw badInput(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badInput(`${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function validate(value: unknown, file: string): Promise<Calibration> {
  // zod only when a calibration is read: keeps the default path light.
  const { Calibration } = await import('../results/schema.js');
  const parsed = Calibration.safeParse(value);
  if (!parsed.success) {
    throw badInput(
      `invalid calibration in ${file}`,
      parsed.error.issues.map((i) => `${file}: calibration.${i.path.map(String).join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The calibration shipped with the project (src/sizing/default-calibration.json). */
export async function loadDefaultCalibration(file = defaultCalibrationPath(), { validateSchema = false } = {}): Promise<LoadedCalibration> {
  const raw = (await readJson(file, 'default calibration')) as Record<string, unknown>;
  // The shipped file is checked against the schema by its unit test; at run time the schema
  // library is left unloaded so that `capacity size` starts fast.
  const calibration = validateSchema ? await validate(raw.calibration, file) : (raw.calibration as Calibration);
  return {
    calibration,
    source: {
      kind: 'default',
      path: file,
      provisional: raw.provisional === true,
      scenario: typeof raw.scenario === 'string' ? raw.scenario : null,
      machine: typeof raw.machine === 'string' ? raw.machine : null,
      measuredAt: typeof raw.measuredAt === 'string' ? raw.measuredAt : null,
      description: typeof raw.source === 'string' ? raw.source : '',
      generator: null,
    },
  };
}

/**
 * A run's calibration: `results/<id>` (a folder holding result.json) or a result.json path.
 * A result without a calibration block is bad input (exit 2).
 */
export async function loadRunCalibration(target: string, cwd: string): Promise<LoadedCalibration> {
  let file = path.resolve(cwd, target);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'result.json');
  } catch {
    throw badInput(`calibration not found: ${target}`, [], 'give a run folder (results/<id>) or its result.json');
  }
  const raw = (await readJson(file, 'result')) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || raw.calibration === undefined || raw.calibration === null) {
    throw badInput(
      `${file} has no calibration block`,
      [],
      'calibrations come from runs with server-side metrics (capacity run on the local stack); without --calibration the shipped default is used',
    );
  }
  const calibration = await validate(raw.calibration, file);
  const scenario = (raw.scenario as { name?: unknown } | undefined)?.name;
  const machine = raw.machine as { hostname?: unknown; cpus?: unknown; cpuModel?: unknown } | undefined;
  const generator = raw.generator as { saturated?: unknown; reasons?: unknown } | undefined;
  return {
    calibration,
    source: {
      kind: 'run',
      path: file,
      provisional: false,
      scenario: typeof scenario === 'string' ? scenario : null,
      machine: machine ? `${String(machine.hostname)} (${String(machine.cpus)} × ${String(machine.cpuModel)})` : (calibration.machine ?? null),
      measuredAt: typeof raw.createdAt === 'string' ? raw.createdAt : null,
      description: `run ${typeof raw.id === 'string' ? raw.id : path.basename(path.dirname(file))}`,
      generator:
        typeof generator?.saturated === 'boolean'
          ? { saturated: generator.saturated, reasons: Array.isArray(generator.reasons) ? generator.reasons.filter((reason): reason is string => typeof reason === 'string') : [] }
          : null,
    },
  };
}

/** Below this steady window the per-request CPU is dominated by warm-up (JIT, GC, pools filling) and by the 1 s sampling edges. */
export const MIN_STEADY_WINDOW_S = 60;
/** Below this many requests a demand of about 1 ms each is read from a few CPU-seconds, where /proc's 10 ms ticks and scrape jitter weigh in. */
export const MIN_CALIBRATION_REQUESTS = 10_000;

/**
 * Why a calibration should not be taken at its word: a steady window too short, too few requests
 * in it, or a load generator that was the bottleneck. Empty when none applies.
 */
export function calibrationWarnings(calibration: Pick<Calibration, 'window' | 'throughputRps'>, source: Pick<CalibrationSource, 'generator'>): string[] {
  const warnings: string[] = [];
  const windowS = calibration.window.toS - calibration.window.fromS;
  const requests = Math.round(calibration.throughputRps * windowS);
  if (windowS < MIN_STEADY_WINDOW_S) {
    warnings.push(`weak calibration: its steady window is ${windowS.toFixed(0)} s, shorter than ${MIN_STEADY_WINDOW_S} s; run the calibration longer (--duration)`);
  }
  if (requests < MIN_CALIBRATION_REQUESTS) {
    warnings.push(`weak calibration: ${requests.toLocaleString('en-US')} requests in its steady window, fewer than ${MIN_CALIBRATION_REQUESTS.toLocaleString('en-US')}; run it longer or at a higher rate`);
  }
  if (source.generator?.saturated) {
    const reasons = source.generator.reasons.length > 0 ? ` (${source.generator.reasons.join('; ')})` : '';
    warnings.push(`weak calibration: the load generator was saturated in that run${reasons}, so the rate was the generator's limit and the demands include its contention; calibrate with the generator on another machine or at a lower rate`);
  }
  return warnings;
}
