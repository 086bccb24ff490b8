import type { Command } from 'commander';
import type { ProcessContext } from '../core/context.js';
import type { ExitCodeValue } from '../core/errors.js';

export type CommandOptions = Record<string, unknown>;

/**
 * One module per command. A module's top level imports nothing heavy: `configure` declares
 * arguments and options for --help, and `action` loads what it needs with `await import()`,
 * so `capacity --help` and `capacity size` start fast.
 */
export interface CommandModule {
  name: string;
  summary: string;
  configure(command: Command): void;
  action(input: { args: string[]; options: CommandOptions; ctx: ProcessContext }): Promise<ExitCodeValue>;
}
