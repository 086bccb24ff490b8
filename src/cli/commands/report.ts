import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { badInput } from '../../core/errors.js';
import { addFormatOption, formatsOf } from '../options.js';

export const command: CommandModule = {
  name: 'report',
  summary: 'render a saved run: text, markdown, html, png, junit or json',
  configure(command) {
    command.argument('<results...>', 'result folder(s) (results/<id>) or result.json file(s); several are shown side by side');
    addFormatOption(command, ['text', 'markdown', 'html', 'png', 'junit', 'json'], 'comma-separated for several');
    command
      .option('-o, --out <path>', 'output file, or folder for png and several formats (default: beside the first result, or stdout for text/markdown/json)')
      .option('--summary', 'json: a trimmed summary instead of the whole result')
      .addHelpText(
        'after',
        '\nMarkdown is also appended to $GITHUB_STEP_SUMMARY when it is set.\nExamples:\n  capacity report results/<id>\n  capacity report results/<id> --format html --out report.html\n  capacity report results/a results/b --format html,png --out out/',
      );
  },
  async action({ args, options, ctx }) {
    if (args.length === 0) throw badInput('report needs at least one result folder');
    const { loadRunResult } = await import('../../results/read.js');
    const { deliverReports, resultDirOf } = await import('../../reporters/output.js');
    const { REPORT_FORMATS } = await import('../../reporters/index.js');
    const formats = formatsOf(options, REPORT_FORMATS);
    const loaded = [];
    for (const path of args) loaded.push(await loadRunResult(path, ctx.cwd));
    const first = loaded[0] as (typeof loaded)[number];
    const delivered = await deliverReports({
      results: loaded.map((item) => item.result),
      resultDir: resultDirOf(first.file),
      formats,
      ...(typeof options.out === 'string' ? { out: options.out } : {}),
      cwd: ctx.cwd,
      env: ctx.env,
      stdout: ctx.stdout,
      options: { summary: Boolean(options.summary), colour: Boolean(ctx.stdout.isTTY) && !ctx.env.NO_COLOR },
    });
    for (const item of delivered) for (const file of item.files) ctx.stderr.write(`wrote ${item.format}: ${file}\n`);
    return ExitCode.Ok;
  },
};
