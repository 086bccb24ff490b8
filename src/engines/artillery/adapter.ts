import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { missingDependency } from '../../core/errors.js';
import { findNodeModuleBin, nodePackageVersion } from '../../core/binaries.js';
import type { Engine, EngineAvailability, EngineLookup, EngineRunInput, EngineRunOutput, EngineTick } from '../types.js';
import { judgeGenerator, setupFiguresOf } from '../normalize.js';
import { plannedRps, plannedRpsBetween } from '../mix.js';
import { ArtilleryConsoleReader } from './console.js';
import { startProcSampler } from '../proc-sampler.js';
import { childEnv } from '../child-env.js';
import { translationRefused } from '../translation.js';
import { BACKSTOP_AFTER_GRACE_S, planEndGraceS, spawnEngineChild, superviseChild } from '../child-process.js';
import { loginPool, pooledEnv, signInPhase } from '../tokens.js';
import { artilleryScriptText, CLOSED_REQUESTS_PER_VU, PROCESSOR_FILE, translateArtillery } from './config.js';
import { EXHAUSTED_COUNTER_PREFIX, PROCESSOR_DATA_FILE, PROCESSOR_SOURCE, SAMPLES_FILE_PREFIX, type ProcessorData, type ProcessorTimeline } from './processor.js';
import { createRuntime, loadPlanRows, runtimeConfig, secretNames, secretValues } from '../runtime.js';
import { normalizeArtilleryReport, parseArtilleryReport, type ArtilleryReport } from './report.js';
import { normalizeArtillerySamples, parseSampleLines, type SampleRecord } from './samples.js';

/** Seconds Artillery may take to start before its first phase (the backstop counts them only until the phase line shows). */
const ARTILLERY_STARTUP_ALLOWANCE_S = 30;

const HINT = 'run `npm install` in the capacity folder (artillery is an npm dependency)';

async function locate({ projectRoot: root }: Pick<EngineLookup, 'projectRoot'>): Promise<EngineAvailability> {
  const binary = findNodeModuleBin(root, 'artillery');
  const version = nodePackageVersion(root, 'artillery');
  if (!binary || !version) return { available: false, hint: HINT };
  return { available: true, path: binary, version, hint: HINT };
}

/** What every worker thread's processor recorded of each request (see samples.ts). */
async function sampleFileNames(outDir: string): Promise<string[]> {
  return (await readdir(outDir)).filter((name) => name.startsWith(SAMPLES_FILE_PREFIX)).sort();
}

export async function readSamples(outDir: string): Promise<{ files: string[]; records: SampleRecord[]; unreadable: number }> {
  const files = await sampleFileNames(outDir);
  const records: SampleRecord[] = [];
  let unreadable = 0;
  for (const file of files) {
    const parsed = parseSampleLines(await readFile(path.join(outDir, file), 'utf8'));
    // One by one: a file holds a record per request, more than push(...) can take as arguments.
    for (const record of parsed.records) records.push(record);
    unreadable += parsed.unreadable;
  }
  return { files, records, unreadable };
}

