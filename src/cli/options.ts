import { InvalidArgumentError, Option, type Command } from 'commander';
import { badInput } from '../core/errors.js';
import type { CommandOptions } from './command.js';

/**
 * The one command-line grammar (docs/cli.md): the option helpers every command shares. Cheap to
 * import: commander only. Output formats are `--format <name>` everywhere, `--json` is
 * `--format json`, the human format is `text` (`terminal` is its deprecated synonym), fractions are
 * `0.1` or `10%`, and hints repeat the flags that locate the stack (`--state-dir`).
 */

/** Format names that still work but are no longer documented as the name: old → new. */
export const DEPRECATED_FORMATS: Readonly<Record<string, string>> = { terminal: 'text' };

/** A plain number: "12", "1e6", " 0.5 "; undefined when the text is not one. */
export function parseNumber(text: string): number | undefined {
  const value = Number(text);
  return text.trim() === '' || !Number.isFinite(value) ? undefined : value;
}

/** A fraction written as one or as a percentage: "0.1" and "10%" are both 0.1; undefined otherwise. */
export function parseFraction(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed.endsWith('%')) return parseNumber(trimmed);
  const percent = parseNumber(trimmed.slice(0, -1));
  return percent === undefined ? undefined : percent / 100;
}

/** commander parser: any finite number (the command checks its range). */
export function finiteNumber(flag: string) {
  return (value: string): number => {
    const parsed = parseNumber(value);
    if (parsed === undefined) throw new InvalidArgumentError(`${flag} must be a number, got "${value}"`);
    return parsed;
  };
}

/** commander parser: a number > 0. */
export function positiveNumber(flag: string) {
  return (value: string): number => {
    const parsed = parseNumber(value);
    if (parsed === undefined || parsed <= 0) throw new InvalidArgumentError(`${flag} must be a number > 0`);
    return parsed;
  };
}

/** commander parser: a whole number from `min` to `max`. */
export function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

/** commander parser: a fraction (0.1) or a percentage (10%), at least 0. */
export function fraction(flag: string) {
  return (value: string): number => {
    const parsed = parseFraction(value);
    if (parsed === undefined || parsed < 0) throw new InvalidArgumentError(`${flag} must be a fraction (0.1) or a percentage (10%), got "${value}"`);
    return parsed;
  };
}

/** commander parser for repeatable options: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `-f, --format <format>` with the command's formats (the first is the default) and `--json`, the
 * same as `--format json`. Read the choice with `formatOf`.
 */
export function addFormatOption(command: Command, formats: readonly string[], note?: string): Command {
  return command
    .addOption(new Option('-f, --format <format>', `${formats.join(' | ')}${note ? `, ${note}` : ''} (default: ${formats[0]})`))
    .option('--json', 'the same as --format json');
}

/** Canonical name of one format, or undefined when the command does not have it. */
function canonicalFormat<F extends string>(name: string, formats: readonly F[]): F | undefined {
  const wanted = DEPRECATED_FORMATS[name] ?? name;
  return formats.find((format) => format === wanted);
}

function requested(options: CommandOptions): string | undefined {
  const format = typeof options.format === 'string' ? options.format.trim() : undefined;
  if (options.json && format !== undefined && canonicalFormat(format, ['json']) === undefined) {
    throw badInput(`--json is --format json: it cannot go with --format ${format}`, [], 'give one of them');
  }
  return options.json ? 'json' : format;
}

function unknownFormat(names: string[], formats: readonly string[]): Error {
  return badInput(`--format: unknown format${names.length > 1 ? 's' : ''} ${names.map((name) => `"${name}"`).join(', ')}`, [], `choose from ${formats.join(', ')}`);
}

/** The format asked for (`--format`, `--json`, a deprecated synonym), or the command's default (the first). */
export function formatOf<F extends string>(options: CommandOptions, formats: readonly F[]): F {
  const name = requested(options);
  if (name === undefined) return formats[0] as F;
  const format = canonicalFormat(name, formats);
  if (format === undefined) throw unknownFormat([name], formats);
  return format;
}

/** Several formats at once (`--format markdown,html`), each checked, without repeats. */
export function formatsOf<F extends string>(options: CommandOptions, formats: readonly F[]): F[] {
  const names = (requested(options) ?? String(formats[0])).split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => canonicalFormat(name, formats) === undefined);
  if (names.length === 0 || unknown.length > 0) throw unknownFormat(unknown.length > 0 ? unknown : ['(none given)'], formats);
  return [...new Set(names.map((name) => canonicalFormat(name, formats) as F))];
}

/** `--state-dir <dir>`, the same words on every command that finds the stack through it. */
export function addStateDirOption(command: Command, description = "the stack's state dir (default: $CAPACITY_STATE_DIR or .capacity/)"): Command {
  return command.option('--state-dir <dir>', description);
}

/** Quotes a value for a shell command line when it needs it. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The flags a hint must repeat so the suggested command finds the same stack: ` --state-dir X`, or ''. */
export function stackFlags(options: CommandOptions): string {
  return typeof options.stateDir === 'string' ? ` --state-dir ${shellWord(options.stateDir)}` : '';
}

/** Adds `flags` to every `capacity up|status|down|run|plan …` quoted in a hint or message. */
export function withStackFlags(text: string, flags: string): string {
  if (flags === '') return text;
  return text.replace(/`capacity (up|status|down|run|plan)([^`]*)`/g, (whole: string, name: string, rest: string) =>
    rest.includes('--state-dir') ? whole : `\`capacity ${name}${flags}${rest}\``,
  );
}
