import type { CommandModule } from '../command.js';
import { CapacityError, ExitCode } from '../errors.js';

// Placeholder until the command lands; the issue that owns it replaces this module.
export const command: CommandModule = {
  name: 'run',
  summary: '(not built yet)',
  configure() {},
  async action() {
    throw new CapacityError('capacity run is not built yet', { exitCode: ExitCode.MissingDependency });
  },
};
