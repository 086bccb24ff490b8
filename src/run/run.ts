import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { badInput, CapacityError, ExitCode, interrupted, missingDependency } from '../core/errors.js';
import { signalName, type ProcessContext } from '../core/context.js';
import type { DistributedOptions, Engine, EngineRunOutput, EngineTick } from '../engines/types.js';
import { checkGeneratorMemory } from '../engines/memory.js';
import type { ChildRegistry } from '../engines/child-process.js';
import { assembleRunResult } from '../results/assemble.js';
import { analyzeFailover } from '../results/failover.js';
import { resultId } from '../results/ids.js';
import { machineInfo } from '../results/machine.js';
import { shiftSeries } from '../metrics/series.js';
import type { EngineInfo, RunResult, ServerSeries } from '../results/schema.js';
import { createResultDir, writeResult } from '../results/store.js';
import { loadScenario } from '../scenarios/load.js';
import { buildPlan, planFromScenario, type ScenarioOverrides } from '../scenarios/plan.js';
import { Scenario as ScenarioSchema, type Scenario, type ScenarioInput } from '../scenarios/schema.js';
import type { Plan } from '../scenarios/types.js';
import type { StackState, UpOptions } from '../stack/types.js';
import type { Calibrator, Collector, CollectorFactory } from '../metrics/types.js';
import { scheduleFailover, type FailoverAction, type InstanceController } from './failover.js';
import type { RunObserver } from './observer.js';

/**
 * `capacity run`, as a library: load and plan (bad input exits 2 before anything starts), find
 * the engines (exit 3), bring the stack up if needed, check the target answers (exit 4, before
 * any result folder exists), run each engine on the same plan, and write one RunResult per
 * engine atomically beside its raw output. Everything it started, it stops, also on Ctrl-C.
 */

export type EngineName = EngineInfo['name'];
export type EngineChoice = EngineName | 'all' | 'auto';

export interface RunOptions {
  /** A built-in name or a path to a YAML file. */
  scenario: string;
  engine: EngineChoice;
  /** Load this URL instead of the scenario's target; no stack is started. */
  targetUrl?: string;
  overrides: ScenarioOverrides;
  /** Leave a stack this run started running afterwards. */
  keep: boolean;
  resultsDir: string;
  stateDir: string;
  /** App servers when this run starts the stack. */
  apps?: number;
  /** Locust: workers, and where the master listens for workers on other hosts. */
  distributed?: DistributedOptions;
  /** `--k6-script`: the user's own k6 script, run as it is by the k6 engine; `scenario` is ignored
   * and this scenario (read from the script's options, src/engines/k6/user-script.ts) stands for it. */
  k6Script?: { path: string; scenario: ScenarioInput };
}

export interface StackApi {
  ensureStack(options: UpOptions & { driver?: 'local' | 'compose' }): Promise<{ state: StackState; started: boolean }>;
  downStack(state: StackState, options: { purge: boolean; onProgress?: (message: string) => void }): Promise<void>;
}

/** The process state a run uses (ProcessContext: engines find their packages under projectRoot), and its adapters. */
export interface RunDependencies extends Pick<ProcessContext, 'env' | 'projectRoot' | 'cwd' | 'signal' | 'now'> {
  observer: RunObserver;
  engines: { get(name: string): Engine; list(): EngineName[] };
  stack: StackApi;
  /** Checks the target answers; throws exit 4 when it does not. */
  preflight(baseUrl: string, signal: AbortSignal): Promise<string>;
  collectorFactories?: readonly CollectorFactory[];
  calibrator?: Calibrator;
  /** Stops and starts app instances for the failover scenario (local stack). */
  instanceController?: (stateDir: string, signal: AbortSignal) => InstanceController;
  /** Free memory of this machine in bytes (`os.freemem()`); when given, a plan whose load generator
   * would not fit is refused (exit 2) before anything starts. */
  freeMemoryBytes?: () => number;
  /** Keeps what this run starts from outliving it (src/stack/local/guard-run.ts): stale runs are
   * cleaned first, then this run's record and watchdog. Absent: nothing is recorded. */
  guard?: (stateDir: string, say: (line: string) => void) => Promise<RunGuard>;
}

/** What the run tells its guard: its engine children, and whether the stack is its own to stop. */
export interface RunGuard {
  children: ChildRegistry;
  claimStackIfNone(): void;
  setStartedStack(started: boolean): void;
  release(): Promise<void>;
}

