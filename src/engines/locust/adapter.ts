import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { missingDependency } from '../../core/errors.js';
import type { Engine, EngineAvailability, EngineLookup, EngineRunInput, EngineRunOutput, EngineTick } from '../types.js';
import { judgeGenerator, setupFiguresOf } from '../normalize.js';
import { plannedRps, plannedRpsBetween } from '../mix.js';
import { startProcSampler } from '../proc-sampler.js';
import { childEnv } from '../child-env.js';
import { BACKSTOP_AFTER_GRACE_S, spawnEngineChild, superviseChild, type SupervisedChild } from '../child-process.js';
import { loginPool, pooledEnv, signInPhase } from '../tokens.js';
import { createRuntime, loadPlanRows, runtimeConfig, secretValues } from '../runtime.js';
import { createLatencyHistogram, mergeHistogram, summarizeHistogram, type LatencyHistogram } from '../histogram.js';
import { locustfileText } from './locustfile.js';
import { decodeLatencies, figuresFromLines, parseMasterLine, type MasterLine } from './records.js';
import { translateLocust, workerSplitSources } from './translate.js';

/** The project-local Python environment scripts/setup.sh creates (gitignored). */
export const LOCUST_VENV = '.venv-locust';
export const LOCUST_HINT = 'run `bash scripts/setup.sh` in the capacity folder (it installs Locust into .venv-locust/ from PyPI)';
export const LOCUSTFILE_NAME = 'locustfile.py';

