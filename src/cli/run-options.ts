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

const SCENARIO_HELP = 'a built-in scenario (see `capacity scenarios`) or a YAML file, e.g. ./my.yaml';

/** `alternative`: a flag that may stand in for --scenario (run's --k6-script); the action then checks that one of them is given. */
export function addScenarioOptions(command: Command, engineHelp: string, alternative?: string): void {
  if (alternative === undefined) command.requiredOption('-s, --scenario <name|file>', SCENARIO_HELP);
  else command.option('-s, --scenario <name|file>', `${SCENARIO_HELP} (required unless ${alternative})`);
  command
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

/** `run` only: the user's own k6 script instead of a scenario. */
export function addK6ScriptOption(command: Command): void {
  command.option('--k6-script <file>', "run your own k6 script as it is (k6 must be installed) with capacity's result, reports, gate and calibration; needs --target (the base URL it loads)");
}

/** `--scenario` or `--k6-script`, exactly one; the script needs k6 and --target. Usage errors are exit 2. */
export function scriptOrScenario(options: CommandOptions): { scenario: string } | { k6Script: string; targetUrl: string } {
  const scenario = typeof options.scenario === 'string' ? options.scenario : undefined;
  const script = typeof options.k6Script === 'string' ? options.k6Script : undefined;
  if (script === undefined) {
    if (scenario === undefined) throw badInput("required option '-s, --scenario <name|file>' not specified", [], 'or run your own k6 script with --k6-script <file> --target <url>');
    return { scenario };
  }
  if (scenario !== undefined) throw badInput('give --scenario or --k6-script, not both', [], 'the script sets its own load; --target names the base URL it loads');
  if (options.engine !== undefined && options.engine !== 'k6') throw badInput(`--k6-script runs with k6, not ${String(options.engine)}`, [], 'drop --engine, or use --engine k6');
  if (typeof options.target !== 'string') throw badInput('--k6-script needs --target: the base URL the script loads (checked before the run, and named in the result)', [], 'e.g. --target https://staging.example.com');
  for (const flag of ['rps', 'users', 'duration'] as const) {
    if (options[flag] !== undefined) throw badInput(`--${flag} does not apply to --k6-script: the script sets its own load`, [], "change the script's options instead");
  }
  return { k6Script: script, targetUrl: options.target };
}
