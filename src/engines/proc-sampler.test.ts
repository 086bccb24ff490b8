import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcSampler } from './proc-sampler.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A real child: busy for `busyMs` then asleep, or asleep throughout; it ends by itself within 4 s. */
function child(busyMs: number): ChildProcess {
  const code = `const end = Date.now() + ${busyMs}; while (Date.now() < end) {} setTimeout(() => {}, ${4000 - busyMs});`;
  const started = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(started);
  return started;
}

describe('startProcSampler', () => {
  it("records the busiest one of the processes beside their sum (a Locust worker's ceiling is one core)", async () => {
    const busy = child(2500);
    const idle = child(0);
    const sampler = startProcSampler({ pids: () => [busy.pid, idle.pid].filter((pid): pid is number => pid !== undefined), includeDescendants: false, startedAtMs: Date.now(), intervalMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const samples = await sampler.stop();
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) {
      expect(sample.busiestProcessPercent).toBeDefined();
      // One process's share never exceeds the sum (0.1 for the rounding of each).
      expect(sample.busiestProcessPercent as number).toBeLessThanOrEqual(sample.cpuPercent + 0.1);
    }
    // The busy child burned CPU, and the idle one almost none: the busiest carries nearly all of the sum.
    const summed = samples.reduce((sum, sample) => sum + sample.cpuPercent, 0);
    const busiest = samples.reduce((sum, sample) => sum + (sample.busiestProcessPercent ?? 0), 0);
    expect(summed).toBeGreaterThan(0);
    expect(busiest).toBeGreaterThanOrEqual(0.8 * summed);
  });
});

describe('startProcSampler.stop', () => {
  it('takes a last sample over the stretch since the previous one, so a run whose timer never fired still has its CPU', async () => {
    const busy = child(1500);
    // An interval longer than the run: the timer never fires; only the priming reading and stop() sample.
    const sampler = startProcSampler({ pids: () => (busy.pid === undefined ? [] : [busy.pid]), includeDescendants: false, startedAtMs: Date.now(), intervalMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const samples = await sampler.stop();
    expect(samples).toHaveLength(1);
    // The child was busy the whole stretch: well above zero (a shared machine may slow it).
    expect(samples[0]?.cpuPercent ?? 0).toBeGreaterThan(20);
  });

  it('takes none when the stretch since the previous sample is under half an interval (noise, not a rate)', async () => {
    const idle = child(0);
    const sampler = startProcSampler({ pids: () => (idle.pid === undefined ? [] : [idle.pid]), includeDescendants: false, startedAtMs: Date.now(), intervalMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sampler.stop()).toEqual([]);
  });
});
