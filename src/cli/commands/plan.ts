import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addScenarioOptions, overridesFrom } from '../run-options.js';

export const command: CommandModule = {
  name: 'plan',
  summary: 'print what `capacity run` would execute for a scenario (stages, mix, SLOs) without running anything',
  configure(command) {
    addScenarioOptions(command, 'show the plan for this engine (default: the one `run` would pick)');
    command.option('--json', 'print the plan as JSON');
  },
  async action({ options, ctx }) {
    const { prepareRun, resolveEngines } = await import('../../run/run.js');
    const { planFromScenario } = await import('../../scenarios/plan.js');
    const { formatPlan } = await import('../../scenarios/format.js');
    const prepared = await prepareRun(
      {
        scenario: options.scenario as string,
        ...(options.target === undefined ? {} : { targetUrl: options.target as string }),
        overrides: overridesFrom(options),
      },
      ctx.cwd,
    );
    let baseUrl: string;
    if (prepared.target.kind === 'url') baseUrl = prepared.target.url;
    else {
      const { readStackState, resolveStateDir } = await import('../../stack/index.js');
      const state = readStackState(resolveStateDir({ option: options.stateDir as string | undefined, env: ctx.env, cwd: ctx.cwd }));
      baseUrl = state?.baseUrl ?? `(the ${prepared.target.kind} stack; \`capacity run\` starts it)`;
    }
    const plan = planFromScenario(prepared.effective, baseUrl);

    let engine: string;
    try {
      const { getEngine, listEngines } = await import('../../engines/index.js');
      const chosen = await resolveEngines((options.engine as 'k6' | 'autocannon' | 'artillery' | 'all' | undefined) ?? 'auto', {
        engines: { get: getEngine, list: listEngines },
        env: ctx.env,
        projectRoot: ctx.projectRoot,
      });
      engine = chosen.map((choice) => `${choice.engine.name}${choice.version ? ` ${choice.version}` : ''}`).join(', then ');
    } catch (error) {
      // Printing a plan needs no engine; say which one is missing instead of failing.
      engine = `${(options.engine as string | undefined) ?? 'auto'} (${error instanceof Error ? error.message : String(error)})`;
    }

    if (options.json) {
      ctx.stdout.write(`${JSON.stringify({ engine, source: prepared.source, plan }, null, 2)}\n`);
      return ExitCode.Ok;
    }
    ctx.stdout.write(formatPlan(plan, { engine, source: prepared.source }));
    return ExitCode.Ok;
  },
};
