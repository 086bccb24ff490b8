import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { badInput, missingDependency } from '../../core/errors.js';
import type { ScenarioInput } from '../../scenarios/schema.js';
import { k6ScriptScenario } from './user-script.js';
import { findBinary } from '../../core/binaries.js';
import type { Engine, EngineAvailability, EngineLookup, EngineRunInput, EngineRunOutput } from '../types.js';
import { RunAggregator, endpointShapesOf, judgeGenerator } from '../normalize.js';
import { plannedRps } from '../mix.js';
import { startProcSampler } from '../proc-sampler.js';
import { childEnv } from '../child-env.js';
import { BACKSTOP_AFTER_GRACE_S, planEndGraceS, spawnEngineChild, superviseChild } from '../child-process.js';
import { K6CsvParser } from './csv-stream.js';
import { k6SummaryFigures } from './summary.js';
import { k6PlanFile, k6RowsExhausted, k6ScriptText, translateK6 } from './translate.js';
import { loadPlanRows } from '../runtime.js';
import { signInFailed, signInPhase } from '../tokens.js';

const execFileAsync = promisify(execFile);
// k6 is AGPL-3.0: capacity never fetches or builds it; the user installs it.
const K6_HINT =
  "install k6 from Grafana's packages (https://grafana.com/docs/k6/latest/set-up/install-k6/; k6 is AGPL-3.0 and not bundled), or use --engine autocannon";


/** "k6 v1.8.1 (go1.26.8, linux/amd64)" -> "1.8.1" */
export function parseK6Version(text: string): string | undefined {
  return /k6 v?(\d+\.\d+\.\d+[^\s]*)/.exec(text)?.[1];
}

async function locate({ env }: Pick<EngineLookup, 'env'>): Promise<EngineAvailability> {
  const binary = findBinary('k6', { path: env['PATH'] });
  if (!binary) return { available: false, hint: K6_HINT };
  try {
    const { stdout } = await execFileAsync(binary, ['version'], { timeout: 10_000 });
    return { available: true, path: binary, version: parseK6Version(stdout) ?? stdout.trim(), hint: K6_HINT };
  } catch {
    return { available: false, path: binary, hint: `${binary} does not run: ${K6_HINT}` };
  }
}

/** The failed sign-in setup() reported (see k6ScriptText in translate.ts), read from k6's log. */
export function signInFailureInLog(log: string): { status: number; url: string; sample: string } | undefined {
  const match = /CAPACITY_SIGNIN_FAILED status=(\d+) url=([^\s"\\]+) sample=([^\s"\\]*)/.exec(log);
  if (!match) return undefined;
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return { status: Number(match[1]), url: decode(match[2] as string), sample: decode(match[3] as string) };
}

/** Exit codes of k6 that still mean "the test ran to its end". 99: thresholds crossed (our SLO
 * evaluation is done separately from the same figures). */
const K6_COMPLETED = new Set([0, 99]);
/** Seconds k6 may take for its start-up and setup() before the plan's clock (the backstop adds them). */
const K6_STARTUP_ALLOWANCE_S = 30;

/**
 * `run --k6-script`: k6 must be here (exit 3 with the install hint), and the script readable by
 * k6 (exit 2 with k6's words); the plan that stands for it is read from `k6 inspect`.
 */
export async function planForUserScript(file: string, targetUrl: string, env: Record<string, string | undefined>): Promise<{ path: string; scenario: ScenarioInput; notes: string[] }> {
  const found = await locate({ env });
  if (!found.available || !found.path) throw missingDependency('k6 was not found: --k6-script runs your script with k6', found.hint);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw badInput(`--k6-script ${file}: no such file`);
  let inspected: unknown;
  try {
    const { stdout } = await execFileAsync(found.path, ['inspect', '--execution-requirements', file], { timeout: 60_000, env: childEnv(env, { K6_NO_USAGE_REPORT: 'true' }), maxBuffer: 16 * 1024 * 1024 });
    inspected = JSON.parse(stdout) as unknown;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? (error instanceof Error ? error.message : String(error));
    throw badInput(`k6 cannot read the script ${file}`, stderr.trim().split('\n').slice(-5), 'run `k6 inspect <script>` to see what k6 says');
  }
  const { scenario, notes } = k6ScriptScenario(inspected, { scriptName: path.basename(file), targetUrl });
  return { path: path.resolve(file), scenario, notes };
}

/** k6's gracefulStop when a script sets none. */
const K6_DEFAULT_GRACEFUL_STOP_S = 30;

/** How a user's own script was run, for the result's notes. Its text is not copied into the result
 * folder: it is the user's file, and may hold what they would not want stored. */