export interface RunOutcome {
  plan: Plan;
  results: Array<{ result: RunResult; dir: string; file: string }>;
  /** True when the stack was started by this run and left running (--keep). */
  keptStack?: StackState;
  /** Set when Ctrl-C (or SIGTERM) cut the run short: the results saved are partial; exit 130/143 after printing. */
  interruptedBy?: 'SIGINT' | 'SIGTERM';
  /** `--engine all`: the engines left out because they are not installed here (also told through the observer). */
  skippedEngines?: SkippedEngine[];
}

export interface PreparedRun {
  scenario: Scenario;
  effective: Scenario;
  source: string;
  label: string;
  target: { kind: 'url'; url: string } | { kind: 'local' | 'compose' };
}

function checkTargetUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput(`--target ${text} is not a URL`, [], 'give a base URL such as http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badInput(`--target ${text}: only http:// and https:// targets can be loaded`);
  return text.replace(/\/+$/, '');
}

/** The scenario standing for a user's k6 script; one the schema refuses is a bug of the reading. */
function scriptScenario(script: NonNullable<RunOptions['k6Script']>): { scenario: Scenario; source: string; label: string } {
  const parsed = ScenarioSchema.safeParse(script.scenario);
  if (!parsed.success) throw new Error(`the plan read from ${script.path} does not validate: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return { scenario: parsed.data, source: script.path, label: path.basename(script.path) };
}

/** Loads, overrides and validates: everything that can be bad input, before anything starts. */
export async function prepareRun(options: Pick<RunOptions, 'scenario' | 'targetUrl' | 'overrides' | 'k6Script'>, cwd: string, env?: Record<string, string | undefined>): Promise<PreparedRun> {
  // With the run's environment, a scenario's `env:` variable that is not set is bad input now.
  const loaded = options.k6Script ? scriptScenario(options.k6Script) : await loadScenario(options.scenario, cwd, env === undefined ? {} : { env });
  const targetUrl = options.targetUrl === undefined ? undefined : checkTargetUrl(options.targetUrl);
  // The base URL is not known before the stack is up; overrides are validated now all the same.
  const { scenario: effective } = buildPlan(loaded.scenario, { baseUrl: targetUrl ?? 'http://stack.invalid', overrides: options.overrides });
  const target: PreparedRun['target'] =
    targetUrl !== undefined
      ? { kind: 'url', url: targetUrl }
      : effective.target.url !== undefined
        ? { kind: 'url', url: checkTargetUrl(effective.target.url) }
        : { kind: effective.target.stack ?? 'local' };
  if (effective.failover && target.kind === 'url') {
    throw badInput(
      `scenario ${effective.name} stops an app server mid-run (failover) and needs the local stack as target`,
      [],
      'drop --target, or use another scenario',
    );
  }
  return { scenario: loaded.scenario, effective, source: loaded.source, label: loaded.label, target };
}

/** An engine `--engine all` left out because it is not installed, with its install hint. */
export interface SkippedEngine {
  name: EngineName;
  hint: string;
}

export interface EngineSelection {
  chosen: Array<{ engine: Engine; version?: string }>;
  /** `all` only: the engines not installed here (an engine named on its own is never skipped). */
  skipped: SkippedEngine[];
}

/**
 * Engines to run. A named engine (or `auto`'s fallback) must be installed: exit 3 with the
 * install hint when not. `all` runs every INSTALLED engine and lists the others as skipped, with
 * their hints; only when none is installed is it exit 3.
 */
export async function selectEngines(choice: EngineChoice, deps: Pick<RunDependencies, 'engines' | 'env' | 'projectRoot'>): Promise<EngineSelection> {
  if (choice === 'auto') {
    // k6 when it is installed (it scales furthest); else autocannon, which ships with capacity.
    const k6 = deps.engines.get('k6');
    const k6Found = await k6.detect({ env: deps.env, projectRoot: deps.projectRoot });
    if (k6Found.available) return { chosen: [{ engine: k6, version: k6Found.version }], skipped: [] };
    choice = 'autocannon';
  }
  const names = choice === 'all' ? deps.engines.list() : [choice];
  const chosen: Array<{ engine: Engine; version?: string }> = [];
  const missing: SkippedEngine[] = [];
  for (const name of names) {
    const engine = deps.engines.get(name);
    const found = await engine.detect({ env: deps.env, projectRoot: deps.projectRoot });
    if (found.available) chosen.push({ engine, version: found.version });
    else missing.push({ name: engine.name, hint: found.hint });
  }
  if (missing.length > 0 && (choice !== 'all' || chosen.length === 0)) {
    throw missingDependency(
      `engine${missing.length > 1 ? 's' : ''} not available: ${missing.map((entry) => entry.name).join(', ')}`,
      missing.map((entry) => `${entry.name}: ${entry.hint}`).join('; '),
    );
  }
  return { chosen, skipped: missing };
}

/** Engines to run (see selectEngines): `all` is the installed ones; a named one missing is exit 3. */
export async function resolveEngines(choice: EngineChoice, deps: Pick<RunDependencies, 'engines' | 'env' | 'projectRoot'>): Promise<Array<{ engine: Engine; version?: string }>> {
  return (await selectEngines(choice, deps)).chosen;
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch {
    // Leaving an empty folder behind is harmless; the raw files stay for inspection.
  }
}

async function stopCollectors(collectors: Collector[], notes: string[]): Promise<ServerSeries[]> {
  const series: ServerSeries[] = [];
  for (const collector of collectors) {
    try {
      series.push(...(await collector.stop()));
    } catch (error) {
      notes.push(`collector ${collector.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return series;
}

/** Creates and starts the collectors into `started`; when one fails, those already started are
 * stopped before the error goes on, so none keeps sampling after the run. Returns the run start. */
async function startCollectors(
  deps: RunDependencies,
  context: Parameters<CollectorFactory>[0],
  started: Collector[],
  notes: string[],
  dir: string,
): Promise<Date> {
  const created: Collector[] = [];
  try {
    for (const factory of deps.collectorFactories ?? []) created.push(...(await factory(context)));
    const runStart = deps.now();
    for (const collector of created) {
      await collector.start(runStart);
      started.push(collector);
    }
    return runStart;
  } catch (error) {
    await stopCollectors(started, notes);
    await removeIfEmpty(dir);
    throw error;
  }
}

/** The latest server CPU reading of each instance, for the live view (collectors that can tell). */
function reportServerCpu(collectors: readonly Collector[], observer: RunObserver): void {
  if (!observer.onServerSample) return;
  for (const collector of collectors) {
    for (const series of collector.snapshot?.() ?? []) {
      const last = series.points[series.points.length - 1];
      if (last) observer.onServerSample({ t: last[0], tier: series.tier, instance: series.instance, cpuCores: last[1] });
    }
  }
}

/**
 * Engines tick per complete interval, so the last one (or, for Artillery, a whole 10 s period)
 * is heard late or never: a complete run ends with one tick at the plan's end, carrying the last
 * interval's figures, so a view ends at 100 % and the full duration.
 */
function tickAtPlanEnd(plan: Plan, output: EngineRunOutput, lastTick: EngineTick | undefined, ticked: { requests: number; errors: number }): EngineTick | undefined {
  if (output.interrupted || (lastTick && lastTick.t >= plan.totalDurationS)) return undefined;
  const last = output.intervals[output.intervals.length - 1];
  if (!last) return undefined;
  return {
    t: plan.totalDurationS,
    ...(last.plannedRps === undefined ? {} : { plannedRps: last.plannedRps }),
    achievedRps: last.achievedRps,
    // Only what earlier ticks did not count, so a view's running totals stay right.
    requests: Math.max(0, output.totals.requests - ticked.requests),
    errors: Math.max(0, output.totals.errors - ticked.errors),
    ...(last.latencyMs ? { latencyMs: { p50: last.latencyMs.p50, p95: last.latencyMs.p95, p99: last.latencyMs.p99 } } : {}),
    ...(last.activeUsers === undefined ? {} : { activeUsers: last.activeUsers }),
  };
}

interface EngineRunContext {
  plan: Plan;
  prepared: PreparedRun;
  targetKind: RunResult['target']['kind'];
  stack?: StackState;
  index: number;
  count: number;
  children?: ChildRegistry;
}

async function runOneEngine(
  options: RunOptions,
  deps: RunDependencies,
  choice: { engine: Engine; version?: string },
  context: EngineRunContext,
): Promise<{ result: RunResult; dir: string; file: string } | undefined> {
  const { plan, prepared } = context;
  const { id, dir } = await createResultDir(options.resultsDir, resultId(deps.now(), plan.scenario, choice.engine.name));
  deps.observer.onStart(plan, { engine: choice.engine.name, engineVersion: choice.version, resultId: id, resultDir: dir, index: context.index, count: context.count });

  const notes: string[] = [];
  const collectorContext = { plan, target: { kind: context.targetKind, baseUrl: plan.baseUrl }, stack: context.stack, env: deps.env };
  const collectors: Collector[] = [];
  const runStart = await startCollectors(deps, collectorContext, collectors, notes, dir);

  // The failover clock starts with the load: engines log users in first, so it is scheduled at the
  // first tick, which says how far into the load it is.
  let failover: ReturnType<typeof scheduleFailover> | undefined;
  const scheduleAt = (elapsedS: number) => {
    if (failover || !plan.failover || !context.stack || !deps.instanceController) return;
    failover = scheduleFailover(plan.failover, deps.instanceController(context.stack.stateDir, deps.signal), {
      signal: deps.signal,
      now: deps.now,
      elapsedS,
      onAction: (action: FailoverAction) => deps.observer.onMessage?.(`failover: ${action.action} ${action.ok ? 'ok' : 'FAILED'}: ${action.detail}`),
    });
  };

  let output: EngineRunOutput;
  let lastTick: EngineTick | undefined;
  const ticked = { requests: 0, errors: 0 };
  try {
    output = await choice.engine.run({
      plan,
      outDir: dir,
      signal: deps.signal,
      env: deps.env,
      projectRoot: deps.projectRoot,
      ...(context.children ? { children: context.children } : {}),
      ...(options.distributed ? { distributed: options.distributed } : {}),
      ...(options.k6Script ? { k6Script: options.k6Script.path } : {}),
      onTick: (tick) => {
        scheduleAt(tick.t);
        lastTick = tick;
        ticked.requests += tick.requests;
        ticked.errors += tick.errors;
        deps.observer.onTick(tick);
        reportServerCpu(collectors, deps.observer);
      },
      onPhase: (phase) => deps.observer.onPhase?.(phase),
      ...(context.stack?.prometheusUrl ? { prometheusRemoteWriteUrl: `${context.stack.prometheusUrl}/api/v1/write` } : {}),
    });
  } catch (error) {
    await failover?.finish();
    await stopCollectors(collectors, notes);
    await removeIfEmpty(dir);
    throw error;
  }
  await failover?.finish();
  const finalTick = tickAtPlanEnd(plan, output, lastTick, ticked);
  if (finalTick) deps.observer.onTick(finalTick);
  // Collectors count from runStart, the engine's intervals from its own start: one timeline.
  const server = shiftSeries(await stopCollectors(collectors, notes), (runStart.getTime() - output.startedAt.getTime()) / 1000);

  const secondsSinceStart = (at: Date) => Math.max(0, (at.getTime() - output.startedAt.getTime()) / 1000);
  const failoverFigures =
    plan.failover && context.stack && deps.instanceController
      ? analyzeFailover({
          instance: plan.failover.instance,
          intervals: output.intervals,
          events: (failover?.actions ?? []).map((action) => ({ atS: secondsSinceStart(action.at), action: action.action, ok: action.ok, detail: action.detail })),
          threshold: plan.slos.find((slo) => slo.metric === 'errorRate' && slo.endpoint === undefined)?.threshold ?? 0.01,
        })
      : undefined;
  for (const action of failover?.actions ?? []) if (!action.ok) notes.push(`failover ${action.action} failed: ${action.detail}`);

  const aborted = deps.signal.aborted;
  let result = assembleRunResult(output, {
    id,
    createdAt: deps.now(),
    scenario: { name: prepared.effective.name, description: prepared.effective.description, source: prepared.source, definition: prepared.effective },
    plan,
    target: { kind: context.targetKind, baseUrl: plan.baseUrl },
    machine: machineInfo(),
    server,
    ...(failoverFigures ? { failover: failoverFigures } : {}),
    ...(aborted ? { partialReason: `interrupted by ${signalName(deps.signal)}` } : {}),
    notes,
  });
  if (deps.calibrator && result.status === 'complete') {
    try {
      const calibration = await deps.calibrator({ result, stack: context.stack });
      if (calibration) result = { ...result, calibration };
    } catch (error) {
      result = { ...result, engine: { ...result.engine, notes: [...result.engine.notes, `calibration failed: ${error instanceof Error ? error.message : String(error)}`] } };
    }
  }
  const file = await writeResult(dir, result);
  deps.observer.onEnd(result);
  return { result, dir, file };
}

/**
 * Each engine's translation of the plan, before anything starts; what was adapted to fit an
 * engine is said before the load. A named engine that cannot run the plan refuses (exit 2); under
 * `all` it is skipped and said, as long as another engine can run it.
 */
export function translateForEngines<T extends { engine: Engine }>(choice: EngineChoice, engines: T[], plan: Plan, say: (line: string) => void): T[] {
  const runnable: T[] = [];
  const refusals: CapacityError[] = [];
  for (const entry of engines) {
    try {
      for (const adaptation of entry.engine.translate?.(plan).adaptations ?? []) say(`${entry.engine.name}: ${adaptation}`);
      runnable.push(entry);
    } catch (error) {
      if (choice !== 'all' || !(error instanceof CapacityError && error.exitCode === ExitCode.BadInput)) throw error;
      refusals.push(error);
      say(`engine ${entry.engine.name} skipped: it cannot run this plan (${error.message})`);
    }
  }
  if (runnable.length === 0 && refusals[0]) throw refusals[0];
  return runnable;
}

export async function executeRun(options: RunOptions, deps: RunDependencies): Promise<RunOutcome> {
  const prepared = await prepareRun(options, deps.cwd, deps.env);
  const { chosen, skipped } = await selectEngines(options.engine, deps);
  for (const entry of skipped) deps.observer.onMessage?.(`engine ${entry.name} skipped: not installed (${entry.hint})`);
  const translated = planFromScenario(prepared.effective, 'http://stack.invalid');
  const engines = translateForEngines(options.engine, chosen, translated, (line) => deps.observer.onMessage?.(line));
  if (deps.freeMemoryBytes) {
    checkGeneratorMemory(translated, engines.map((choice) => choice.engine.name), deps.freeMemoryBytes());
  }
  if (deps.signal.aborted) throw interrupted(signalName(deps.signal));

  const guard = await deps.guard?.(options.stateDir, (line) => deps.observer.onMessage?.(line));
  try {
    return await guardedRun(options, deps, { prepared, engines, skipped, guard });
  } finally {
    await guard?.release();
  }
}

/** The part of a run that starts things: the stack and the engines. */
async function guardedRun(
  options: RunOptions,
  deps: RunDependencies,
  { prepared, engines, skipped, guard }: { prepared: PreparedRun; engines: Array<{ engine: Engine; version?: string }>; skipped: SkippedEngine[]; guard: RunGuard | undefined },
): Promise<RunOutcome> {
  let stack: StackState | undefined;
  let startedStack = false;
  let baseUrl: string;
  if (prepared.target.kind === 'url') {
    baseUrl = prepared.target.url;
  } else {
    deps.observer.onMessage?.(`stack: using the ${prepared.target.kind} stack in ${options.stateDir}`);
    deps.observer.onPhase?.('starting the stack…');
    guard?.claimStackIfNone();
    const ensured = await deps.stack.ensureStack({
      stateDir: options.stateDir,
      projectRoot: deps.projectRoot,
      apps: options.apps ?? 3,
      driver: prepared.target.kind,
      signal: deps.signal,
      onProgress: (message) => deps.observer.onMessage?.(`stack: ${message}`),
      ...(deps.env.PATH ? { path: deps.env.PATH } : {}),
    });
    stack = ensured.state;
    startedStack = ensured.started;
    guard?.setStartedStack(startedStack);
    baseUrl = stack.baseUrl;
    deps.observer.onMessage?.(`stack: ${startedStack ? 'started' : 'already running'} at ${baseUrl}`);
  }

  const outcome: RunOutcome = { plan: planFromScenario(prepared.effective, baseUrl), results: [], ...(skipped.length > 0 ? { skippedEngines: skipped } : {}) };
  try {
    deps.observer.onPhase?.(`checking ${baseUrl} answers…`);
    deps.observer.onMessage?.(`preflight: ${await deps.preflight(baseUrl, deps.signal)}`);
    for (const [index, choice] of engines.entries()) {
      if (deps.signal.aborted) break;
      const done = await runOneEngine(options, deps, choice, {
        plan: outcome.plan,
        prepared,
        targetKind: prepared.target.kind === 'url' ? 'url' : prepared.target.kind,
        stack,
        index: index + 1,
        count: engines.length,
        ...(guard ? { children: guard.children } : {}),
      });
      if (done) outcome.results.push(done);
    }
  } finally {
    if (stack && startedStack) {
      if (options.keep && !deps.signal.aborted) {
        outcome.keptStack = stack;
        deps.observer.onMessage?.('stack: left running (--keep); stop it with `capacity down`');
      } else {
        deps.observer.onMessage?.('stack: stopping what this run started');
        await deps.stack.downStack(stack, { purge: false, onProgress: (message) => deps.observer.onMessage?.(`stack: ${message}`) });
      }
    }
  }
  if (deps.signal.aborted) outcome.interruptedBy = signalName(deps.signal);
  return outcome;
}

/** Where a result landed, relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
