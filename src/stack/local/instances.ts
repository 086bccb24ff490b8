/**
 * The failover scenario's actions on the local stack, behind StackDriver.instances: stop one app
 * instance as a crash would (SIGKILL), then start it again exactly as it ran. The launch (program,
 * arguments, environment, working directory) is read from /proc before the kill, and the new PID
 * is written back to the state file so `capacity down` stops the new process.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { readStackState, writeStackState } from '../state.js';
import type { InstanceController, StackComponent } from '../types.js';
import { identityOf } from './component-process.js';
import { spawnDetached, stopProcess } from './processes.js';
import { probeHttp } from './health.js';

interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

function readLaunch(pid: number): Launch | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
    const env: Record<string, string> = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const equals = entry.indexOf('=');
      if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
    const [command, ...args] = argv;
    if (!command) return undefined;
    return { command, args, env, cwd: readlinkSync(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/** Stops and starts app instances of the local stack recorded in `stateDir`. */
export function localInstanceController(stateDir: string, options: { readyTimeoutMs?: number; signal?: AbortSignal } = {}): InstanceController {
  const launches = new Map<string, Launch>();

  const findApp = (instance: string): { component?: StackComponent; problem?: string } => {
    const state = readStackState(stateDir);
    if (!state) return { problem: `no stack recorded in ${stateDir}` };
    const component = state.components.find((candidate) => candidate.name === instance && candidate.tier === 'app');
    if (!component) {
      const names = state.components.filter((candidate) => candidate.tier === 'app').map((candidate) => candidate.name);
      return { problem: `no app instance named ${instance} (the stack has ${names.join(', ') || 'none'})` };
    }
    return { component };
  };

  return {
    async stop(instance) {
      const { component, problem } = findApp(instance);
      if (!component) return { ok: false, detail: problem ?? 'not found' };
      const identity = identityOf(component);
      if (!identity) return { ok: false, detail: `${instance} has no recorded process (only the local driver can stop one)` };
      const launch = readLaunch(identity.pid);
      if (!launch) return { ok: false, detail: `${instance} (pid ${identity.pid}) is not running` };
      launches.set(instance, launch);
      const outcome = await stopProcess(identity, { signal: 'SIGKILL', timeoutMs: 2_000 });
      return { ok: outcome === 'stopped' || outcome === 'killed', detail: `SIGKILL ${instance} pid ${identity.pid}: ${outcome}` };
    },

    async start(instance) {
      const launch = launches.get(instance);
      const { component, problem } = findApp(instance);
      if (!component) return { ok: false, detail: problem ?? 'not found' };
      if (!launch) return { ok: false, detail: `${instance} was not stopped by this run: nothing to restore` };
      const expected = component.command ?? 'node';
      const spawned = await spawnDetached(
        { command: launch.command, args: launch.args, env: launch.env, cwd: launch.cwd, logFile: component.logFile ?? '/dev/null' },
        expected,
      );
      const state = readStackState(stateDir);
      if (state) {
        const recorded = state.components.find((candidate) => candidate.name === instance);
        if (recorded) {
          recorded.pid = spawned.identity.pid;
          recorded.startTime = spawned.identity.startTime;
          recorded.command = spawned.identity.command;
          writeStackState(state);
        }
      }
      launches.delete(instance);
      const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
      const readyUrl = `${component.url ?? `http://${component.host}:${component.port}`}/readyz`;
      let last = '';
      while (Date.now() < deadline && !options.signal?.aborted) {
        const probe = await probeHttp(readyUrl);
        if (probe.healthy) return { ok: true, detail: `started ${instance} again as pid ${spawned.identity.pid}; ready` };
        last = probe.detail;
        await delay(100);
      }
      return { ok: false, detail: `started ${instance} again as pid ${spawned.identity.pid} but it is not ready: ${last}` };
    },
  };
}
