import { Argument } from 'commander';
import type { CommandModule } from '../command.js';
import { ExitCode, badInput } from '../../core/errors.js';
import { addFormatOption, formatOf } from '../options.js';

/** Source files are small; a HAR with response bodies can be large, but not this large. */
const MAX_SOURCE_BYTES = 64 * 1024 * 1024;
const KINDS = ['har', 'openapi', 'artillery'] as const;
const FORMATS = ['text', 'json'] as const;

/**
 * `capacity import har|openapi|artillery <file> [--out scenario.yaml]`: the user's own recording,
 * API description or Artillery script as a scenario. What could not be translated goes to stderr
 * and into the YAML as comments. An existing --out file is never replaced (exit 2).
 */
export const command: CommandModule = {
  name: 'import',
  summary: 'write a scenario from a HAR recording, an OpenAPI 3 document or an Artillery script',
  configure(command) {
    command
      .addArgument(new Argument('<kind>', 'what the file is').choices([...KINDS]))
      .argument('<file>', 'the HAR (.har), OpenAPI 3.0/3.1 (YAML or JSON) or Artillery script (YAML)')
      .option('-o, --out <path>', 'write the scenario here (never replaces a file; a CSV payload is written beside it); default: stdout')
      .option('--name <name>', 'scenario name (default: from the file name)');
    addFormatOption(command, FORMATS, 'on stdout: text is the scenario YAML (without --out), json is {scenario, untranslated, dataFiles, out}');
  },
  async action({ args, options, ctx }) {
    const [{ readFile, stat, access }, path, { importScenario, emitScenarioYaml, scenarioDocument, untranslatedLines }, { writeFileAtomic }, { parse }] = await Promise.all([
      import('node:fs/promises'),
      import('node:path'),
      import('../../importers/index.js'),
      import('../../core/atomic-file.js'),
      import('yaml'),
    ]);
    const format = formatOf(options, FORMATS);
    const kind = args[0] as (typeof KINDS)[number];
    const file = args[1] as string;
    const source = path.resolve(ctx.cwd, file);
    const size = await stat(source).then(
      (info) => (info.isFile() ? info.size : undefined),
      () => undefined,
    );
    if (size === undefined) throw badInput(`cannot read ${file}: no such file`);
    if (size > MAX_SOURCE_BYTES) throw badInput(`${file} is ${Math.round(size / 1024 / 1024)} MiB: at most ${MAX_SOURCE_BYTES / 1024 / 1024} MiB can be imported`);
    const out = typeof options.out === 'string' ? path.resolve(ctx.cwd, options.out) : undefined;
    const exists = async (target: string): Promise<boolean> => access(target).then(() => true, () => false);
    if (out !== undefined && (await exists(out))) throw badInput(`${options.out as string} already exists: import never replaces a file`, [], 'choose another --out, or remove the file first');

    const imported = importScenario({
      kind,
      text: await readFile(source, 'utf8'),
      label: file,
      documentDir: path.dirname(source),
      ...(typeof options.name === 'string' ? { name: options.name } : {}),
    });
    const yaml = emitScenarioYaml(imported, file, kind);
    const { Scenario } = await import('../../scenarios/schema.js');
    const checked = Scenario.safeParse(parse(yaml));
    // What the source says but the language cannot hold (a capture used before it is made): named, nothing written.
    if (!checked.success) {
      throw badInput(
        `${file} could not be expressed as a valid scenario`,
        checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        'fix the source, or write the scenario by hand (docs/scenarios.md)',
      );
    }

    const lines = untranslatedLines(imported);
    if (lines.length > 0) {
      ctx.stderr.write(`not translated (also written as comments in the scenario):\n`);
      for (const line of lines) ctx.stderr.write(`  - ${line}\n`);
    }
    const summary = (written?: string) =>
      `${JSON.stringify({ scenario: scenarioDocument(imported), untranslated: lines, dataFiles: imported.dataFiles.map((data) => ({ target: data.target, source: data.source, header: data.header })), ...(written ? { out: written } : {}) }, null, 2)}\n`;
    if (out === undefined) {
      ctx.stdout.write(format === 'json' ? summary() : yaml);
      for (const data of imported.dataFiles) ctx.stderr.write(`note: the scenario reads ${data.target} (${data.source} with the header row ${data.header.join(',')}): give --out to have it written beside the scenario\n`);
      return ExitCode.Ok;
    }

    // Data files first: a scenario is never left pointing at a file that was not written.
    for (const data of imported.dataFiles) {
      const target = path.resolve(path.dirname(out), data.target);
      if (await exists(target)) throw badInput(`${target} already exists: import never replaces a file`, [], 'choose another --out folder, or remove the file first');
      let text: string;
      try {
        text = await readFile(data.source, 'utf8');
      } catch (error) {
        throw badInput(`cannot read the payload ${data.source} named by ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      const rows = text.split(/\r?\n/);
      const body = (data.skipFirstLine ? rows.slice(1) : rows).join('\n');
      await writeFileAtomic(target, `${data.header.join(',')}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}`, { exclusive: true });
      ctx.stderr.write(`wrote ${path.relative(ctx.cwd, target) || target} (the payload with a header row)\n`);
    }
    try {
      await writeFileAtomic(out, yaml, { exclusive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw badInput(`${options.out as string} already exists: import never replaces a file`);
      throw error;
    }
    if (format === 'json') ctx.stdout.write(summary(out));
    ctx.stderr.write(`wrote ${options.out as string}: run it with \`capacity run --scenario ${options.out as string}\`${imported.baseUrl === undefined ? ' --target <base URL>' : ''}\n`);
    return ExitCode.Ok;
  },
};
