import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { findBinary } from '../../src/core/binaries.js';
import type { AutocannonLoadOptions } from '../../src/engines/autocannon/steps.js';
import type { ArtilleryScript } from '../../src/engines/artillery/config.js';
import { k6PlanFile, k6ScriptText, type K6Config } from '../../src/engines/k6/translate.js';
import type { Plan } from '../../src/scenarios/types.js';

/**
 * The engines' own validation, run in-process on what capacity generates (for unit tests): the
 * functions `artillery run` and autocannon call on a script or options, imported from
 * node_modules; and for k6 (not installed here: AGPL), its documented executor constraints, plus
 * `k6 inspect` where k6 is on PATH. Each returns undefined when valid, else what is wrong.
 */

const require = createRequire(import.meta.url);

type ArtilleryValidateScript = (script: unknown) => string | undefined;
type ArtilleryDivideWork = (script: unknown, workers: number) => Array<{ config: { phases: unknown[] } }>;
type ArtilleryPhaser = (phases: unknown[]) => unknown;
type AutocannonValidate = (options: Record<string, unknown>, callbackPassedIn: boolean) => unknown;

// artillery run: prepare-test-execution-plan.js calls validate-script.js on the script; the local
// platform splits the phases over the workers with dist.js; each worker builds its phases with
// int-core's phases.js (where "Invalid duration for phase" is thrown).
const validateScript = require('artillery/lib/util/validate-script.js') as ArtilleryValidateScript;
const divideWork = require('artillery/lib/dist.js') as ArtilleryDivideWork;
const phaser = require('@artilleryio/int-core/lib/phases.js') as ArtilleryPhaser;
// autocannon(options) starts with lib/validate.js and returns its error.
const autocannonValidate = require('autocannon/lib/validate.js') as AutocannonValidate;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Artillery's checks of a script, its split over 1 and 3 workers, and each worker's phases. */
export function artilleryProblem(script: ArtilleryScript, workerCounts: readonly number[] = [1, 3]): string | undefined {
  const schemaProblem = validateScript(structuredClone(script));
  if (schemaProblem) return `validate-script: ${schemaProblem}`;
  for (const workers of workerCounts) {
    let parts: ReturnType<ArtilleryDivideWork>;
    try {
      parts = divideWork(structuredClone(script), workers);
    } catch (error) {
      return `dist.js with ${workers} workers: ${message(error)}`;
    }
    for (const part of parts) {
      try {
        phaser(structuredClone(part.config.phases));
      } catch (error) {
        return `phases.js (${workers} workers): ${message(error)}`;
      }
    }
  }
  return undefined;
}

/** Runs phases through Artillery's own arrival machinery (one worker, as dist.js prepares them) and
 * counts the arrivals it emits: real time, so keep the phases short. */
export async function artilleryArrivals(phases: readonly unknown[]): Promise<number> {
  const [worker] = divideWork({ config: { target: 'http://127.0.0.1:9', phases: structuredClone(phases) }, scenarios: [] }, 1);
  const emitter = phaser(worker?.config.phases ?? []) as { on(event: string, listener: () => void): void; run(): void };
  let arrivals = 0;
  emitter.on('arrival', () => {
    arrivals += 1;
  });
  // A ramp's last arrivals of a period can come just after its phase ends (timers race): count them too.
  await new Promise<void>((resolve) => {
    emitter.on('done', () => setTimeout(resolve, 300));
    emitter.run();
  });
  return arrivals;
}

