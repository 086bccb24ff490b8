import { setMaxListeners } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon, { type AutocannonClient, type AutocannonInstance, type AutocannonResult } from 'autocannon';
import type { Plan } from '../../scenarios/types.js';
import type { Engine, EngineAvailability, EngineRunInput, EngineRunOutput } from '../types.js';
import { plannedRps, httpErrorKind, isExpectedStatus, networkErrorKind } from '../mix.js';
import { createRuntime, loadPlanRows, runtimeConfig, secretValues, type Runtime } from '../runtime.js';
import { canPrebuild, connectionUser, responseHasNoBody, type BuiltAutocannonRequest } from './users.js';
import { RunAggregator, endpointShapesOf, judgeGenerator } from '../normalize.js';
import { startProcSampler } from '../proc-sampler.js';
import { loginPool, signInPhase } from '../tokens.js';
import { MAX_STAGGERED_INSTANCES, stepInstances, translateAutocannon, type AutocannonConfig, type AutocannonStep } from './steps.js';

const require = createRequire(import.meta.url);

async function autocannonVersion(): Promise<string> {
  const packageJson = path.join(path.dirname(require.resolve('autocannon')), 'package.json');
  const parsed = JSON.parse(await readFile(packageJson, 'utf8')) as { version?: string };
  return parsed.version ?? 'unknown';
}

/** How long a rated step may run past its planned end to collect answers. */
const STEP_GRACE_S = 2;

interface StepOutcome {
  step: AutocannonStep;
  results: AutocannonResult[];
  inFlightAtEnd: number;
}

