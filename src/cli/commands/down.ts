import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addStateDirOption, stackFlags, withStackFlags } from '../options.js';

export const command: CommandModule = {
  name: 'down',
  summary: 'stop exactly the processes `up` started (by PID); --purge also deletes data and logs',
  configure(command) {
    addStateDirOption(command);
    command.option('--purge', 'also delete the data directories, configs and logs');
  },
  async action({ options, ctx }) {
    const { readStackState, resolveStateDir, downStack } = await import('../../stack/index.js');
    const stateDir = resolveStateDir({ option: options.stateDir as string | undefined, env: ctx.env, cwd: ctx.cwd });
    const purge = Boolean(options.purge);
    const onProgress = (message: string) => void ctx.stderr.write(`  ${message}\n`);
    // What a `capacity run` that died left behind (engine processes, the stack it started) first.
    const { sweepStaleRuns } = await import('../../stack/local/run-guard.js');
    const swept = await sweepStaleRuns(stateDir, onProgress);
    const state = readStackState(stateDir);
    if (!state) {
      ctx.stderr.write(`no stack is recorded in ${stateDir}: nothing ${swept > 0 ? 'else ' : ''}to stop\n`);
      if (purge) {
        const { purgeLocalData } = await import('../../stack/local/index.js');
        purgeLocalData(stateDir, onProgress);
      }
      return ExitCode.Ok;
    }
    ctx.stderr.write(`stopping the ${state.driver} stack in ${stateDir}\n`);
    await downStack(state, { purge, onProgress });
    const kept = withStackFlags(`; data kept in ${stateDir} (\`capacity down --purge\` deletes it)`, stackFlags(options));
    ctx.stdout.write(`stack stopped${purge ? '; data, configs and logs deleted' : kept}\n`);
    return ExitCode.Ok;
  },
};