/** autocannon's own option validation, and the constraints it enforces later or documents. */
export function autocannonProblem(options: AutocannonLoadOptions): string | undefined {
  const checked = autocannonValidate({ url: 'http://127.0.0.1:9', sampleInt: 100, ...options }, true);
  if (checked instanceof Error) return `autocannon validate: ${checked.message}`;
  const whole = (value: number | undefined): boolean => value === undefined || (Number.isInteger(value) && value >= 1);
  if (!whole(options.connections)) return `connections must be a whole number >= 1 (got ${options.connections})`;
  // autocannon gives each connection floor(overallRate / connections) requests a second: a fraction would be lost.
  if (!whole(options.overallRate)) return `overallRate must be a whole number >= 1 (got ${options.overallRate})`;
  if (!whole(options.amount)) return `amount must be a whole number >= 1 (got ${options.amount})`;
  // run.js throws "connections cannot be greater than amount" (after capping connections at overallRate).
  const connections = options.overallRate !== undefined ? Math.min(options.connections, options.overallRate) : options.connections;
  if (options.amount !== undefined && connections > options.amount) return `connections (${connections}) greater than amount (${options.amount})`;
  if (options.duration !== undefined && !(options.duration > 0)) return `duration must be > 0 (got ${options.duration})`;
  return undefined;
}

const K6_DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

/** k6's executor validation (lib/executor: ramping-arrival-rate, ramping-vus) for the fields we write. */
export function k6Problem(config: K6Config): string | undefined {
  const { scenario } = config;
  const wholeNonNegative = (value: number): boolean => Number.isInteger(value) && value >= 0;
  if (scenario.stages.length === 0) return 'at least one stage has to be specified';
  for (const [index, stage] of scenario.stages.entries()) {
    if (!K6_DURATION.test(stage.duration)) return `stage ${index + 1}: duration ${stage.duration} is not a k6 duration`;
    // k6 reads targets as int64: a fraction is a JSON error, a negative one is refused.
    if (!wholeNonNegative(stage.target)) return `stage ${index + 1}: target ${stage.target} must be a whole number >= 0`;
  }
  if (scenario.executor === 'ramping-arrival-rate') {
    if (!wholeNonNegative(scenario.startRate)) return `startRate ${scenario.startRate} must be a whole number >= 0`;
    if (!K6_DURATION.test(scenario.timeUnit)) return `timeUnit ${scenario.timeUnit} is not a k6 duration`;
    if (!wholeNonNegative(scenario.preAllocatedVUs)) return `preAllocatedVUs ${scenario.preAllocatedVUs} must be a whole number >= 0`;
    if (!(Number.isInteger(scenario.maxVUs) && scenario.maxVUs >= scenario.preAllocatedVUs)) return "maxVUs can't be less than preAllocatedVUs";
  } else {
    if (!wholeNonNegative(scenario.startVUs)) return `startVUs ${scenario.startVUs} must be a whole number >= 0`;
    if (!K6_DURATION.test(scenario.gracefulRampDown)) return `gracefulRampDown ${scenario.gracefulRampDown} is not a k6 duration`;
  }
  if (!(config.thinkTimeS >= 0)) return `think time ${config.thinkTimeS} must be >= 0`;
  return undefined;
}

/** Why `k6 inspect` cannot run here, or undefined when k6 is on PATH. */
export function k6InspectSkipReason(env: Record<string, string | undefined> = process.env): string | undefined {
  return findBinary('k6', { path: env['PATH'] }) ? undefined : 'k6 is not on PATH (AGPL-3.0: capacity never installs it)';
}

/** `k6 inspect` of the generated script with this plan and configuration: k6's own parse of the options. */
export function k6Inspect(_projectRoot: string, plan: Plan, config: K6Config): { scenarios?: Record<string, unknown> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capacity-k6-inspect-'));
  try {
    const planFile = path.join(dir, 'k6-plan.json');
    writeFileSync(planFile, JSON.stringify(k6PlanFile(plan, config, {})));
    const script = path.join(dir, 'k6-script.js');
    writeFileSync(script, k6ScriptText());
    const output = execFileSync('k6', ['inspect', script], {
      env: { ...process.env, CAPACITY_PLAN_FILE: planFile, CAPACITY_SUMMARY_FILE: path.join(dir, 'summary.json') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return JSON.parse(output) as { scenarios?: Record<string, unknown> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
