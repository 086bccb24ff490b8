/**
 * The failover scenario's schedule: stop one app instance at a planned second of the load and
 * start it again later, through the stack driver's instance controller.
 */
import type { InstanceController } from '../stack/types.js';

export type { InstanceController } from '../stack/types.js';

export interface FailoverAction {
  /** Wall-clock time of the action; the run turns it into seconds since its start. */
  at: Date;
  action: 'stop' | 'start';
  ok: boolean;
  detail: string;
}

/**
 * Runs the stop at `atS` and the start at `restoreAtS` (seconds into the load: `elapsedS` have passed
 * when this is called).
 * `finish()` waits for pending actions; when the run is cut short before the restore, it restores
 * at once so a stack that outlives the run is whole again.
 */
export function scheduleFailover(
  failover: { atS: number; restoreAtS: number; instance: string },
  controller: InstanceController,
  options: { signal: AbortSignal; now: () => Date; onAction?: (action: FailoverAction) => void; elapsedS?: number },
): { actions: FailoverAction[]; finish(): Promise<void> } {
  // Scheduled when the engine reports its first interval, `elapsedS` into the load.
  const offsetMs = (options.elapsedS ?? 0) * 1000;
  const actions: FailoverAction[] = [];
  let stopped = false;
  let restored = false;
  const record = (action: FailoverAction) => {
    actions.push(action);
    options.onAction?.(action);
  };
  const timers: NodeJS.Timeout[] = [];
  let pending: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    pending = pending.then(work, work);
  };
  // A controller that throws is a failed action, never a rejection: finish() must always settle,
  // so the run goes on to stop its collectors and whatever else it started.
  const attempt = async (work: () => Promise<{ ok: boolean; detail: string }>) => {
    try {
      return await work();
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  };
  const doStop = async () => {
    if (options.signal.aborted) return;
    const at = options.now();
    const outcome = await attempt(() => controller.stop(failover.instance));
    stopped = outcome.ok;
    record({ at, action: 'stop', ...outcome });
  };
  const doStart = async () => {
    if (!stopped || restored) return;
    restored = true;
    const at = options.now();
    record({ at, action: 'start', ...(await attempt(() => controller.start(failover.instance))) });
  };
  timers.push(setTimeout(() => enqueue(doStop), Math.max(0, failover.atS * 1000 - offsetMs)));
  timers.push(setTimeout(() => enqueue(doStart), Math.max(0, failover.restoreAtS * 1000 - offsetMs)));
  return {
    actions,
    async finish() {
      for (const timer of timers) clearTimeout(timer);
      timers.length = 0;
      await pending;
      await doStart();
    },
  };
}
