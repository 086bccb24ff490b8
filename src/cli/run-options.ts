import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandOptions } from './command.js';
import { parseDuration } from '../scenarios/duration.js';
import type { ScenarioOverrides } from '../scenarios/plan.js';
import { addStateDirOption, collect, integer, positiveNumber } from './options.js';
import { badInput } from '../core/errors.js';

/** Options shared by `capacity run` and `capacity plan`. Cheap to import: commander only. */

function duration(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) throw new InvalidArgumentError('--duration must be seconds or a duration such as 90s, 5m, 1h');
  return seconds;
}

export const ENGINE_CHOICES = ['k6', 'autocannon', 'artillery', 'locust', 'all'] as const;

export function addScenarioOptions(command: Command, engineHelp: string): void {
  command
    .requiredOption('-s, --scenario <name|file>', 'a built-in scenario (see `capacity scenarios`) or a YAML file, e.g. ./my.yaml')
    .addOption(new Option('-e, --engine <name>', engineHelp).choices([...ENGINE_CHOICES]))
    .option('-t, --target <url>', 'load this base URL instead of the local stack (no stack is started)')
    .option('--rps <n>', 'open model: scale the stages so the peak arrival rate is n req/s', positiveNumber('--rps'))
    .option('--users <n>', 'closed model: scale the stages to n users at the peak; both models: cap on users', positiveNumber('--users'))
    .option('--duration <d>', 'stretch or shrink the stages to last this long (90s, 5m)', duration)
    .option('--set <key=value>', 'set a scenario field by dotted path, e.g. stages.1.target=500 (stages count from 1, as `plan` shows them; repeatable)', collect, []);
  addStateDirOption(command);
}

export function overridesFrom(options: CommandOptions): ScenarioOverrides {
  return {
    ...(options.rps === undefined ? {} : { rps: options.rps as number }),
    ...(options.users === undefined ? {} : { users: options.users as number }),
    ...(options.duration === undefined ? {} : { durationS: options.duration as number }),
    set: (options.set as string[] | undefined) ?? [],
  };
}

/** `run` only: the engine's own notes (adaptations, how it measured) in the summary and the live view. */
export const VERBOSE_HELP = "also print the engine's notes: what it adapted to fit the plan and how it measured";

export function addVerboseOption(command: Command): void {
  command.option('-v, --verbose', VERBOSE_HELP);
}

/** `run` only: Locust's workers, on this machine or (with --master-bind) on other hosts. */
export function addWorkerOptions(command: Command): void {
  command
    .option('--workers <n>', 'Locust: workers the master runs with; started here, or awaited from other hosts with --master-bind (default 1)', integer('--workers', 1, 256))
    .option('--master-bind <host:port>', "Locust: the master listens here for workers on other hosts (`capacity worker --master host:port`); none are started here", hostPort('--master-bind'));
}

export function hostPort(flag: string) {
  return (value: string): { host: string; port: number } => {
    const match = /^(.+):(\d{1,5})$/.exec(value);
    const port = match ? Number(match[2]) : Number.NaN;
    if (!match || port < 1 || port > 65_535) throw new InvalidArgumentError(`${flag} must be host:port, e.g. 10.0.0.5:5557 (got ${value})`);
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
  };
}

/** The distributed options of `run`, refused (exit 2) with an engine that has no workers. */
export function distributedFrom(options: CommandOptions): { workers: number; masterBind?: { host: string; port: number } } | undefined {
  const workers = options.workers as number | undefined;
  const masterBind = options.masterBind as { host: string; port: number } | undefined;
  if (workers === undefined && masterBind === undefined) return undefined;
  if (options.engine !== 'locust') throw badInput('--workers and --master-bind are for the Locust engine', [], 'add --engine locust');
  return { workers: workers ?? 1, ...(masterBind ? { masterBind } : {}) };
}

/** `run` only: calibrate the user's own servers, each sizing tier from their Prometheus. */
export function addTierOptions(command: Command): void {
  command.option(
    '--prometheus-tier <tier=selector>',
    'map a sizing tier (app, database, cache, lb) to its CPU-seconds counter in --prometheus, e.g. app=process_cpu_seconds_total{job="api"}; <tier>.memory=<selector> for its memory (repeatable; see docs/metrics.md)',
    collect,
    [],
  );
}
