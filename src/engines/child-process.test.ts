import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planEndGraceS, PLAN_END_GRACE_S, spawnEngineChild, superviseChild } from './child-process.js';

/** Engine children: spawned to die with capacity where setpriv exists, stopped by the backstop, recorded by PID. With `sleep` as the engine. */

const exitOf = (child: ReturnType<typeof spawnEngineChild>['child']) =>
  new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

describe('engine children', () => {
  it('run under setpriv --pdeathsig when it is on PATH: the same PID becomes the engine', async () => {
    const { child, diesWithParent } = spawnEngineChild('sleep', ['30'], { stdio: 'ignore', path: process.env['PATH'] });
    const exited = exitOf(child);
    expect(diesWithParent).toBe(true);
    // setpriv executes the engine in place: soon the recorded PID runs `sleep 30` itself.
    let cmdline = '';
    for (let attempt = 0; attempt < 100 && !cmdline.startsWith('sleep'); attempt += 1) {
      cmdline = readFileSync(`/proc/${child.pid as number}/cmdline`, 'utf8').replaceAll('\0', ' ');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cmdline.trim()).toBe('sleep 30');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });

  it('are plain children without setpriv on PATH', async () => {
    const { child, diesWithParent } = spawnEngineChild('/bin/sleep', ['30'], { stdio: 'ignore', path: '/nonexistent' });
    const exited = exitOf(child);
    expect(diesWithParent).toBe(false);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  });

  it('the backstop interrupts a child still running at its time, and the registry sees it start and end', async () => {
    const { child } = spawnEngineChild('sleep', ['30'], { stdio: 'ignore', path: process.env['PATH'] });
    const exited = exitOf(child);
    const seen: string[] = [];
    const supervised = superviseChild(child, new AbortController().signal, 100, { started: (pid) => seen.push(`started ${pid}`), ended: (pid) => seen.push(`ended ${pid}`) });
    supervised.stopAt(Date.now() + 100);
    expect(await exited).toBe('SIGINT');
    expect(supervised.stoppedAtBackstop).toBe(true);
    expect(supervised.interrupted).toBe(false);
    expect(seen).toEqual([`started ${child.pid}`, `ended ${child.pid}`]);
  });

  it('the grace is never longer than the request timeout', () => {
    expect(planEndGraceS(30)).toBe(PLAN_END_GRACE_S);
    expect(planEndGraceS(0.5)).toBe(0.5);
  });
});
