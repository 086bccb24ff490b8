/**
 * One command-line grammar: docs/cli.md lists exactly the flags each command module declares, the
 * same concept has the same flag everywhere (`--format` with `--json`, `--out`, `--state-dir`,
 * `--region`), and the CLI behaves as the page says (unknown before missing, fractions as 10%,
 * hints that repeat `--state-dir`), run in-process through main().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, type Option } from 'commander';
import { commandModules } from '../../src/cli/commands/index.js';
import { runCapacity, workDirWithFixtures, type CliRun } from './support/cli.js';

const root = resolve(import.meta.dirname, '../..');
let workDir: string;

function cli(...argv: string[]): Promise<CliRun> {
  return runCapacity(argv, { cwd: workDir });
}

function optionsOf(name: string): readonly Option[] {
  const module = commandModules.find((candidate) => candidate.name === name);
  if (!module) throw new Error(`no command "${name}"`);
  const command = new Command(name);
  module.configure(command);
  return command.options;
}

/** docs/cli.md's table: command → rows of [flags, meaning, default], `\|` unescaped. */
async function documented(): Promise<Map<string, string[][]>> {
  const text = await readFile(resolve(root, 'docs/cli.md'), 'utf8');
  const table = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    if (!/^\| `[a-z]+` \|/.test(line)) continue;
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
    const [command, flags, meaning, fallback] = cells.map((cell) => cell.replace(/^`|`$/g, '')) as [string, string, string, string];
    table.set(command, [...(table.get(command) ?? []), [flags, meaning, fallback]]);
  }
  return table;
}

/** Different names users could meet for one concept: each group may use only its first name. */
const SYNONYMS: string[][] = [
  ['--out', '--output', '--output-file', '--outfile', '--write'],
  ['--state-dir', '--state', '--statedir', '--stack-dir', '--dir'],
  ['--format', '--output-format', '--fmt', '--as'],
  ['--region', '--location', '--zone'],
  ['--provider', '--providers', '--cloud'],
  ['--baseline', '--base', '--reference'],
  ['--tolerance', '--threshold', '--max-regression'],
];

