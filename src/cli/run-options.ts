import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandOptions } from './command.js';
import { parseDuration } from '../scenarios/duration.js';
import type { ScenarioOverrides } from '../scenarios/plan.js';
import { addStateDirOption, collect, positiveNumber } from './options.js';

/** Options shared by `capacity run` and `capacity plan`. Cheap to import: commander only. */

function duration(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) throw new InvalidArgumentError('--duration must be seconds or a duration such as 90s, 5m, 1h');
  return seconds;
}

export const ENGINE_CHOICES = ['k6', 'autocannon', 'artillery', 'all'] as const;

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
