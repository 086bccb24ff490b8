import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { addFormatOption, formatOf, formatsOf, fraction, parseFraction, positiveNumber, stackFlags, withStackFlags } from './options.js';

describe('the shared option grammar', () => {
  it('reads a fraction as a fraction or a percentage', () => {
    expect(parseFraction('0.1')).toBe(0.1);
    expect(parseFraction('10%')).toBe(0.1);
    expect(parseFraction(' 0.5 % ')).toBe(0.005);
    expect(parseFraction('1e-3')).toBe(0.001);
    for (const bad of ['', '%', 'ten', '10%%', '1,5']) expect(parseFraction(bad)).toBeUndefined();
    expect(fraction('--tolerance')('10%')).toBe(0.1);
    expect(() => fraction('--tolerance')('-5%')).toThrow('--tolerance must be a fraction (0.1) or a percentage (10%), got "-5%"');
    expect(() => positiveNumber('--rps')('0')).toThrow('--rps must be a number > 0');
  });

  it('--format with --json as its alias, text as the human format and terminal as its deprecated synonym', () => {
    const command = addFormatOption(new Command('x'), ['text', 'json']);
    expect(command.options.map((option) => option.flags)).toEqual(['-f, --format <format>', '--json']);
    expect(formatOf({}, ['text', 'json'])).toBe('text');
    expect(formatOf({ json: true }, ['text', 'json'])).toBe('json');
    expect(formatOf({ format: 'terminal' }, ['text', 'markdown'])).toBe('text');
    expect(formatOf({ format: 'json', json: true }, ['text', 'json'])).toBe('json');
    expect(() => formatOf({ format: 'markdown', json: true }, ['text', 'markdown', 'json'])).toThrow(
      expect.objectContaining({ exitCode: 2, message: '--json is --format json: it cannot go with --format markdown' }),
    );
    expect(() => formatOf({ format: 'pdf' }, ['text', 'json'])).toThrow(expect.objectContaining({ exitCode: 2, message: '--format: unknown format "pdf"', hint: 'choose from text, json' }));
    expect(formatsOf({ format: 'markdown,terminal,markdown' }, ['text', 'markdown', 'html'])).toEqual(['markdown', 'text']);
    expect(formatsOf({ json: true }, ['text', 'json'])).toEqual(['json']);
    expect(() => formatsOf({ format: 'html,pdf,doc' }, ['text', 'html'])).toThrow('--format: unknown formats "pdf", "doc"');
  });

  it('hints repeat the --state-dir the user gave, quoted for a shell', () => {
    expect(stackFlags({})).toBe('');
    expect(stackFlags({ stateDir: '/tmp/x' })).toBe(' --state-dir /tmp/x');
    expect(stackFlags({ stateDir: "it's here" })).toBe(` --state-dir 'it'\\''s here'`);
    expect(withStackFlags('see `capacity status`, stop it with `capacity down --purge`', ' --state-dir X')).toBe(
      'see `capacity status --state-dir X`, stop it with `capacity down --state-dir X --purge`',
    );
    // Commands that do not read the stack, and commands that already name a state dir, are left alone.
    expect(withStackFlags('`capacity report results/x`, `capacity down --state-dir Y`', ' --state-dir X')).toBe('`capacity report results/x`, `capacity down --state-dir Y`');
    expect(withStackFlags('`capacity status`', '')).toBe('`capacity status`');
  });
});
