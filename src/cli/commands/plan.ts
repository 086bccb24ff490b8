import type { CommandModule } from '../command.js';
import { ExitCode } from '../../core/errors.js';
import { addScenarioOptions, overridesFrom } from '../run-options.js';
import { addFormatOption, formatOf } from '../options.js';

export const command: CommandModule = {
  name: 'plan',
  summary: 'print what `capacity run` would execute for a scenario (stages, mix, SLOs) without running anything',
  configure(command) {
    addScenarioOptions(command, 'show the plan for this engine (default: the one `run` would pick)');
    addFormatOption(command, ['text', 'json']);
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
      ctx.env,
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
    const engineChoice = (options.engine as 'k6' | 'autocannon' | 'artillery' | 'locust' | 'all' | undefined) ?? 'auto';
    const { getEngine, listEngines } = await import('../../engines/index.js');
    // Without the engine installed, the estimate is for the one asked for (auto falls back to autocannon).
    let engineNames = engineChoice === 'all' ? listEngines() : [engineChoice === 'auto' ? 'autocannon' : engineChoice];
    try {
      const chosen = await resolveEngines(engineChoice, {
        engines: { get: getEngine, list: listEngines },
        env: ctx.env,
        projectRoot: ctx.projectRoot,
      });
      engine = chosen.map((choice) => `${choice.engine.name}${choice.version ? ` ${choice.version}` : ''}`).join(', then ');
      engineNames = chosen.map((choice) => choice.engine.name);
    } catch (error) {
      // Printing a plan needs no engine; say which one is missing instead of failing.
      engine = `${(options.engine as string | undefined) ?? 'auto'} (${error instanceof Error ? error.message : String(error)})`;
    }

    // The load generator's memory at the peak against this machine's free memory (`run` refuses when it does not fit).
    const os = await import('node:os');
    const { estimateGeneratorMemory, describeEstimate, formatBytes } = await import('../../engines/memory.js');
    const freeBytes = os.freemem();
    const estimates = engineNames.map((name) => estimateGeneratorMemory(plan, name));
    const memoryLines = estimates.map(
      (estimate) => `${describeEstimate(estimate)}; free ${formatBytes(freeBytes)}${estimate.totalBytes > freeBytes ? ' — does not fit: `capacity run` would refuse it' : ''}`,
    );

    // Each engine's translation of the plan: what `run` adapts to fit it, or why it would refuse it.
    const translations = engineNames.map((name) => {
      try {
        return { engine: name, adaptations: getEngine(name).translate?.(plan).adaptations ?? [] };
      } catch (error) {
        const consequence = engineChoice === 'all' && engineNames.length > 1 ? '`capacity run --engine all` would skip this engine' : '`capacity run` would refuse it';
        return { engine: name, adaptations: [], refused: `${error instanceof Error ? error.message : String(error)} (${consequence})` };
      }
    });
    const adaptations = translations.flatMap((entry) => [...entry.adaptations.map((line) => `${entry.engine}: ${line}`), ...(entry.refused ? [entry.refused] : [])]);

    if (formatOf(options, ['text', 'json']) === 'json') {
      const memory = { freeBytes, estimates: estimates.map((estimate) => ({ ...estimate, fits: estimate.totalBytes <= freeBytes })) };
      ctx.stdout.write(`${JSON.stringify({ engine, source: prepared.source, plan, memory, translations }, null, 2)}\n`);
      return ExitCode.Ok;
    }
    ctx.stdout.write(formatPlan(plan, { engine, source: prepared.source, memory: memoryLines, adaptations }));
    return ExitCode.Ok;
  },
};