export const autocannonEngine: Engine = {
  name: 'autocannon',
  translate: translateAutocannon,

  async detect(): Promise<EngineAvailability> {
    try {
      const version = await autocannonVersion();
      return { available: true, version, path: require.resolve('autocannon'), hint: 'autocannon is an npm dependency of capacity' };
    } catch {
      return { available: false, hint: 'run `npm install` in the capacity folder (autocannon is an npm dependency)' };
    }
  },

  async run(input: EngineRunInput): Promise<EngineRunOutput> {
    const { plan, outDir } = input;
    const translation = translateAutocannon(plan);
    const version = await autocannonVersion();
    const aggregator = new RunAggregator(plan, endpointShapesOf(plan));
    const startedAt = new Date();
    // One listener on the caller's signal for the whole run, removed when the run ends (also when
    // it throws): the steps, their staggered instances and the sleeps listen to this run's own
    // signal, so `--engine all` does not pile listeners on the run's signal engine after engine.
    const stopRun = new AbortController();
    const unlink = linkAbort(input.signal, stopRun);
    const signal = stopRun.signal;
    // By design one listener per staggered instance waiting for its slot, plus the step's and the run loop's.
    setMaxListeners(MAX_STAGGERED_INSTANCES + 2, signal);
    // autocannon runs inside this process: its event loop's delay is the lateness of its requests.
    const sampler = startProcSampler({ pids: () => [process.pid], includeDescendants: false, eventLoop: true, startedAtMs: startedAt.getTime() });

    let ticker: NodeJS.Timeout | undefined;
    const outcomes: StepOutcome[] = [];
    let interrupted = false;
    let pool: Awaited<ReturnType<typeof loginPool>>;
    let users: StepUsers;
    // A unique data source that runs out ends the run there (no user may start another iteration).
    let exhausted: { source: string; atS: number } | undefined;
    const rowsOut = new AbortController();
    let runStartMs: number | undefined;
    const elapsedSinceStart = (): number => (runStartMs === undefined ? 0 : (performance.now() - runStartMs) / 1000);
    let durationS: number;
    let runStartedAt: Date;
    let samples: Awaited<ReturnType<typeof sampler.stop>>;
    try {
      input.onPhase?.(signInPhase(plan));
      // Secrets reach the runtime from the run's environment only, never through a file.
      const runtime = createRuntime(runtimeConfig(plan, await loadPlanRows(plan), secretValues(plan, input.env ?? {})));
      users = {
        runtime,
        prebuilt: canPrebuild(plan),
        onExhausted: (source) => {
          if (exhausted) return;
          exhausted = { source, atS: elapsedSinceStart() };
          rowsOut.abort();
        },
        idle: [],
        created: 0,
      };
      pool = await loginPool(plan, signal, runtime);
      for (const request of pool.requests) aggregator.recordSetup(request);

      const runStart = performance.now();
      runStartMs = runStart;
      runStartedAt = new Date();
      const elapsedS = (): number => (performance.now() - runStart) / 1000;
      const { steps } = translation.config;
      let currentConnections = 0;
      let lastTicked = -1;
      const intervalS = plan.intervalS > 0 ? plan.intervalS : 1;
      ticker = setInterval(() => {
        const t = elapsedS();
        aggregator.recordActiveUsers(t, currentConnections);
        const complete = Math.floor(t / intervalS) - 1;
        while (lastTicked < complete) {
          lastTicked += 1;
          const tick = aggregator.tick(lastTicked);
          if (tick) input.onTick?.(tick);
        }
      }, 250);

      for (const step of steps) {
        if (exhausted) break;
        if (signal.aborted) {
          interrupted = true;
          break;
        }
        // Keep the plan's timeline: a step never starts before its planned second.
        const wait = step.startS - elapsedS();
        if (wait > 0) await sleep(wait * 1000, signal);
        if (signal.aborted) {
          interrupted = true;
          break;
        }
        currentConnections = step.connections;
        aggregator.recordActiveUsers(elapsedS(), step.connections);
        outcomes.push(await runStep(plan, translation.config, step, Object.assign(users, { pooled: pool.captures }), aggregator, elapsedS, signal, rowsOut.signal));
        currentConnections = 0;
      }
      if (signal.aborted) interrupted = true;
      durationS = elapsedS();
    } finally {
      clearInterval(ticker);
      unlink();
      // Stopped on every path: its interval must not outlive the run.
      samples = await sampler.stop();
    }
    const endedAt = new Date();
    const result = aggregator.finish(durationS);

    const rawName = 'autocannon-steps.json';
    await writeFile(path.join(outDir, rawName), JSON.stringify({ version, steps: outcomes }, null, 2));
    const inFlight = outcomes.reduce((sum, outcome) => sum + outcome.inFlightAtEnd, 0);
    const planned = plan.model === 'open' ? plannedRps(plan) : undefined;
    const notes = [
      'latency percentiles from HDR histograms filled from autocannon response events (per interval and per endpoint, merged for totals)',
      plan.model === 'open'
        ? 'open model: each stage runs at autocannon overallRate; ramps are approximated by 2 s steps at the mean rate of each step'
        : `closed model: connections = users; think time approximated by capping each connection at 1/${plan.thinkTimeS} s (response time not subtracted)`,
      'latency of requests that got no response (timeouts, connection errors) is not recorded',
    ];
    if (pool.requests.length > 0) notes.push(`${pool.requests.length} sign-in requests before the load (pool of ${pool.captures.length}): reported as setup, not in totals, intervals or endpoints`);
    if (exhausted) notes.push(`the rows of ${exhausted.source} (order: unique) ran out at ${exhausted.atS.toFixed(1)} s: no user started another iteration, and the run ended there`);
    if (!users.prebuilt) notes.push('virtual users: one per connection, each with its own variables, captures and sign-in; requests built one at a time');
    for (const adaptation of translation.adaptations) notes.push(`adapted to autocannon: ${adaptation}`);
    if (inFlight > 0) notes.push(`${inFlight} requests were still in flight when their step stopped (its planned end plus ${Math.min(plan.requestTimeoutS, STEP_GRACE_S)} s of grace): counted in totals.inFlightAtEnd, not as requests or errors`);
    return {
      engine: { name: 'autocannon', version, percentileSource: 'histogram', notes },
      startedAt: runStartedAt,
      endedAt,
      totals: { ...result.totals, inFlightAtEnd: inFlight },
      intervals: result.intervals,
      endpoints: result.endpoints,
      generator: judgeGenerator({
        samples,
        coreLimit: 1,
        model: plan.model,
        thinkTimeS: plan.thinkTimeS,
        ...(planned === undefined ? {} : { plannedRps: planned }),
        achievedRps: result.totals.achievedRps,
        intervals: result.intervals,
      }),
      rawFiles: [rawName],
      interrupted,
      setup: result.setup,
    };
  },
};

