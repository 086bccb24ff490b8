import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';

export const command: CommandModule = {
  name: 'doctor',
  summary: 'check engines and services: found or not, version, path, install hint (exit 3 if a required one is missing)',
  configure(command) {
    command.option('--json', 'print the checks as JSON');
  },
  async action({ options, ctx }) {
    const { checkAll, allRequiredFound } = await import('../../doctor/checks.js');
    const { formatDoctorTable, formatDoctorJson } = await import('../../doctor/format.js');
    const results = await checkAll({ path: ctx.env.PATH, projectRoot: ctx.projectRoot });
    ctx.stdout.write(options.json ? formatDoctorJson(results) : formatDoctorTable(results));
    return allRequiredFound(results) ? ExitCode.Ok : ExitCode.MissingDependency;
  },
};
