import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import type { CommandModule } from '../command.js';
import { ExitCode } from '../errors.js';

export const command: CommandModule = {
  name: 'doctor',
  summary: 'check engines and services: found or not, version, path, install hint (exit 3 if a required one is missing)',
  configure(command) {
    command.option('--json', 'print the checks as JSON');
  },
  async action({ options, ctx }) {
    const { checkAll, allRequiredFound, findProjectRoot } = await import('../../doctor/checks.js');
    const { formatDoctorTable, formatDoctorJson } = await import('../../doctor/format.js');
    // The project this CLI belongs to (for .tools/bin and node_modules), else the working directory.
    const projectRoot =
      ctx.env.CAPACITY_PROJECT_ROOT ?? findProjectRoot(dirname(fileURLToPath(import.meta.url))) ?? ctx.cwd;
    const results = await checkAll({ path: ctx.env.PATH, projectRoot });
    ctx.stdout.write(options.json ? formatDoctorJson(results) : formatDoctorTable(results));
    return allRequiredFound(results) ? ExitCode.Ok : ExitCode.MissingDependency;
  },
};