/** The venv's locust and its version (from the installed package's metadata folder, no Python start-up). */
export function locateLocust(projectRoot: string): EngineAvailability {
  const venv = path.join(projectRoot, LOCUST_VENV);
  const binary = path.join(venv, 'bin', 'locust');
  if (!existsSync(binary)) return { available: false, hint: LOCUST_HINT };
  let version: string | undefined;
  try {
    for (const lib of readdirSync(path.join(venv, 'lib'))) {
      const site = path.join(venv, 'lib', lib, 'site-packages');
      const meta = existsSync(site) ? readdirSync(site).find((entry) => /^locust-\d[^/]*\.dist-info$/.test(entry)) : undefined;
      if (meta) version = /^locust-(.+)\.dist-info$/.exec(meta)?.[1];
    }
  } catch {
    version = undefined;
  }
  return { available: true, path: binary, version: version ?? 'unknown', hint: LOCUST_HINT };
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Live figures per interval, merged as the master's lines arrive (the result is computed again at the end). */
class LiveIntervals {
  private readonly byIndex = new Map<number, { requests: number; errors: number; histogram: LatencyHistogram }>();
  private emitted = 0;

  feed(line: MasterLine): void {
    if (line.type !== 'records') return;
    for (const record of line.records) {
      let bucket = this.byIndex.get(record.i);
      if (!bucket) this.byIndex.set(record.i, (bucket = { requests: 0, errors: 0, histogram: createLatencyHistogram() }));
      bucket.requests += record.n;
      bucket.errors += record.e;
      if (record.h) mergeHistogram(bucket.histogram, decodeLatencies(record.h));
    }
  }

  /** Ticks for the intervals that ended at least `settleS` ago (the workers report once a second). */
  ready(elapsedS: number, intervalS: number, settleS: number): Array<Omit<EngineTick, 'plannedRps'>> {
    const ticks: Array<Omit<EngineTick, 'plannedRps'>> = [];
    while ((this.emitted + 1) * intervalS + settleS <= elapsedS) {
      const bucket = this.byIndex.get(this.emitted);
      this.byIndex.delete(this.emitted);
      const summary = bucket ? summarizeHistogram(bucket.histogram) : undefined;
      ticks.push({
        t: (this.emitted + 1) * intervalS,
        achievedRps: (bucket?.requests ?? 0) / intervalS,
        requests: bucket?.requests ?? 0,
        errors: bucket?.errors ?? 0,
        ...(summary ? { latencyMs: { p50: summary.p50, p95: summary.p95, p99: summary.p99 } } : {}),
      });
      this.emitted += 1;
    }
    return ticks;
  }
}

export const locustEngine: Engine = {
  name: 'locust',
  detect: async ({ projectRoot }: EngineLookup) => locateLocust(projectRoot),
  translate: translateLocust,

  async run(input: EngineRunInput): Promise<EngineRunOutput> {
    const { plan, outDir, signal } = input;
    const translation = translateLocust(plan);
    const found = locateLocust(input.projectRoot);
    if (!found.available || !found.path) throw missingDependency('Locust was not found', found.hint);
    const locust = found.path;
    const workerCount = Math.max(1, input.distributed?.workers ?? 1);
    const remote = input.distributed?.masterBind;
    const startedAt = new Date();
    input.onPhase?.(signInPhase(plan));
    // The pool's sign-ins run here, with the runtime every engine shares; the users get what they captured.
    const rows = await loadPlanRows(plan);
    const runtime = createRuntime(runtimeConfig(plan, rows, secretValues(plan, input.env ?? {})));
    const pool = await loginPool(plan, signal, runtime);

    // The data rows travel in the file (remote workers need no copy); secrets never do: the
    // locustfile reads them from its environment (childEnv passes the caller's). Nor do the pool's
    // captures (tokens): only the master gets them, in its environment, and sends them to each
    // worker with its assignment (Locust's custom message), local or on another host.
    const pooled = pooledEnv(pool.captures);
    await writeFile(path.join(outDir, LOCUSTFILE_NAME), locustfileText({ ...translation.config, rows }));
    const bindHost = remote?.host ?? '127.0.0.1';
    const port = remote?.port ?? (await freePort(bindHost));
    input.onPhase?.(remote ? `waiting for ${workerCount} Locust worker(s) on ${bindHost}:${port}…` : `starting Locust (master and ${workerCount} worker${workerCount === 1 ? '' : 's'})…`);
    const env = childEnv(input.env, { PYTHONUNBUFFERED: '1' });
    const pathEnv = input.env?.['PATH'];
    // Locust's own stop timeout (for users it stops when the shape lowers their number).
    const grace = translation.config.endGraceS + 1;
    const masterArgs = [
      '-f', LOCUSTFILE_NAME, '--master', '--headless', '--only-summary', '--loglevel', 'WARNING',
      '--master-bind-host', bindHost, '--master-bind-port', String(port),
      '--expect-workers', String(workerCount), '--expect-workers-max-wait', '120',
      '--host', plan.baseUrl, '--stop-timeout', String(grace),
    ];
    const master = spawnEngineChild(locust, masterArgs, { cwd: outDir, env: { ...env, ...pooled }, stdio: ['ignore', 'pipe', 'pipe'], path: pathEnv });
    const supervisedMaster = superviseChild(master.child, signal, 200_000, input.children);
    const workers: Array<{ supervised: SupervisedChild; pid: number | undefined; log: () => string }> = [];
    if (!remote) {
      for (let index = 0; index < workerCount; index += 1) {
        const worker = spawnEngineChild(locust, ['-f', LOCUSTFILE_NAME, '--worker', '--master-host', '127.0.0.1', '--master-port', String(port), '--loglevel', 'WARNING'], {
          cwd: outDir,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          path: pathEnv,
        });
        const supervised = superviseChild(worker.child, signal, 100_000, input.children);
        workers.push({ supervised, pid: worker.child.pid, log: () => supervised.output() });
      }
    }
    const localPids = (): number[] => [master.child.pid, ...workers.map((worker) => worker.pid)].filter((pid): pid is number => pid !== undefined);
    const sampler = startProcSampler({ pids: localPids, includeDescendants: false, startedAtMs: startedAt.getTime() });

    const lines: MasterLine[] = [];
    const recordLines: string[] = [];
    const live = new LiveIntervals();
    const intervalS = plan.intervalS > 0 ? plan.intervalS : 1;
    let loadStartMs: number | undefined;
    // When the last worker sent its final report (what it still had in flight counted): the load's
    // end. Locust's own shutdown after it (the master stopping and quitting its workers) takes a
    // few seconds more and is not part of the run's window.
    let lastFinalReportMs: number | undefined;
    createInterface({ input: master.child.stdout!, crlfDelay: Infinity }).on('line', (text) => {
      const line = parseMasterLine(text);
      if (!line) return;
      recordLines.push(text.slice(text.indexOf('{')));
      lines.push(line);
      live.feed(line);
      if (line.type === 'records' && line.done) lastFinalReportMs = Date.now();
      if (line.type === 'start') {
        loadStartMs = line.epoch * 1000;
        supervisedMaster.stopAt(loadStartMs + (plan.totalDurationS + translation.config.endGraceS + BACKSTOP_AFTER_GRACE_S + 3) * 1000);
        input.onPhase?.('load running');
      }
    });
    const ticker = setInterval(() => {
      if (loadStartMs === undefined) return;
      for (const tick of live.ready((Date.now() - loadStartMs) / 1000, intervalS, 1.5)) {
        // Past the plan's end only the drain is left: the result has it, the live view does not.
        if (tick.t - intervalS >= plan.totalDurationS) continue;
        const planned = plannedRpsBetween(plan, tick.t - intervalS, tick.t);
        input.onTick?.({ ...tick, ...(planned === undefined ? {} : { plannedRps: planned }) });
      }
    }, 500);
    // The master waits for its workers (up to 120 s), then runs the plan and drains; past that it
    // is stopped. Moved to the plan's own end once the load starts.
    supervisedMaster.stopAt(Date.now() + (120 + plan.totalDurationS + grace + 10) * 1000);
    const exit = await new Promise<number | null>((resolve, reject) => {
      master.child.once('error', reject);
      master.child.once('close', (code) => resolve(code));
    });
    clearInterval(ticker);
    supervisedMaster.release();
    const endedAt = new Date(lastFinalReportMs ?? Date.now());
    // Local workers quit when the master tells them to; any left are stopped by PID.
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.pid === undefined) return;
        try {
          process.kill(worker.pid, 0);
        } catch {
          return;
        }
        process.kill(worker.pid, 'SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        try {
          process.kill(worker.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }),
    );
    for (const worker of workers) worker.supervised.release();
    const cpuSamples = await sampler.stop();
    const interrupted = supervisedMaster.interrupted;
    const rawFiles = [LOCUSTFILE_NAME, 'locust-records.jsonl', 'locust-master.log'];
    await writeFile(path.join(outDir, 'locust-records.jsonl'), recordLines.join('\n') + (recordLines.length > 0 ? '\n' : ''));
    await writeFile(path.join(outDir, 'locust-master.log'), supervisedMaster.output());
    for (const [index, worker] of workers.entries()) {
      const name = `locust-worker-${index + 1}.log`;
      await writeFile(path.join(outDir, name), worker.log());
      rawFiles.push(name);
    }
    const start = lines.find((line) => line.type === 'start');
    if (!start) {
      if (interrupted) throw new Error('Locust was interrupted before the load started');
      const tail = supervisedMaster.output().trim().split('\n').slice(-5).join(' | ');
      throw new Error(`Locust's master exited with ${String(exit)} before the load started (workers connected: ${lines.filter((line) => line.type === 'worker' && line.event === 'joined').length} of ${workerCount}): ${tail}`);
    }
    const finish = lines.find((line) => line.type === 'finish');
    const durationS = finish ? finish.epoch - start.epoch : (endedAt.getTime() - start.epoch * 1000) / 1000;
    const figures = figuresFromLines(plan, lines, durationS);

    const lost = figures.workers.filter((worker) => worker.lostAtS !== undefined);
    const inFlight = figures.totals.inFlightAtEnd ?? 0;
    const notes = [
      `percentiles from HDR histograms recorded on each of ${figures.workers.length} Locust worker(s) and merged exactly (Locust's own rounded statistics are not used)`,
      plan.model === 'open'
        ? `open model: a pool of ${translation.config.openUsers} users takes the plan's arrivals from a schedule (arrival n to worker n mod workers); an arrival more than 1 s late for a free user is dropped`
        : 'closed model: a LoadTestShape sets the users once a second; each sleeps the think time after its request',
      remote ? `master on ${bindHost}:${port}; workers on other hosts` : `master and ${workerCount} local worker(s) on this machine`,
      ...lost.map((worker) => `worker ${worker.id} (${worker.host}, pid ${worker.pid ?? '?'}) lost at ${worker.lostAtS} s: the run went on without it; requests it sent after its last report are not counted`),
    ];
    if (inFlight > 0) notes.push(`${inFlight} requests were still in flight at the plan's end plus ${translation.config.endGraceS} s of grace: counted in totals.inFlightAtEnd, not as requests or errors`);
    if (supervisedMaster.stoppedAtBackstop) notes.push("Locust's master was stopped for running past the plan's end; figures cover what the workers reported");
    for (const adaptation of translation.adaptations) notes.push(`adapted to Locust: ${adaptation}`);
    if (exit !== 0 && !interrupted) notes.push(`locust's master exited with ${String(exit)}; figures come from the workers' reports`);
    for (const [source, users] of Object.entries(figures.exhausted)) {
      notes.push(`the rows of ${source} (order: unique) ran out: ${users} virtual user(s) found none left and sent nothing after that`);
    }
    const counted = workerSplitSources(plan);
    if (counted.length > 0 && figures.workers.length > 1) {
      notes.push(`${counted.join(', ')}: the shared counter is split over the ${figures.workers.length} workers (worker k of N takes positions k, k + N, k + 2N, ...), so no row is used twice; the order holds within each worker`);
    }
    if (pool.requests.length > 0) notes.push(`${pool.requests.length} sign-in requests before the load (pool of ${pool.captures.length}): reported as setup, not in totals, intervals or endpoints`);
    const planned = plan.model === 'open' ? plannedRps(plan) : undefined;
    const samples = remote ? figures.cpuSamples : cpuSamples;
    const generator = judgeGenerator({
      samples,
      // One Python process uses at most one core: the master and each local worker.
      coreLimit: Math.min(os.cpus().length, remote ? workerCount : workerCount + 1),
      // ... and each of them one core at most: a worker at its core's ceiling limits its share of the users.
      processCeiling: { cores: 1, because: 'a Locust worker or master is one Python process' },
      model: plan.model,
      thinkTimeS: plan.thinkTimeS,
      ...(planned === undefined ? {} : { plannedRps: planned }),
      achievedRps: figures.totals.achievedRps,
      intervals: figures.intervals,
      ...(figures.totals.droppedIterations === undefined ? {} : { droppedIterations: figures.totals.droppedIterations }),
      ...(planned === undefined ? {} : { plannedIterations: planned * plan.totalDurationS }),
    });
    for (const worker of lost) generator.reasons.push(`worker ${worker.id} on ${worker.host} lost at ${worker.lostAtS} s`);
    return {
      engine: { name: 'locust', version: found.version ?? 'unknown', percentileSource: 'histogram', notes },
      startedAt: new Date(figures.startMs ?? startedAt.getTime()),
      endedAt,
      totals: figures.totals,
      intervals: figures.intervals,
      endpoints: figures.endpoints,
      generator: { ...generator, workers: figures.workers },
      rawFiles,
      interrupted,
      setup: setupFiguresOf(pool.requests),
    };
  },
};
