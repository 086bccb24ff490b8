import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { badInput, ExitCode, interrupted } from '../../core/errors.js';
import { isInteractive } from '../../core/context.js';
import { addK6ScriptOption, addScenarioOptions, addTierOptions, addVerboseOption, addWorkerOptions, distributedFrom, overridesFrom, scriptOrScenario } from '../run-options.js';
import { collect, fraction, integer, stackFlags, withStackFlags } from '../options.js';
import type { RunObserver } from '../../run/observer.js';

/** Reads and validates a CloudWatch config file; every problem is listed (exit 2) before any load. */
async function loadCloudWatchConfig(file: string, cwd: string) {
  const [{ readFile }, path, { parse }, { parseCloudWatchConfig }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('yaml'),
    import('../../metrics/cloudwatch/config.js'),
  ]);
  let document: unknown;
  try {
    document = parse(await readFile(path.resolve(cwd, file), 'utf8'));
  } catch (error) {
    throw badInput(`cannot read the CloudWatch config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseCloudWatchConfig(document, file);
  if (!parsed.ok) throw badInput(`${file} is not a valid CloudWatch config`, parsed.problems, 'see docs/cloudwatch.md');
  return parsed.config;
}

/** The observer, with the hints in its messages repeating the flags that locate the stack. */
function repeatingFlags(observer: RunObserver, flags: string): RunObserver {
  return {
    onStart: (plan, info) => observer.onStart(plan, info),
    onTick: (tick) => observer.onTick(tick),
    onEnd: (result) => observer.onEnd(result),
    onMessage: (message) => observer.onMessage?.(withStackFlags(message, flags)),
    onPhase: (phase) => observer.onPhase?.(phase),
    onServerSample: (sample) => observer.onServerSample?.(sample),
  };
}

export const command: CommandModule = {
  name: 'run',
  summary: 'run a scenario with k6, autocannon, Artillery or Locust against the local stack or a URL; exit 1 when an SLO fails',
  configure(command) {
    addScenarioOptions(command, 'load generator: k6, autocannon, artillery, locust, or all one after another (default: k6 when installed, else autocannon)', '--k6-script');
    addK6ScriptOption(command);
    command
      .option('--keep', 'leave the stack running afterwards when this run started it')
      .option('--results-dir <dir>', 'where results/<id>/ folders go', 'results')
      .option('--apps <n>', 'app servers when this run starts the stack (default 3)', integer('--apps', 1, 64))
      .option('-q, --quiet', 'no progress lines on stderr; only the summary')
      .option('--prometheus <url>', "read server metrics from this Prometheus (default: the stack's)")
      .option('--metrics-url <url>', 'scrape this /metrics endpoint every second (repeatable)', collect)
      .option('--no-collect', 'collect no server-side metrics')
      .option('--cloudwatch <file>', 'also collect CloudWatch metrics of an AWS deployment: a YAML/JSON file with region and resources (see docs/cloudwatch.md)')
      .option('--baseline <path>', 'gate the run against this baseline (file, result, or folder): exit 1 on a p95/p99/error-rate/throughput regression')
      .option('--update-baseline <path>', 'write a baseline from this run (atomic; skipped when it regressed)')
      .addOption(new Option('--tolerance <fraction>', 'gate tolerance for p95, p99 and throughput (0.1 or 10%)').argParser(fraction('--tolerance')).default(0.1, '10%'));
    addWorkerOptions(command);
    addTierOptions(command);
    addVerboseOption(command);
  },
  async action({ options, ctx }) {
    const path = await import('node:path');
    const os = await import('node:os');
    const { executeRun, displayPath } = await import('../../run/run.js');
    const { plainObserver } = await import('../../run/observer.js');
    const { formatRunSummary, formatSideBySide } = await import('../../run/summary.js');
    const { preflight } = await import('../../run/preflight.js');
    const { metricsCollectorFactory, metricsCalibrator, metricsFlagsFrom, limitedReporter } = await import('../../metrics/run-seam.js');
    const { getEngine, listEngines } = await import('../../engines/index.js');
    const { ensureStack, downStack, instanceController, resolveStateDir } = await import('../../stack/index.js');

    // --scenario or the user's own k6 script (k6 missing: exit 3; an unreadable script: exit 2).
    const what = scriptOrScenario(options);
    let k6Script: { path: string; scenario: import('../../scenarios/schema.js').ScenarioInput } | undefined;
    if ('k6Script' in what) {
      const { planForUserScript } = await import('../../engines/k6/adapter.js');
      const { notes, ...script } = await planForUserScript(path.resolve(ctx.cwd, what.k6Script), what.targetUrl, ctx.env);
      k6Script = script;
      if (!options.quiet) for (const note of notes) ctx.stderr.write(`k6 script: ${note}\n`);
    }

    // A bad baseline is bad input: refuse it before any load is sent.
    const baseline = typeof options.baseline === 'string' ? options.baseline : undefined;
    const updateBaseline = typeof options.updateBaseline === 'string' ? options.updateBaseline : undefined;
    const tolerance = options.tolerance as number;
    if (baseline !== undefined) {
      const { loadBaseline } = await import('../../gate/baseline-files.js');
      await loadBaseline(baseline, ctx.cwd);
    }

    const cloudWatch = typeof options.cloudwatch === 'string' ? await loadCloudWatchConfig(options.cloudwatch, ctx.cwd) : undefined;

    const stateDir = resolveStateDir({ option: options.stateDir as string | undefined, env: ctx.env, cwd: ctx.cwd });
    const resultsDir = path.resolve(ctx.cwd, options.resultsDir as string);
    // The ink view on a terminal; plain lines on stderr in CI or when piped, so stdout stays the summary.
    const live = !options.quiet && isInteractive(ctx) ? (await import('../ui/index.js')).createLiveObserver(ctx, { mode: 'live' }) : undefined;
    const observer = repeatingFlags(live ?? plainObserver((line) => void ctx.stderr.write(`${line}\n`), { quiet: Boolean(options.quiet) }), stackFlags(options));
    const apps = options.apps as number | undefined;
    const distributed = distributedFrom(options);
    const outcome = await executeRun(
      {
        scenario: 'scenario' in what ? what.scenario : what.k6Script,
        engine: k6Script ? 'k6' : ((options.engine as 'k6' | 'autocannon' | 'artillery' | 'locust' | 'all' | undefined) ?? 'auto'),
        ...(k6Script ? { k6Script } : {}),
        ...(options.target === undefined ? {} : { targetUrl: options.target as string }),
        overrides: overridesFrom(options),
        keep: Boolean(options.keep),
        resultsDir,
        stateDir,
        ...(apps === undefined ? {} : { apps }),
        ...(distributed === undefined ? {} : { distributed }),
      },
      {
        env: ctx.env,
        projectRoot: ctx.projectRoot,
        cwd: ctx.cwd,
        signal: ctx.signal,
        now: ctx.now,
        observer,
        engines: { get: getEngine, list: listEngines },
        stack: { ensureStack, downStack },
        preflight: (baseUrl, signal) => preflight(baseUrl, { signal }),
        collectorFactories: [
          metricsCollectorFactory({ ...metricsFlagsFrom(options), onProblem: limitedReporter((line) => void (options.quiet ? undefined : ctx.stderr.write(`${line}\n`))) }),
          ...(cloudWatch ? [(await import('../../metrics/cloudwatch/index.js')).cloudWatchCollectorFactory(cloudWatch)] : []),
        ],
        calibrator: metricsCalibrator,
        instanceController: (dir, signal) => instanceController(dir, { signal }),
        freeMemoryBytes: () => os.freemem(),
        // Engine children and a stack this run starts die with it, even on SIGKILL (watchdog, stale sweep).
        guard: async (dir, say) => (await import('../../stack/local/guard-run.js')).guardRun(dir, ctx.now(), say),
      },
    );

    await live?.flush();
    for (const { result, file } of outcome.results) ctx.stdout.write(`\n${formatRunSummary(result, displayPath(file, ctx.cwd), { verbose: Boolean(options.verbose) })}`);
    if (outcome.results.length > 1) ctx.stdout.write(`\n${formatSideBySide(outcome.results.map((entry) => entry.result))}`);
    if (outcome.interruptedBy) throw interrupted(outcome.interruptedBy);
    const failed = outcome.results.some(({ result }) => result.verdict === 'fail');
    let regressed = false;
    if (baseline !== undefined || updateBaseline !== undefined) {
      const { applyGate } = await import('../../gate/apply.js');
      for (const { result } of outcome.results) {
        const gate = await applyGate({
          ...(baseline === undefined ? {} : { baseline }),
          ...(updateBaseline === undefined ? {} : { updateBaseline }),
          current: result,
          options: { tolerance },
          cwd: ctx.cwd,
          env: ctx.env,
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          now: ctx.now,
        });
        regressed ||= gate.exitCode !== ExitCode.Ok;
      }
    }
    return failed || regressed ? ExitCode.GateFailed : ExitCode.Ok;
  },
};
