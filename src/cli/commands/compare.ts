import type { CommandModule } from '../command.js';
import { ExitCode, badInput } from '../../core/errors.js';
import { addFormatOption, formatOf } from '../options.js';

export const command: CommandModule = {
  name: 'compare',
  summary: 'two runs side by side: totals, percentiles, error rate, throughput, endpoints, deltas',
  configure(command) {
    command
      .argument('<a>', 'first result (A): folder or result.json')
      .argument('<b>', 'second result (B)');
    addFormatOption(command, ['text', 'markdown', 'json']);
  },
  async action({ args, options, ctx }) {
    const [first, second] = args;
    if (first === undefined || second === undefined) throw badInput('compare needs two results: capacity compare <a> <b>');
    const format = formatOf(options, ['text', 'markdown', 'json']);
    const { loadRunResult } = await import('../../results/read.js');
    const { compareResults, formatComparisonMarkdown, formatComparisonText } = await import('../../regression/compare.js');
    const a = await loadRunResult(first, ctx.cwd);
    const b = await loadRunResult(second, ctx.cwd);
    const comparison = compareResults(a.result, b.result);
    if (format === 'json') ctx.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
    else ctx.stdout.write(format === 'markdown' ? formatComparisonMarkdown(comparison) : formatComparisonText(comparison));
    return ExitCode.Ok;
  },
};