function userScriptNotes(script: string, graceS: number): string[] {
  return [
    `the user's k6 script ${script}, run as it is (--k6-script): its own options, requests, checks and thresholds`,
    "latency percentiles from HDR histograms filled from k6's CSV sample stream (read through a FIFO); endpoints are k6's name tags (the URL unless the script names its requests)",
    `requests made in the script's setup() are reported as setup, apart from the load; iterations still running ${graceS} s after the plan's end are cut by the backstop`,
  ];
}

export const k6Engine: Engine = {
  name: 'k6',
  detect: locate,
  translate: translateK6,

  async run(input: EngineRunInput): Promise<EngineRunOutput> {
    const { plan, outDir, signal } = input;
    const found = await locate({ env: input.env ?? {} });
    if (!found.available || !found.path) throw missingDependency('k6 was not found', found.hint);
    const binary = found.path;
    const translation = translateK6(plan);
    const planFile = path.join(outDir, 'k6-plan.json');
    const summaryFile = path.join(outDir, 'k6-summary.json');
    const scriptCopy = path.join(outDir, 'k6-script.js');
    const fifo = path.join(outDir, 'k6-samples.fifo');
    const stderrFile = 'k6-output.log';
    // k6 waits 30 s for iterations still running at the plan's end unless told otherwise: the
    // plan's grace instead, then it interrupts them.
    // A user's own script (--k6-script) runs as it is, with k6's own 30 s gracefulStop unless it sets one.
    const userScript = input.k6Script;
    const graceS = userScript ? Math.max(K6_DEFAULT_GRACEFUL_STOP_S, planEndGraceS(plan.requestTimeoutS)) : planEndGraceS(plan.requestTimeoutS);
    if (!userScript) {
      const k6Config = { ...translation.config, scenario: { ...translation.config.scenario, gracefulStop: `${graceS}s` } };
      // The runtime's data (rows of data files included); secrets are named, their values reach
      // k6 through its process environment only.
      await writeFile(planFile, JSON.stringify(k6PlanFile(plan, k6Config, await loadPlanRows(plan))));
      await writeFile(scriptCopy, k6ScriptText());
    }
    await rm(fifo, { force: true });
    await execFileAsync('mkfifo', [fifo]);

    const args = ['run', '--no-usage-report', '--no-color', '--quiet', '--out', `csv=${fifo}`];
    const env = childEnv(input.env, {
      ...(userScript ? {} : { CAPACITY_PLAN_FILE: planFile, CAPACITY_SUMMARY_FILE: summaryFile }),
      K6_CSV_TIME_FORMAT: 'unix_micro',
      K6_NO_USAGE_REPORT: 'true',
    });
    if (input.prometheusRemoteWriteUrl) {
      args.push('--out', 'experimental-prometheus-rw');
      env['K6_PROMETHEUS_RW_SERVER_URL'] = input.prometheusRemoteWriteUrl;
      env['K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM'] = 'true';
      env['K6_PROMETHEUS_RW_PUSH_INTERVAL'] = `${Math.max(1, plan.intervalS)}s`;
    }
    args.push(userScript ?? scriptCopy);

    // A user's script names its own requests (k6's name tag: the URL unless the script sets one).
    const aggregator = new RunAggregator(plan, userScript ? [] : endpointShapesOf(plan));
    const parser = new K6CsvParser();
    // k6's setup() signs the pool in before its first interval.
    input.onPhase?.(userScript ? `starting k6 with ${path.basename(userScript)}` : `starting k6, ${signInPhase(plan)}`);
    const startedAt = new Date();
    // Reading end first: opening a FIFO blocks until the other side opens it too.
    const samples = createReadStream(fifo, { encoding: 'utf8', highWaterMark: 1 << 20 });
    const { child } = spawnEngineChild(binary, args, { cwd: outDir, env, stdio: ['ignore', 'pipe', 'pipe'], path: input.env?.['PATH'] });
    const sampler = startProcSampler({ pids: () => (child.pid ? [child.pid] : []), includeDescendants: false, startedAtMs: startedAt.getTime() });
    const supervised = superviseChild(child, signal, 200_000, input.children);
    // Backstop: k6 ends on the plan's timeline by itself (gracefulStop); the allowance covers its
    // start-up and setup() signing the pool in.
    supervised.stopAt(Date.now() + (plan.totalDurationS + graceS + BACKSTOP_AFTER_GRACE_S + K6_STARTUP_ALLOWANCE_S) * 1000);

    const intervalS = plan.intervalS > 0 ? plan.intervalS : 1;
    let lastTicked = -1;
    let latestT = 0;
    const reading = (async () => {
      const lines = createInterface({ input: samples, crlfDelay: Infinity });
      for await (const line of lines) {
        const event = parser.parseLine(line);
        if (!event) continue;
        if (event.kind === 'setup') aggregator.recordSetup(event.sample);
        else if (event.kind === 'request') {
          aggregator.record(event.sample);
          latestT = Math.max(latestT, event.sample.t);
        } else if (event.kind === 'check') aggregator.recordCheckFailure(event.t, event.name);
        else if (event.kind === 'dropped') aggregator.recordDropped(event.count);
        else aggregator.recordActiveUsers(event.t, event.users);
        // An interval is complete once samples are a second past its end.
        const complete = Math.floor((latestT - 1) / intervalS) - 1;
        while (lastTicked < complete) {
          lastTicked += 1;
          const tick = aggregator.tick(lastTicked);
          if (tick) input.onTick?.(tick);
        }
      }
    })();

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, exitSignal) => resolve({ code, signal: exitSignal }));
    });
    supervised.release();
    const log = supervised.output();
    const interrupted = supervised.interrupted || supervised.stoppedAtBackstop;
    // k6 may have died before opening the FIFO: open it for writing so the reader wakes up.
    try {
      const handle = await open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
      await handle.close();
    } catch {
      // ENXIO: no reader left, it already finished
    }
    await reading;
    const endedAt = new Date();
    const cpuSamples = await sampler.stop();
    await rm(fifo, { force: true });
    await writeFile(path.join(outDir, stderrFile), log);

    const signIn = userScript ? undefined : signInFailureInLog(log);
    if (signIn) throw signInFailed(signIn.url, signIn.status, signIn.sample);
    const completed = exit.code !== null && K6_COMPLETED.has(exit.code);
    if (!completed && !interrupted) {
      const tail = log.trim().split('\n').slice(-5);
      throw new Error(`k6 exited with ${exit.code ?? exit.signal ?? 'unknown'}: ${tail.join(' | ')}`);
    }
    const summaryText = await readFile(summaryFile, 'utf8').catch(() => undefined);
    const summary = summaryText === undefined ? undefined : k6SummaryFigures(JSON.parse(summaryText) as unknown);
    const durationS = summary?.durationS ?? (endedAt.getTime() - startedAt.getTime()) / 1000;
    if (summary?.droppedIterations !== undefined && summary.droppedIterations > aggregator.droppedIterations) {
      aggregator.recordDropped(summary.droppedIterations - aggregator.droppedIterations);
    }
    const result = aggregator.finish(durationS);
    const notes = userScript ? userScriptNotes(userScript, graceS) : [
      'latency percentiles from HDR histograms filled from k6\'s CSV sample stream (read through a FIFO, aggregated per interval in memory; no per-sample file)',
      plan.model === 'open' ? 'open model: ramping-arrival-rate' : 'closed model: ramping-vus with sleep(thinkTime) after each request',
      'sign-in: setup() logs in a pool of up to 50 seeded users; each virtual user uses the token of its slot (the logins are reported as setup, not in totals, intervals or endpoints)',
    ];
    for (const adaptation of translation.adaptations) notes.push(`adapted to k6: ${adaptation}`);
    if (supervised.stoppedAtBackstop) notes.push(`k6 was still running ${graceS + BACKSTOP_AFTER_GRACE_S + K6_STARTUP_ALLOWANCE_S} s after the plan's end (start-up allowance included) and was interrupted`);
    notes.push(`iterations still running ${graceS} s after the plan's end were interrupted by k6 (gracefulStop); k6 does not count them, so totals.inFlightAtEnd is absent`);
    if (exit.code === 99) notes.push('k6 reported crossed thresholds (exit 99); SLO verdicts are computed by capacity from the same figures');
    const rowsOut = k6RowsExhausted(summaryText);
    if (rowsOut > 0) notes.push(`the rows of a unique data source ran out: ${rowsOut} iteration(s) found none left and sent nothing`);
    if (summary && summary.requests !== result.totals.requests + result.setup.requests) {
      notes.push(`k6's own summary counted ${summary.requests} requests, the sample stream ${result.totals.requests + result.setup.requests} (setup included)`);
    }
    if (input.prometheusRemoteWriteUrl) notes.push(`series also written to Prometheus remote write (${input.prometheusRemoteWriteUrl}) as native histograms`);
    const planned = plan.model === 'open' ? plannedRps(plan) : undefined;
    const rawFiles = [...(userScript ? [] : ['k6-plan.json', 'k6-script.js']), stderrFile, ...(summaryText === undefined ? [] : ['k6-summary.json'])];
    return {
      engine: { name: 'k6', version: found.version ?? 'unknown', percentileSource: 'histogram', notes },
      startedAt,
      endedAt,
      totals: result.totals,
      intervals: result.intervals,
      endpoints: result.endpoints,
      generator: judgeGenerator({
        samples: cpuSamples,
        coreLimit: os.cpus().length,
        model: plan.model,
        thinkTimeS: plan.thinkTimeS,
        ...(planned === undefined ? {} : { plannedRps: planned, plannedIterations: planned * plan.totalDurationS }),
        achievedRps: result.totals.achievedRps,
        intervals: result.intervals,
        droppedIterations: aggregator.droppedIterations,
      }),
      rawFiles,
      interrupted,
      setup: result.setup,
    };
  },
};
