import type { CommandModule } from '../command.js';
import { ExitCode, unhealthy } from '../../core/errors.js';
import { addFormatOption, addStateDirOption, formatOf } from '../options.js';

export const command: CommandModule = {
  name: 'status',
  summary: 'show each stack component: PID, URL, healthy or not (exit 4 if any is unhealthy or no stack runs)',
  configure(command) {
    addStateDirOption(command);
    addFormatOption(command, ['text', 'json']);
  },
  async action({ options, ctx }) {
    const json = formatOf(options, ['text', 'json']) === 'json';
    const { readStackState, resolveStateDir, stackStatus, allHealthy } = await import('../../stack/index.js');
    const stateDir = resolveStateDir({ option: options.stateDir as string | undefined, env: ctx.env, cwd: ctx.cwd });
    const state = readStackState(stateDir);
    if (!state) {
      if (json) ctx.stdout.write(`${JSON.stringify({ stateDir, running: false, healthy: false, components: [] }, null, 2)}\n`);
      throw unhealthy(`no stack is running in ${stateDir}`, `start one with \`capacity up\`${options.stateDir === undefined ? ' (or give --state-dir)' : ''}`);
    }
    const health = await stackStatus(state);
    const healthy = allHealthy(health);
    if (json) {
      const report = {
        stateDir,
        running: true,
        healthy,
        driver: state.driver,
        phase: state.phase,
        startedAt: state.startedAt,
        baseUrl: state.baseUrl,
        prometheusUrl: state.prometheusUrl,
        components: health,
      };
      ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const rows = health.map((component) => [
        component.healthy ? 'ok' : 'FAIL',
        component.name,
        component.tier,
        component.pid === undefined ? '-' : String(component.pid),
        component.url ?? '-',
        component.detail,
      ]);
      const header = ['', 'component', 'tier', 'pid', 'url', 'detail'];
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
      const format = (row: string[]) =>
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
          .join('  ')
          .trimEnd();
      const lines = [
        `stack (${state.driver}) in ${stateDir}, started ${state.startedAt}${state.phase === 'starting' ? ' — still starting' : ''}`,
        format(header),
        ...rows.map(format),
        healthy ? `all ${health.length} components healthy; load balancer ${state.baseUrl}` : `${health.filter((c) => !c.healthy).length} of ${health.length} components unhealthy`,
      ];
      ctx.stdout.write(`${lines.join('\n')}\n`);
    }
    if (!healthy) {
      throw unhealthy(
        'the stack is unhealthy',
        'see the logs in the state dir\'s logs/ folder; restart with `capacity down` then `capacity up`',
        health.filter((component) => !component.healthy).map((component) => `${component.name}: ${component.detail}`),
      );
    }
    return ExitCode.Ok;
  },
};