function isWholeJson(text: string): boolean {
  if (!text.trim().endsWith('}')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const artilleryEngine: Engine = {
  name: 'artillery',
  detect: locate,
  translate: translateArtillery,

  async run(input: EngineRunInput): Promise<EngineRunOutput> {
    const { plan, outDir, signal } = input;
    const translation = translateArtillery(plan);
    const found = await locate(input);
    if (!found.available || !found.path) throw missingDependency('Artillery was not found', found.hint);
    const startedAt = new Date();
    // The sign-in pool runs here with the same runtime the processor runs; secrets come from the
    // run's environment, and reach Artillery through its process environment only.
    // Artillery runs cores - 1 worker threads, each with its own processor: shared counters
    // (sequential and unique orders) hold across users only with one worker.
    const workers = Math.max(1, cpus().length - 1);
    const counted = (plan.variables ?? []).filter((variable) => (variable.kind === 'data' && variable.order !== 'random') || (variable.kind === 'range' && variable.order === 'sequential'));
    if (workers > 1 && counted.length > 0) {
      throw translationRefused('artillery', `sequential and unique orders (${counted.map((variable) => variable.name).join(', ')}) across its ${workers} worker threads, each of which would count on its own`, 'use order: random, or --engine autocannon or k6');
    }
    const secrets = secretValues(plan, input.env ?? {});
    const rows = await loadPlanRows(plan);
    input.onPhase?.(signInPhase(plan));
    const pool = await loginPool(plan, signal, createRuntime(runtimeConfig(plan, rows, secrets)));
    input.onPhase?.('starting Artillery…');

    const scriptName = 'artillery-script.yaml';
    const processorName = PROCESSOR_FILE;
    const reportName = 'artillery-report.json';
    const logName = 'artillery-output.log';
    await writeFile(path.join(outDir, scriptName), artilleryScriptText(translation.config));
    await writeFile(path.join(outDir, processorName), PROCESSOR_SOURCE);
    const graceS = planEndGraceS(plan.requestTimeoutS);
    const timeline: ProcessorTimeline = { planEndMs: Math.round(plan.totalDurationS * 1000), graceMs: Math.round(graceS * 1000) };
    const { env: _secrets, ...runtime } = runtimeConfig(plan, rows, {});
    // The pool's captures (tokens) go to Artillery's environment, never into this file.
    const processorData: ProcessorData = { runtime, secretNames: secretNames(plan), timeline, recordSamples: true };
    await writeFile(path.join(outDir, PROCESSOR_DATA_FILE), JSON.stringify(processorData));

    const { child } = spawnEngineChild(found.path, ['run', '--output', reportName, scriptName], {
      cwd: outDir,
      // No phoning home from a load test.
      env: childEnv(input.env, { ARTILLERY_DISABLE_TELEMETRY: 'true', ...pooledEnv(pool.captures) }),
      stdio: ['ignore', 'pipe', 'pipe'],
      path: input.env?.['PATH'],
    });
    const sampler = startProcSampler({ pids: () => (child.pid ? [child.pid] : []), includeDescendants: true, startedAtMs: startedAt.getTime() });
    const supervised = superviseChild(child, signal, 500_000, input.children);
    // The processor ends the load on the plan's timeline; should Artillery still run well past it
    // (a generator that cannot keep up runs its phases late), it is stopped: killed, since on
    // SIGINT it writes no report and waits for its telemetry; the figures then come from what the
    // processor recorded. Armed from the first phase's start, and from the spawn (with time to
    // start up) in case that line never comes.
    const backstopS = plan.totalDurationS + graceS + BACKSTOP_AFTER_GRACE_S;
    supervised.stopAt(Date.now() + (backstopS + ARTILLERY_STARTUP_ALLOWANCE_S) * 1000, { immediateKill: true });
    let phasesStarted = false;
    let endedAfterReport = false;
    const endOnceReported = async (): Promise<void> => {
      while (child.exitCode === null && child.signalCode === null) {
        const text = await readFile(path.join(outDir, reportName), 'utf8').catch(() => '');
        if (isWholeJson(text)) {
          endedAfterReport = true;
          child.kill('SIGKILL');
          return;
        }
        await delay(100);
      }
    };
    // Live progress from the console's per-period blocks; the result comes from the report (or,
    // when Artillery is stopped before writing it, from the processor's record of every request).
    const reader = new ArtilleryConsoleReader();
    const spawnedAt = Date.now();
    const emit = (tick: EngineTick | undefined): void => {
      if (!tick) return;
      const planned = plannedRpsBetween(plan, Math.max(0, tick.t - 10), tick.t);
      input.onTick?.({ ...tick, ...(planned === undefined ? {} : { plannedRps: planned }) });
    };
    createInterface({ input: child.stdout as Readable, crlfDelay: Infinity }).on('line', (line) => {
      if (!phasesStarted && line.startsWith('Phase started')) {
        phasesStarted = true;
        supervised.stopAt(Date.now() + backstopS * 1000, { immediateKill: true });
      }
      // Printed just before Artillery writes its report; then its shutdown waits for telemetry
      // (sent even when disabled, ~10 s without DNS here): once the report is whole, it is ended.
      if (line.startsWith('Log file:')) void endOnceReported();
      emit(reader.feed(line, (Date.now() - spawnedAt) / 1000));
    });
    const exit = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    supervised.release();
    const log = supervised.output();
    const interrupted = supervised.interrupted || supervised.stoppedAtBackstop;
    const endedAt = new Date();
    const cpuSamples = await sampler.stop();
    await writeFile(path.join(outDir, logName), log);

    const reportText = await readFile(path.join(outDir, reportName), 'utf8').catch(() => undefined);
    // The record is read only when there is no report to take the figures from (it can be large).
    const samples = reportText === undefined ? await readSamples(outDir) : { files: await sampleFileNames(outDir), records: [], unreadable: 0 };
    let report: ArtilleryReport | undefined;
    let normalized: Pick<ReturnType<typeof normalizeArtilleryReport>, 'intervals' | 'totals' | 'endpoints' | 'runStartMs' | 'timeline'>;
    let loadEndedAt = endedAt;
    if (reportText !== undefined) {
      report = parseArtilleryReport(reportText);
      normalized = normalizeArtilleryReport(report, plan);
      // The report has it all: the record (~100 bytes a request) is not kept.
      for (const file of samples.files) await rm(path.join(outDir, file), { force: true });
    } else if (interrupted && samples.records.some((record) => record[0] === 's' || record[0] === 'p')) {
      // Stopped before its report (it writes one only at its normal end): what the processor recorded.
      const fromSamples = normalizeArtillerySamples(samples.records, plan, { stoppedAtMs: endedAt.getTime(), graceS }, samples.unreadable);
      normalized = fromSamples;
      loadEndedAt = new Date(fromSamples.runEndMs);
    } else {
      if (supervised.stoppedAtBackstop) throw new Error(`Artillery was still running ${backstopS - plan.totalDurationS} s after the plan's end and was stopped before it wrote its report or sent a request`);
      if (interrupted) throw new Error('Artillery was interrupted before it wrote its report or sent a request');
      const tail = log.trim().split('\n').slice(-5).join(' | ');
      throw new Error(`Artillery exited with ${String(exit)} without a report: ${tail}`);
    }
    emit(reader.finish((Date.now() - spawnedAt) / 1000));
    // Without console blocks (a changed output format), ticks come from the report's periods.
    for (const interval of reader.blocks > 0 ? [] : normalized.intervals) {
      input.onTick?.({
        t: interval.t + interval.durationS,
        ...(interval.plannedRps === undefined ? {} : { plannedRps: interval.plannedRps }),
        achievedRps: interval.achievedRps,
        requests: interval.requests,
        errors: interval.errors,
        ...(interval.latencyMs ? { latencyMs: { p50: interval.latencyMs.p50, p95: interval.latencyMs.p95, p99: interval.latencyMs.p99 } } : {}),
        ...(interval.activeUsers === undefined ? {} : { activeUsers: interval.activeUsers }),
      });
    }
    const figuresNotes = report
      ? [
          "percentiles per period: Artillery reports only percentile summaries per 10 s period (kept as is); the totals' percentiles are Artillery's own aggregate",
          'intervals are Artillery\'s 10 s reporting periods, aligned to the clock (the first and last are shorter)',
        ]
      : [
          `Artillery was ${supervised.stoppedAtBackstop ? `still running ${backstopS - plan.totalDurationS} s after the plan's end and was stopped` : 'interrupted'} before it wrote its report (it writes one only at its normal end): the figures come from the processor's own record of every request (${samples.files.length} file(s)), percentiles from HDR histograms, intervals of ${plan.intervalS} s from the plan's start`,
          ...(samples.unreadable > 0 ? [`${samples.unreadable} record line(s) cut by the stop were left out`] : []),
        ];
    const notes = [
      ...figuresNotes,
      plan.model === 'open'
        ? 'open model: one virtual user per arrival, each sending one request (arrivalRate / rampTo per stage)'
        : `closed model approximated: virtual users arrive at users / (${CLOSED_REQUESTS_PER_VU} x think time) per second and each loops ${CLOSED_REQUESTS_PER_VU} times (request, think)`,
      'latency of requests that got no response is not in the percentiles',
      'Artillery runs in one Node process: on this kind of machine it tops out near 3-4k req/s (see the saturation verdict)',
    ];
    for (const adaptation of translation.adaptations.filter((line) => line.startsWith('flow:'))) notes.push(`adapted to Artillery: ${adaptation}`);
    for (const [key, value] of Object.entries(report?.aggregate.counters ?? {})) {
      if (key.startsWith(EXHAUSTED_COUNTER_PREFIX)) {
        notes.push(`the rows of ${key.slice(EXHAUSTED_COUNTER_PREFIX.length)} (order: unique) ran out: ${value} virtual user(s) found none left and sent nothing after that`);
      }
    }
    for (const adaptation of translation.adaptations) notes.push(`adapted to Artillery: ${adaptation}`);
    const { inFlightAtEnd, notSentAfterEnd } = normalized.timeline;
    if (inFlightAtEnd > 0) notes.push(`${inFlightAtEnd} requests were still in flight ${graceS} s after the plan's end (or when Artillery was stopped) and were cut: counted in totals.inFlightAtEnd, not as requests or errors`);
    if (notSentAfterEnd > 0) notes.push(`${notSentAfterEnd} requests of virtual users still at work were not sent because the plan had ended`);
    if (endedAfterReport) notes.push("Artillery was ended once its report was written (its own shutdown waits for telemetry it sends even when disabled)");
    else if (exit !== 0 && report) notes.push(`artillery exited with ${String(exit)} (an ensure check failed or it was stopped); figures come from its report`);
    if (pool.requests.length > 0) notes.push(`${pool.requests.length} sign-in requests before the load (pool of ${pool.captures.length}): reported as setup, not in totals, intervals or endpoints`);
    const planned = plan.model === 'open' ? plannedRps(plan) : undefined;
    const runStart = new Date(normalized.runStartMs || startedAt.getTime());
    return {
      engine: { name: 'artillery', version: found.version ?? 'unknown', percentileSource: report ? 'per-period' : 'histogram', notes },
      startedAt: runStart,
      endedAt: loadEndedAt,
      totals: normalized.totals,
      intervals: normalized.intervals,
      endpoints: normalized.endpoints,
      generator: judgeGenerator({
        samples: cpuSamples,
        coreLimit: 1,
        model: plan.model,
        thinkTimeS: plan.thinkTimeS,
        ...(planned === undefined ? {} : { plannedRps: planned }),
        achievedRps: normalized.totals.achievedRps,
        intervals: normalized.intervals,
      }),
      rawFiles: [scriptName, processorName, PROCESSOR_DATA_FILE, ...(report ? [reportName] : []), logName, ...(report ? [] : samples.files)],
      // Stopped at the backstop, the plan's time had run out: nothing of it is missing (what
      // Artillery had not started is dropped, what was unanswered is in flight), so not partial.
      interrupted: supervised.interrupted,
      setup: setupFiguresOf(pool.requests),
    };
  },
};