/** Aborts `controller` when `signal` does; returns the function that stops listening. */
function linkAbort(signal: AbortSignal, controller: AbortController): () => void {
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Distinct prebuilt requests per autocannon instance (shared by its connections). */
export const VARIANTS_PER_INSTANCE = 2048;

/** The raw HTTP/1.1 request autocannon writes on the socket. */
export function rawRequest(method: string, path: string, host: string, headers: Record<string, string>, body: string | undefined): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  const payload = body === undefined ? undefined : Buffer.from(body);
  if (payload || method !== 'GET') head += `Content-Length: ${payload?.length ?? 0}\r\n`;
  head += '\r\n';
  return payload ? Buffer.concat([Buffer.from(head), payload]) : Buffer.from(head);
}

/**
 * The mix as a rotation of prebuilt requests drawn by weight, variables filled by the runtime,
 * pool sign-ins' captures (tokens) assigned round robin. Building each request's bytes per request
 * costs throughput, so a plan without per-user state (canPrebuild) has its bytes built here once
 * per instance.
 */
export function requestVariants(plan: Plan, runtime: Runtime, pooled: ReadonlyArray<Record<string, unknown>>, count: number, random: () => number): BuiltAutocannonRequest[] {
  const base = new URL(plan.baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  let poolIndex = Math.floor(random() * Math.max(1, pooled.length));
  return Array.from({ length: count }, () => {
    const user = runtime.newUser();
    if (pooled.length > 0) Object.assign(user.captured, pooled[poolIndex % pooled.length]);
    poolIndex += 1;
    const built = runtime.build(user, runtime.next(user));
    const path = prefix + built.path;
    return { capacityName: built.name, method: built.method, path, headers: built.headers, ...(built.body === undefined ? {} : { body: built.body }), requestBuffer: rawRequest(built.method, path, base.host, built.headers, built.body) };
  });
}

/** What a step's connections run: the runtime, prebuilt or per-user requests, the pool's captures. */
interface StepUsers {
  runtime: Runtime;
  prebuilt: boolean;
  onExhausted: (source: string) => void;
  /** Virtual users between steps, and how many were made (for handing out the pool's captures). */
  idle: Array<ReturnType<typeof connectionUser>>;
  created: number;
}

/** The parts of autocannon's client internals the adapter touches (checked before use). */
interface ClientInternals {
  requestIterator?: {
    currentRequestIndex?: unknown;
    currentRequest?: unknown;
    requests?: unknown;
    nextRequest?: () => unknown;
    recordBody?: (request: unknown, status: number, body: string, rawHeaders: readonly string[] | undefined) => void;
  };
  /** http-parser-js's parser; its handler slots are numbered by constants on its class. */
  parser?: Record<number, unknown> & { constructor?: { kOnHeadersComplete?: unknown } };
}

/**
 * Tells autocannon's response parser to skip the body of a response that has none (HEAD, 204,
 * 304: responseHasNoBody): its parser learns that only from the headers-complete handler's return
 * value, which autocannon's handler leaves undefined, so the connection would wait for body bytes
 * that never come and send nothing until its timeout. autocannon sets that handler after
 * setupClient runs, hence an accessor that wraps whatever handler it is given.
 */
function skipBodylessResponses(client: AutocannonClient, methodOf: () => string | undefined): void {
  const parser = (client as ClientInternals).parser;
  const slot = parser?.constructor?.kOnHeadersComplete;
  if (!parser || typeof slot !== 'number') throw new Error('autocannon internals changed: no response parser to tell that HEAD, 204 and 304 responses have no body');
  let handler: unknown = parser[slot];
  const wrapped = (...args: unknown[]): unknown => {
    const result: unknown = typeof handler === 'function' ? (handler as (...inner: unknown[]) => unknown).apply(parser, args) : undefined;
    // One info object (the parser's default mode) or positional arguments with the status sixth.
    const info = args[0];
    const status = info !== null && typeof info === 'object' ? (info as { statusCode?: unknown }).statusCode : args[5];
    return responseHasNoBody(methodOf(), typeof status === 'number' ? status : undefined) ? true : result;
  };
  Object.defineProperty(parser, slot, {
    configurable: true,
    enumerable: true,
    get: () => wrapped,
    set: (value: unknown) => {
      handler = value;
    },
  });
}

async function runStep(
  plan: Plan,
  config: AutocannonConfig,
  step: AutocannonStep,
  users: StepUsers & { pooled: ReadonlyArray<Record<string, unknown>> },
  aggregator: RunAggregator,
  elapsedS: () => number,
  signal: AbortSignal,
  rowsOut: AbortSignal,
): Promise<StepOutcome> {
  const instances = stepInstances(config, step);
  if (instances.length === 0) {
    await sleep(step.durationS * 1000, signal);
    return { step, results: [], inFlightAtEnd: 0 };
  }
  const expectByName = new Map(plan.requests.map((request) => [request.name, request.expectStatus]));
  let sent = 0;
  let completed = 0;
  const base = new URL(plan.baseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  const raw = (method: string, path: string, headers: Record<string, string>, body: string | undefined): Buffer => rawRequest(method, path, base.host, headers, body);
  const variants = users.prebuilt
    ? requestVariants(plan, users.runtime, users.pooled, VARIANTS_PER_INSTANCE, Math.random)
    : // Never sent: what autocannon builds before setupClient hands the connection its user.
      [{ capacityName: 'unused', method: 'GET', path: prefix === '' ? '/' : prefix, headers: {}, requestBuffer: Buffer.alloc(0) }];
  // The response event fires before the client moves on to its next request, so the
  // iterator's current request is the one that just completed.
  const currentOf = (client: AutocannonClient): Partial<BuiltAutocannonRequest> | undefined =>
    (client as ClientInternals).requestIterator?.currentRequest as Partial<BuiltAutocannonRequest> | undefined;
  const nameOf = (client: AutocannonClient): string => currentOf(client)?.capacityName ?? 'unknown';
  // Virtual users outlive a step's connections: a connection takes an idle user (its sign-in,
  // captures and place in the flow kept) and gives it back when the step ends.
  const taken: Array<ReturnType<typeof connectionUser>> = [];
  const setupClient = (client: AutocannonClient): void => {
    skipBodylessResponses(client, () => currentOf(client)?.method);
    const iterator = (client as ClientInternals).requestIterator;
    if (!users.prebuilt) {
      if (!iterator || typeof iterator.recordBody !== 'function') throw new Error('autocannon internals changed: no request iterator to give a virtual user its requests and responses');
      // The response straight to the request's own handler: autocannon's recordBody would first
      // turn the headers into an object on every response, which only a header capture reads.
      iterator.recordBody = (request, status, body, rawHeaders) => (request as Partial<BuiltAutocannonRequest> | undefined)?.receive?.(status, body, rawHeaders);
      const user = users.idle.pop() ?? connectionUser(users.runtime, users.pooled.length > 0 ? users.pooled[users.created++ % users.pooled.length] : undefined, prefix, raw, users.onExhausted);
      taken.push(user);
      const first = user.next();
      if (first === undefined) {
        client.destroy();
      } else {
        iterator.currentRequest = first;
        iterator.nextRequest = () => {
          const next = user.next();
          // Rows ran out: this connection stops; the bytes of the last request are not sent again (its socket is closed).
          if (next === undefined) client.destroy();
          else iterator.currentRequest = next;
          return iterator.currentRequest;
        };
      }
    } else if (iterator && Array.isArray(iterator.requests) && typeof iterator.currentRequestIndex === 'number') {
      // Share the prebuilt rotation instead of the per-connection copy autocannon made (copying
      // and rebuilding thousands of requests per connection costs seconds); each connection
      // starts at its own place in it. Without the expected internals, the copy stays in use.
      const start = Math.floor(Math.random() * variants.length);
      iterator.requests = variants;
      iterator.currentRequestIndex = start;
      iterator.currentRequest = variants[start];
    }
    client.on('request', () => {
      sent += 1;
    });
    client.on('response', (status: number, _bytes: number, latencyMs: number) => {
      completed += 1;
      const current = currentOf(client);
      const name = current?.capacityName ?? 'unknown';
      const verdict = current?.verdict ? current.verdict(status) : isExpectedStatus(status, expectByName.get(name)) ? { ok: true } : { ok: false, errorKind: httpErrorKind(status) };
      aggregator.record({ t: elapsedS(), name, status, latencyMs, ok: verdict.ok, ...(verdict.errorKind ? { errorKind: verdict.errorKind } : {}) });
    });
    client.on('timeout', () => {
      completed += 1;
      aggregator.record({ t: elapsedS(), name: nameOf(client), status: 0, ok: false, errorKind: 'timeout' });
    });
    client.on('connError', (error: NodeJS.ErrnoException) => {
      completed += 1;
      aggregator.record({ t: elapsedS(), name: nameOf(client), status: 0, ok: false, errorKind: networkErrorKind(error.code ?? error.message) });
    });
  };

  const running: AutocannonInstance[] = [];
  const results: AutocannonResult[] = [];
  // The running instances stop when the run is aborted or when the step's cap fires. `signal` is
  // the adapter's own run signal (see run()), never the caller's: the staggered instances waiting
  // for their slot listen to it, one each, and are gone when the step ends.
  const stopStep = new AbortController();
  const unlink = linkAbort(signal, stopStep);
  const unlinkRows = linkAbort(rowsOut, stopStep);
  stopStep.signal.addEventListener('abort', () => running.forEach((instance) => instance.stop()), { once: true });
  // A rated step ends when its requests are answered, but never later than a short grace after its
  // planned end on the plan's timeline: against a target that cannot keep up, lateness must not pile
  // up step after step (a 5-minute plan would otherwise run for half an hour).
  const graceS = Math.min(plan.requestTimeoutS, STEP_GRACE_S);
  const capMs = Math.max(0, step.startS + step.durationS + graceS - elapsedS()) * 1000;
  const cap = setTimeout(() => stopStep.abort(), capMs);
  try {
    await Promise.all(
      instances.map(async ({ delayS, options: load }) => {
        if (delayS > 0) await sleep(delayS * 1000, signal);
        if (signal.aborted) return;
        const options = {
          ...load,
          url: plan.baseUrl,
          sampleInt: 100,
          skipAggregateResult: true,
          // What every connection copies; replaced by the shared rotation in setupClient.
          requests: variants.slice(0, 16).map(({ requestBuffer: _built, ...request }) => request),
          setupClient,
        };
        const result = await new Promise<AutocannonResult>((resolve, reject) => {
          const instance = autocannon(options, (error, value) => (error ? reject(error) : resolve(value)));
          running.push(instance);
        });
        results.push(summarizeResult(result));
      }),
    );
  } finally {
    clearTimeout(cap);
    unlink();
    unlinkRows();
    users.idle.push(...taken);
  }
  return { step, results, inFlightAtEnd: Math.max(0, sent - completed) };
}

/** autocannon's own per-step result without its encoded histograms (kept as raw output). */
function summarizeResult(result: AutocannonResult): AutocannonResult {
  const { latencies: _latencies, requests: _requests, throughput: _throughput, ...rest } = result;
  return rest;
}
