import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addFormatOption, formatOf } from '../options.js';

export const command: CommandModule = {
  name: 'doctor',
  summary: 'check engines and services: found or not, version, path, install hint (exit 3 if a required one is missing)',
  configure(command) {
    addFormatOption(command, ['text', 'json']);
  },
  async action({ options, ctx }) {
    const json = formatOf(options, ['text', 'json']) === 'json';
    const { checkAll, allRequiredFound } = await import('../../doctor/checks.js');
    const { formatDoctorTable, formatDoctorJson } = await import('../../doctor/format.js');
    const results = await checkAll({ path: ctx.env.PATH, projectRoot: ctx.projectRoot });
    ctx.stdout.write(json ? formatDoctorJson(results) : formatDoctorTable(results));
    return allRequiredFound(results) ? ExitCode.Ok : ExitCode.MissingDependency;
  },
};
