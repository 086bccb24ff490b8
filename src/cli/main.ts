import { Command, CommanderError } from 'commander';
import type { ProcessContext } from '../core/context.js';
import { CapacityError, ExitCode, type ExitCodeValue, formatError, exitCodeOf } from '../core/errors.js';
import { commandModules } from './commands/index.js';
import type { CommandModule } from './command.js';
import { stackFlags, withStackFlags } from './options.js';

/**
 * commander checks required options before unknown ones, so `run --scenaro smoke` would say that
 * --scenario is missing. The required options are checked here instead, after the unknown-option
 * check (which suggests the closest flag): a typo is named as a typo.
 */
function checkRequiredAfterUnknown(command: Command): void {
  const required = command.options.filter((option) => option.mandatory);
  for (const option of required) option.makeOptionMandatory(false);
  command.hook('preAction', (self) => {
    for (const option of required) {
      if (self.getOptionValue(option.attributeName()) === undefined) {
        self.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue', exitCode: ExitCode.BadInput });
      }
    }
  });
}

/** A hint that suggests `capacity status` after `--state-dir X` suggests `capacity status --state-dir X`. */
function repeatStackFlags(error: unknown, flags: string): unknown {
  if (!(error instanceof CapacityError) || flags === '' || error.hint === undefined) return error;
  const hint = withStackFlags(error.hint, flags);
  if (hint === error.hint) return error;
  return new CapacityError(error.message, { exitCode: error.exitCode, hint, details: error.details, cause: error.cause });
}

const VERSION = '0.1.0';

function buildProgram(ctx: ProcessContext, modules: readonly CommandModule[], setResult: (code: ExitCodeValue) => void): Command {
  const program = new Command('capacity')
    .description('Capacity planning and load testing: bring up a stack, load it, size it, price it.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.stdout.write(text),
      writeErr: (text) => void ctx.stderr.write(text),
    });

  for (const module of modules) {
    const command = program.command(module.name).description(module.summary);
    command.exitOverride().configureOutput({
      writeOut: (text) => void ctx.stdout.write(text),
      writeErr: (text) => void ctx.stderr.write(text),
    });
    module.configure(command);
    checkRequiredAfterUnknown(command);
    command.action(async (...received: unknown[]) => {
      // commander passes the declared arguments, then the options object, then the command.
      const self = received[received.length - 1] as Command;
      const args = received.slice(0, -2).flatMap((value) => (Array.isArray(value) ? value : [value])) as string[];
      const options = self.opts();
      try {
        setResult(await module.action({ args: args.filter((a) => a !== undefined), options, ctx }));
      } catch (error) {
        throw repeatStackFlags(error, stackFlags(options));
      }
    });
  }
  return program;
}

/**
 * Runs the CLI in-process and returns the exit code. Only this function prints errors;
 * command bodies throw CapacityError, and anything else they throw exits 70 (a bug).
 * `modules` is injectable so tests can exercise the error path with a command of their own.
 */
export async function main(argv: string[], ctx: ProcessContext, modules: readonly CommandModule[] = commandModules): Promise<number> {
  let result: ExitCodeValue = ExitCode.Ok;
  const program = buildProgram(ctx, modules, (code) => {
    result = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; everything commander rejects is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.Ok;
      }
      return ExitCode.BadInput;
    }
    ctx.stderr.write(formatError(error, ctx.debug));
    return exitCodeOf(error);
  }
}
