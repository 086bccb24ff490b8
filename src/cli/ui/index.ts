/**
 * createLiveObserver: the view `capacity run` plugs into its RunObserver slot. An ink view when
 * stdout is a TTY and CI is not set; a plain line per interval otherwise; nothing with quiet
 * (quiet still lets stack and preflight messages through to stderr, errors are never hidden).
 */
import type { ProcessContext } from '../../core/context.js';
import { isInteractive } from '../../core/context.js';
import type { RunObserver } from '../../run/observer.js';
import { addMessage, addPhase, addServerSample, addTick, endRun, initialState, plainLine, startRun, type LiveState, type ServerSample, type ServerSampleFeed } from './state.js';

export type { ServerSample, ServerSampleFeed } from './state.js';

export interface LiveObserverOptions {
  quiet?: boolean;
  /** Force a mode; default 'auto' (ink on a TTY outside CI, else plain lines). */
  mode?: 'auto' | 'live' | 'plain';
  /** Server CPU samples pushed while the run goes on; shown per tier. */
  serverSamples?: ServerSampleFeed;
}

export interface LiveObserver extends RunObserver {
  /** Push one server sample directly (alternative to a feed). */
  onServerSample(sample: ServerSample): void;
  /** Which view was chosen. */
  readonly mode: 'live' | 'plain' | 'quiet';
  /** Resolves once every queued redraw reached the terminal and a finished view is unmounted. */
  flush(): Promise<void>;
}

interface InkHandle {
  rerender(state: LiveState): void;
  finish(state: LiveState): Promise<void>;
}

type WritableTty = NodeJS.WriteStream;

function isNodeStream(stream: ProcessContext['stdout']): stream is ProcessContext['stdout'] & WritableTty {
  return typeof (stream as { on?: unknown }).on === 'function';
}

async function mountInk(ctx: ProcessContext, state: LiveState): Promise<InkHandle> {
  const [{ render }, { createElement }, { LiveView }] = await Promise.all([import('ink'), import('react'), import('./live-view.js')]);
  const stdout = ctx.stdout as WritableTty;
  const element = (current: LiveState) => createElement(LiveView, { state: current, columns: stdout.columns ?? 80 });
  const instance = render(element(state), { stdout, exitOnCtrlC: false, patchConsole: false });
  return {
    rerender: (current) => instance.rerender(element(current)),
    finish: async (current) => {
      instance.rerender(element(current));
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
    },
  };
}

export function createLiveObserver(ctx: ProcessContext, options: LiveObserverOptions = {}): LiveObserver {
  const mode: LiveObserver['mode'] = options.quiet
    ? 'quiet'
    : options.mode === 'live' || (options.mode !== 'plain' && isInteractive(ctx) && isNodeStream(ctx.stdout))
      ? 'live'
      : 'plain';
  let state = initialState();
  let ink: Promise<InkHandle> | undefined;
  // Updates arrive faster than ink mounts; chain them so none is lost and order holds.
  let pending: Promise<unknown> = Promise.resolve();
  const withInk = (action: (handle: InkHandle) => void | Promise<void>) => {
    if (!ink) return;
    const handle = ink;
    pending = pending.then(async () => action(await handle)).catch((error: unknown) => {
      ctx.stderr.write(`live view failed, continuing without it: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  };
  const writeLine = (line: string) => void ctx.stdout.write(`${line}\n`);
  let unsubscribe: (() => void) | undefined;
  // Text outside the intervals: into the view once it is up, else as a line (nothing when quiet).
  const say = (text: string, reduce: (current: LiveState, text: string) => LiveState): void => {
    if (mode === 'quiet') return;
    if (mode === 'live' && ink) {
      state = reduce(state, text);
      const snapshot = state;
      withInk((handle) => handle.rerender(snapshot));
    } else writeLine(text);
  };

  const observer: LiveObserver = {
    mode,
    async flush() {
      await pending;
    },
    onStart(plan, info) {
      state = startRun(state, plan, { engine: info.engine, ...(info.engineVersion ? { engineVersion: info.engineVersion } : {}), resultDir: info.resultDir, index: info.index, count: info.count });
      if (options.serverSamples && !unsubscribe) unsubscribe = options.serverSamples.subscribe((sample) => observer.onServerSample(sample));
      if (mode === 'plain') {
        writeLine(`capacity run: ${plan.scenario} with ${info.engine}${info.engineVersion ? ` ${info.engineVersion}` : ''}${info.count > 1 ? ` (${info.index}/${info.count})` : ''} against ${plan.baseUrl}, ${plan.totalDurationS}s → ${info.resultDir}`);
      } else if (mode === 'live') {
        const snapshot = state;
        ink = mountInk(ctx, snapshot);
        withInk((handle) => handle.rerender(snapshot));
      }
    },
    onTick(tick) {
      state = addTick(state, tick);
      if (mode === 'plain') writeLine(plainLine(state));
      else if (mode === 'live') {
        const snapshot = state;
        withInk((handle) => handle.rerender(snapshot));
      }
    },
    onServerSample(sample) {
      state = addServerSample(state, sample);
      if (mode === 'live') {
        const snapshot = state;
        withInk((handle) => handle.rerender(snapshot));
      }
    },
    onPhase(phase) {
      say(phase, addPhase);
    },
    onMessage(message) {
      say(message, addMessage);
    },
    onEnd(result) {
      state = endRun(state, result);
      if (mode === 'plain') {
        writeLine(`done: ${result.engine.name} ${result.status}, ${result.totals.requests} requests, p95 ${result.totals.latencyMs ? `${result.totals.latencyMs.p95.toFixed(1)} ms` : '–'}, verdict ${result.verdict}`);
      } else if (mode === 'live') {
        const snapshot = state;
        withInk((handle) => handle.finish(snapshot));
        ink = undefined;
      }
      if (unsubscribe && (!state.heading || state.heading.index >= state.heading.count)) {
        unsubscribe();
        unsubscribe = undefined;
      }
    },
  };
  return observer;
}
