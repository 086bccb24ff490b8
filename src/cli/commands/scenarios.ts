import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addFormatOption, formatOf } from '../options.js';

export const command: CommandModule = {
  name: 'scenarios',
  summary: 'list the built-in scenarios (smoke, baseline, peak, stress, soak, spike, failover)',
  configure(command) {
    addFormatOption(command, ['text', 'json']);
  },
  async action({ options, ctx }) {
    const json = formatOf(options, ['text', 'json']) === 'json';
    const { listBuiltinNames, loadScenario } = await import('../../scenarios/load.js');
    const { formatDuration } = await import('../../scenarios/duration.js');
    const rows = [];
    for (const name of await listBuiltinNames()) {
      const { scenario } = await loadScenario(name, ctx.cwd);
      const peak = Math.max(scenario.startTarget, ...scenario.stages.map((stage) => stage.target));
      const durationS = scenario.stages.reduce((sum, stage) => sum + stage.duration, 0);
      rows.push({ name, model: scenario.model, peak, unit: scenario.model === 'open' ? 'req/s' : 'users', maxUsers: scenario.maxUsers, durationS, description: scenario.description });
    }
    if (json) {
      ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.Ok;
    }
    const table = [
      ['name', 'model', 'peak', 'duration', 'description'],
      ...rows.map((row) => [row.name, row.model, `${row.peak.toLocaleString('en-US')} ${row.unit}`, formatDuration(row.durationS), row.description]),
    ];
    const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
    for (const row of table) ctx.stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}\n`);
    ctx.stdout.write('\nrun one with `capacity run --scenario <name>`; see its plan with `capacity plan --scenario <name>`; docs/scenarios.md explains the fields\n');
    return ExitCode.Ok;
  },
};