beforeAll(async () => {
  workDir = await workDirWithFixtures('capacity-flags-', ['baseline-a1', 'baseline-a2', 'smoke-k6']);
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('docs/cli.md and the command modules', () => {
  it('lists exactly the flags of every command, and every command', async () => {
    const table = await documented();
    expect([...table.keys()].sort()).toEqual(commandModules.map((module) => module.name).sort());
    for (const module of commandModules) {
      const declared = optionsOf(module.name).map((option) => option.flags).sort();
      const listed = (table.get(module.name) ?? []).map(([flags]) => flags as string).sort();
      expect(listed, `docs/cli.md rows of ${module.name}`).toEqual(declared);
    }
  });

  it('marks as deprecated exactly the flags hidden from --help', async () => {
    const table = await documented();
    for (const module of commandModules) {
      for (const option of optionsOf(module.name)) {
        const row = (table.get(module.name) ?? []).find(([flags]) => flags === option.flags) as string[];
        expect(/deprecated/.test(row[1] as string), `${module.name} ${option.flags}`).toBe(option.hidden);
      }
    }
  });

  it('every command that prints something a program reads takes -f, --format and --json; down, run and worker print none', () => {
    const withFormat = commandModules.filter((module) => optionsOf(module.name).some((option) => option.long === '--format')).map((module) => module.name);
    expect(withFormat.sort()).toEqual(commandModules.map((module) => module.name).filter((name) => name !== 'down' && name !== 'run' && name !== 'worker').sort());
    for (const module of commandModules) {
      const options = optionsOf(module.name);
      const format = options.find((option) => option.long === '--format');
      const json = options.find((option) => option.long === '--json');
      expect(Boolean(json), `${module.name}: --json only with --format`).toBe(Boolean(format));
      if (!format) continue;
      expect(format.flags).toBe('-f, --format <format>');
      // The human format is text everywhere; the old name is not offered any more.
      expect(format.description).toMatch(/^text \| /);
      expect(format.description).not.toMatch(/terminal/);
    }
  });

  it('uses one name per concept across commands, and the same short flag for the same long one', () => {
    const all = commandModules.flatMap((module) => optionsOf(module.name).filter((option) => !option.hidden).map((option) => ({ command: module.name, option })));
    for (const group of SYNONYMS) {
      const used = new Set(all.filter(({ option }) => group.includes(option.long ?? '')).map(({ option }) => option.long));
      expect([...used].filter((name) => name !== group[0]), `synonyms of ${group[0]}`).toEqual([]);
    }
    const shortOf = new Map<string, string | undefined>();
    for (const { command, option } of all) {
      const long = option.long as string;
      if (shortOf.has(long) && option.short !== undefined && shortOf.get(long) !== undefined) expect(option.short, `${command} ${long}`).toBe(shortOf.get(long));
      if (option.short !== undefined) shortOf.set(long, option.short);
    }
    expect(shortOf.get('--out')).toBe('-o');
    expect(all.filter(({ option }) => option.long === '--out').every(({ option }) => option.short === '-o')).toBe(true);
    // Spelled two ways (state-dir and statedir) is two names for one thing.
    const spellings = new Map<string, Set<string>>();
    for (const { option } of all) {
      const key = (option.long as string).replace(/-/g, '');
      spellings.set(key, (spellings.get(key) ?? new Set()).add(option.long as string));
    }
    for (const [key, names] of spellings) expect(names.size, key).toBe(1);
  });
});

describe('the grammar at work', () => {
  it('a mistyped flag is unknown, with the flag meant, before a required one is missing (exit 2)', async () => {
    const typo = await cli('run', '--scenaro', 'smoke');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("error: unknown option '--scenaro'");
    expect(typo.stderr).toContain('(Did you mean --scenario?)');
    expect(typo.stderr).not.toContain('required option');
    const missing = await cli('gate', '--baseline', 'results/baseline-a1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--current <result>' not specified");
  });

  it('--json is --format json on every command that has both', async () => {
    const viaFormat = await cli('scenarios', '--format', 'json');
    const viaJson = await cli('scenarios', '--json');
    expect(viaJson.code).toBe(0);
    expect(viaJson.stdout).toBe(viaFormat.stdout);
    expect(JSON.parse(viaJson.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'smoke' })]));
    const compare = await cli('compare', 'results/baseline-a1', 'results/baseline-a2', '--json');
    expect(compare.code).toBe(0);
    expect(JSON.parse(compare.stdout)).toHaveProperty('totals');
    const both = await cli('compare', 'results/baseline-a1', 'results/baseline-a2', '--json', '--format', 'markdown');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--json is --format json: it cannot go with --format markdown');
  });

  it('text is the human format; terminal still works where it did', async () => {
    const text = await cli('report', 'results/smoke-k6', '--format', 'text');
    const terminal = await cli('report', 'results/smoke-k6', '--format', 'terminal');
    expect(text.code).toBe(0);
    expect(terminal.stdout).toBe(text.stdout);
    const sizeTerminal = await cli('size', '--users', '100000', '--format', 'terminal');
    expect(sizeTerminal.code).toBe(0);
    expect(sizeTerminal.stdout).toBe((await cli('size', '--users', '100000', '--format', 'text')).stdout);
    const prices = await cli('prices', '--json');
    expect(JSON.parse(prices.stdout)).toHaveLength(3);
  });

  it('fractions take 10% or 0.1 on every flag and on --set, and positive numbers say so', async () => {
    const percent = await cli('size', '--users', '1000000', '--concurrency-ratio', '1%', '--average-to-peak', '25%', '--growth', '2%', '--target-utilization', '70%', '--set', 'dbHotShare=40%', '--json');
    expect(percent.code).toBe(0);
    const values = Object.fromEntries((JSON.parse(percent.stdout) as { assumptions: Array<{ name: string; value: number }> }).assumptions.map((row) => [row.name, row.value]));
    expect(values).toMatchObject({ concurrencyRatio: 0.01, averageToPeak: 0.25, growthPerMonth: 0.02, targetUtilization: 0.7, dbHotShare: 0.4 });
    const plain = await cli('size', '--users', '1000000', '--concurrency-ratio', '0.01', '--average-to-peak', '0.25', '--growth', '0.02', '--target-utilization', '0.7', '--set', 'dbHotShare=0.4', '--json');
    expect(JSON.parse(plain.stdout).workload).toEqual(JSON.parse(percent.stdout).workload);
    // Not a fraction: a unit that is not one (ms) does not take a percentage.
    const wrong = await cli('size', '--users', '1e6', '--concurrency-ratio', 'lots', '--set', 'sloP95Ms=10%', '--eur-usd', '0');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--concurrency-ratio: not a fraction (0.1) or a percentage (10%): lots');
    expect(wrong.stderr).toContain('--set sloP95Ms: not a number: 10%');
    expect(wrong.stderr).toContain('--eur-usd: must be a number > 0, got 0');
    const gate = await cli('gate', '--baseline', 'results/baseline-a1', '--current', 'results/baseline-a2', '--tolerance', '25%', '--confidence', '90%', '--json');
    expect(gate.code).toBe(0);
    expect(JSON.parse(gate.stdout).options).toMatchObject({ tolerance: 0.25, confidence: 0.9 });
  });

  it('hints repeat the --state-dir given', async () => {
    const dir = join(workDir, 'no stack here');
    const status = await cli('status', '--state-dir', dir);
    expect(status.code).toBe(4);
    expect(status.stderr).toContain(`hint: start one with \`capacity up --state-dir '${dir}'\``);
    const down = await cli('down', '--state-dir', dir);
    expect(down.code).toBe(0);
  });
});
