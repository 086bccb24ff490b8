import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { scheduleFailover, type InstanceController } from './failover.js';

/** The scheduling policy, with a controller that records what it was asked to do. */
function recordingController(stopOk = true): InstanceController & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async stop(instance) {
      calls.push(`stop ${instance}`);
      return { ok: stopOk, detail: stopOk ? 'stopped' : 'no such instance' };
    },
    async start(instance) {
      calls.push(`start ${instance}`);
      return { ok: true, detail: 'started' };
    },
  };
}

describe('scheduleFailover', () => {
  it('stops, then restores, at the planned times counted from the start of the load', async () => {
    const controller = recordingController();
    const schedule = scheduleFailover({ atS: 0.1, restoreAtS: 0.2, instance: 'app2' }, controller, {
      signal: new AbortController().signal,
      now: () => new Date(),
      elapsedS: 0.05,
    });
    await delay(30);
    expect(controller.calls).toEqual([]);
    await delay(250);
    await schedule.finish();
    expect(controller.calls).toEqual(['stop app2', 'start app2']);
    expect(schedule.actions.map((action) => [action.action, action.ok])).toEqual([
      ['stop', true],
      ['start', true],
    ]);
  });

  it('a run cut short after the stop restores the instance at once', async () => {
    const controller = recordingController();
    const abort = new AbortController();
    const schedule = scheduleFailover({ atS: 0.01, restoreAtS: 60, instance: 'app1' }, controller, { signal: abort.signal, now: () => new Date() });
    await delay(80);
    abort.abort('SIGINT');
    await schedule.finish();
    expect(controller.calls).toEqual(['stop app1', 'start app1']);
  });

  it('a run that ends before the stop does nothing; a failed stop is not followed by a start', async () => {
    const early = recordingController();
    await scheduleFailover({ atS: 60, restoreAtS: 90, instance: 'app2' }, early, { signal: new AbortController().signal, now: () => new Date() }).finish();
    expect(early.calls).toEqual([]);

    const failing = recordingController(false);
    const schedule = scheduleFailover({ atS: 0, restoreAtS: 0.02, instance: 'app9' }, failing, { signal: new AbortController().signal, now: () => new Date() });
    await delay(80);
    await schedule.finish();
    expect(failing.calls).toEqual(['stop app9']);
    expect(schedule.actions).toMatchObject([{ action: 'stop', ok: false, detail: 'no such instance' }]);
  });
});
