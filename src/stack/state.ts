/**
 * The state file `<state dir>/stack.json`: what `up` started, for `status`, `down` and every
 * other module. Validated on read; written atomically (temporary file, fsync, rename).
 */
import { readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { badInput } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import type { StackState } from './types.js';

export const STATE_FILE_NAME = 'stack.json';
export const DEFAULT_STATE_DIR = '.capacity';

/** `--state-dir`, else CAPACITY_STATE_DIR, else `.capacity/` in the working directory; absolute. */
export function resolveStateDir(input: { option?: string; env: Record<string, string | undefined>; cwd: string }): string {
  const chosen = input.option ?? input.env.CAPACITY_STATE_DIR ?? DEFAULT_STATE_DIR;
  if (!chosen.trim()) throw badInput('the state directory is empty', [], 'give --state-dir <dir> or unset CAPACITY_STATE_DIR');
  return isAbsolute(chosen) ? chosen : resolve(input.cwd, chosen);
}

export function stateFilePath(stateDir: string): string {
  return join(stateDir, STATE_FILE_NAME);
}

const tierSchema = z.enum(['lb', 'app', 'redis', 'postgres', 'prometheus', 'grafana', 'exporter']);
const port = z.number().int().min(1).max(65_535);

const componentSchema = z.object({
  name: z.string().min(1),
  tier: tierSchema,
  pid: z.number().int().positive().optional(),
  host: z.string().min(1),
  port,
  url: z.string().optional(),
  metricsUrl: z.string().optional(),
  logFile: z.string().optional(),
  statusUrl: z.string().optional(),
  startTime: z.number().int().nonnegative().optional(),
  command: z.string().optional(),
});

const stateSchema = z.object({
  driver: z.enum(['local', 'compose', 'external']),
  startedAt: z.string(),
  stateDir: z.string(),
  baseUrl: z.string(),
  prometheusUrl: z.string().optional(),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  components: z.array(componentSchema),
  phase: z.enum(['starting', 'ready']).optional(),
  scrapeIntervalSeconds: z.number().positive().optional(),
});

/** Validates parsed JSON as a StackState; bad input naming the file and every wrong field. */
export function parseStackState(json: unknown, file: string): StackState {
  const result = stateSchema.safeParse(json);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw badInput(`${file} is not a valid stack state file`, details, 'remove it if no stack is running, or run `capacity down`');
}

/** The recorded stack, or undefined when there is no state file. */
export function readStackState(stateDir: string): StackState | undefined {
  const file = stateFilePath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw badInput(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badInput(`${file} is not JSON: ${(error as Error).message}`, [], 'remove it if no stack is running');
  }
  return parseStackState(json, file);
}

export function writeStackState(state: StackState): void {
  writeFileAtomicSync(stateFilePath(state.stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeStackState(stateDir: string): void {
  rmSync(stateFilePath(stateDir), { force: true });
}
