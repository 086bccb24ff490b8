/**
 * What limited the run, told apart on targets the test controls, through the built CLI (`npm run
 * build` first), with autocannon (in the CLI's own process) and Artillery (a child process):
 * - generator-bound: the CLI, and so every engine process it starts, runs in a cgroup (v1 `cpu`
 *   controller) with a CPU quota of part of a core, against a target answering at once, at a
 *   rate it cannot send on that allowance (CPU affinity is read the same way, unit-tested);
 * - system-bound: a target that serves one request at a time, 100 ms each (10 req/s at most),
 *   loaded above that: its queue, and so its latency, grows while the generator idles;
 * - machine-bound: bounded busy loops on every core (four per core) during the run, stopped after,
 *   so the generator and the target share saturated cores (autocannon: see the test's note).
 * Each run is 12 s of load. The machine is shared: the verdicts depend on behaviour (a quota, a
 * queue, saturated cores), never on a measured figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMachineCpu } from '../../src/core/procfs.js';
import { loadRunResult } from '../../src/results/read.js';
import type { RunResult } from '../../src/results/schema.js';
import { startNginxConstant, type RunningService } from './support/services.js';

const BIN = fileURLToPath(new URL('../../bin/capacity', import.meta.url));
const ENGINES = ['autocannon', 'artillery'] as const;
const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';
/** cgroup v1's cpu controller, writable (root): how the generator is held to part of a core. */
const CAN_LIMIT_CPU = existsSync(path.join(CPU_CGROUP_ROOT, 'cgroup.procs')) && process.getuid?.() === 0;

const servers: Server[] = [];
const dirs: string[] = [];
const cgroups: string[] = [];
const busyLoops: ChildProcess[] = [];
const stopAfter: RunningService[] = [];

afterAll(async () => {
  stopLoops(busyLoops);
  for (const service of stopAfter) await service.stop();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  for (const cgroup of cgroups) await removeCgroup(cgroup);
});

/** A cgroup can be removed once the last process in it is gone: engine children may take a moment. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 25; attempt += 1) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A loopback target: answers at once, or (serial) one request at a time with a fixed service time. */
async function startTarget(options: { serialServiceMs?: number } = {}): Promise<string> {
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((request, response) => {
    request.resume();
    const answer = () => response.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}');
    if (options.serialServiceMs === undefined) return answer();
    const service = options.serialServiceMs;
    queue = queue.then(() => new Promise<void>((resolve) => setTimeout(() => (answer(), resolve()), service)));
  });
  server.keepAliveTimeout = 30_000;
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An open-model scenario: a constant `rps` for 12 s on one GET, no sign-in, no objectives in the way. */
async function scenario(dir: string, rps: number): Promise<string> {
  const file = path.join(dir, 'limit.yaml');
  await writeFile(
    file,
    ['name: limit', 'model: open', 'maxUsers: 200', 'requestTimeout: 10s', 'slos: none', `startTarget: ${rps}`, 'stages:', `  - { duration: 12s, target: ${rps} }`, 'requests:', '  - { name: get, path: /thing }', ''].join('\n'),
  );
  return file;
}

/** A CPU cgroup holding `cores` of CPU time (quota over a 100 ms period). */
async function cpuCgroup(name: string, cores: number): Promise<string> {
  const dir = path.join(CPU_CGROUP_ROOT, `capacity-limit-test-${process.pid}-${name}`);
  await mkdir(dir, { recursive: true });
  cgroups.push(dir);
  await writeFile(path.join(dir, 'cpu.cfs_period_us'), '100000');
  await writeFile(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * 100_000)));
  return dir;
}

/**
 * `capacity run` as a child (plain output), inside `cgroup` when given, at `niceness` when given.
 * Stopped after 150 s at most.
 */
function runCli(args: string[], cwd: string, cgroup?: string, niceness?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const options = { cwd, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  const command = cgroup
    ? spawn('sh', ['-c', `echo $$ > "${cgroup}/cgroup.procs" && exec "$0" "$@"`, process.execPath, BIN, ...args], options)
    : niceness !== undefined
      ? spawn('nice', ['-n', String(niceness), process.execPath, BIN, ...args], options)
      : spawn(process.execPath, [BIN, ...args], options);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    command.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    command.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const interrupt = setTimeout(() => command.kill('SIGINT'), 150_000);
    const kill = setTimeout(() => command.kill('SIGKILL'), 170_000);
    command.on('error', reject);
    command.on('close', (code) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Busy loops, four per core, each ending by itself after `seconds`; stopped by PID after the run anyway. */
function saturateCores(seconds: number): ChildProcess[] {
  const loops = Array.from({ length: cpus().length * 4 }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${seconds * 1000}; let x = 0; while (Date.now() < end) x += 1;`], { stdio: 'ignore' }),
  );
  busyLoops.push(...loops);
  return loops;
}

function stopLoops(loops: readonly ChildProcess[]): void {
  for (const child of loops) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // it ended on its own in the meantime
    }
  }
}

/** The share of the machine's CPU time busy over `ms`, from /proc/stat. */
async function machineBusyShare(ms: number): Promise<number> {
  const before = parseMachineCpu(await readFile('/proc/stat', 'utf8'));
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = parseMachineCpu(await readFile('/proc/stat', 'utf8'));
  if (!before || !after || after.totalTicks <= before.totalTicks) return 0;
  return (after.busyTicks - before.busyTicks) / (after.totalTicks - before.totalTicks);
}

async function onlyResult(dir: string, exit: { code: number | null; stdout: string; stderr: string }): Promise<RunResult> {
  const folders = await readdir(path.join(dir, 'results'));
  expect(folders, `exit ${exit.code}: ${exit.stderr.slice(-2000)}`).toHaveLength(1);
  const loaded = await loadRunResult(path.join(dir, 'results', folders[0] as string), dir).catch((error: unknown) => {
    throw new Error(`no result (exit ${exit.code}): ${String(error)}\n${exit.stderr.slice(-2000)}`);
  });
  return loaded.result;
}

async function workDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capacity-limit-'));
  dirs.push(dir);
  return dir;
}

/** What a failed expectation prints: the verdict with its reasons and figures. */
function explain(result: RunResult, exit: { stdout: string; stderr: string }): string {
  return JSON.stringify({ limit: result.generator?.limit, cpu: result.generator?.cpu, stdout: exit.stdout, stderr: exit.stderr.slice(-2000) }, null, 1);
}

describe.each(ENGINES)('what limited a %s run', (engine) => {
  it.skipIf(!CAN_LIMIT_CPU)('a generator held to part of one core by a cgroup CPU quota is generator-bound (needs root and cgroup v1 cpu)', async () => {
    const target = await startTarget();
    const dir = await workDir();
    // autocannon sends ~20k req/s on a core here, Artillery ~3k: each is asked for more than its
    // allowance can send (Artillery gets more: its own process must start and end on the plan's
    // timeline, or the backstop cuts it and its result comes from its processor's own record).
    // autocannon gets 0.3 of a core, not less: its CPU sampler runs on the same throttled loop,
    // and under 0.1 it sometimes took no sample at all (no quota read, no verdict to trust).
    const [cores, rps] = engine === 'autocannon' ? [0.3, 12000] : [0.4, 1500];
    const cgroup = await cpuCgroup(engine, cores);
    const exit = await runCli(['run', '-s', await scenario(dir, rps), '--engine', engine, '--target', target], dir, cgroup);
    const result = await onlyResult(dir, exit);
    const limit = result.generator?.limit;
    expect(limit?.verdict, explain(result, exit)).toBe('generator-bound');
    expect(limit?.coresUsable).toBeCloseTo(cores, 5);
    expect(limit?.coresUsableBecause).toBe(`cgroup CPU quota: ${cores} cores`);
    expect(result.generator?.saturated).toBe(true);
    expect(exit.stdout).toContain('limited by   generator-bound: the load generator limited the run');
    // The in-process sampler shares the throttled loop: few samples, but some.
    expect(result.generator?.cpu?.length).toBeGreaterThanOrEqual(1);
  });

  // autocannon only: Artillery reports 10 s periods aligned to the clock, so in a 12 s run its
  // first period already holds most of the queue's growth and no rise can be told from it; the
  // rule that reads its few periods is unit-tested (limit-verdict.test.ts).
  it.runIf(engine === 'autocannon')('a target whose queue grows (one request at a time, 100 ms each: 10 req/s, loaded at 16 req/s) is system-bound', async () => {
    // A low rate: Artillery keeps a virtual user per request in flight, and hundreds of them would
    // make Artillery itself the limit.
    const target = await startTarget({ serialServiceMs: 100 });
    const dir = await workDir();
    // Other work on this machine before the load: with every core already busy, a generator that
    // then waits for a CPU is rightly machine-bound (the developers' machine is shared; CI's is not).
    const busyBefore = await machineBusyShare(2_000);
    const exit = await runCli(['run', '-s', await scenario(dir, 16), '--engine', engine, '--target', target], dir);
    const result = await onlyResult(dir, exit);
    const limit = result.generator?.limit;
    if (busyBefore >= 0.85 && limit?.verdict === 'machine-bound') {
      expect(limit.generatorHeldBackShare, explain(result, exit)).toBeGreaterThanOrEqual(0.5);
      return;
    }
    expect(limit?.verdict, `machine busy before the run: ${busyBefore}\n${explain(result, exit)}`).toBe('system-bound');
    // Its queue held every connection (Little's law), or its latency climbed: the target's doing.
    expect((limit?.usersBusyShare ?? 0) >= 0.5 || (limit?.p95LateMs ?? 0) > 2 * (limit?.p95EarlyMs ?? Infinity)).toBe(true);
    expect(result.generator?.saturated).toBe(false);
    expect(exit.stdout).toContain('limited by   system-bound: the system under test limited the run');
  });

  // autocannon only, to keep the suite's time: a starved Artillery (its own process, its start-up
  // included) runs past the plan's end and is cut by the backstop, its result then built from its
  // processor's record (artillery-stopped.test.ts); the machine-bound rule itself is unit-tested
  // on Artillery's figures too.
  it.runIf(engine === 'autocannon')('a generator and a target sharing cores that busy loops saturate are machine-bound', async () => {
    const target = await startTarget();
    const dir = await workDir();
    // A rate that needs more than the share of a core the loops leave it (autocannon sends ~20k
    // req/s on a whole core here). The run is a little nicer than the loops (nice 5): on a quiet
    // machine the scheduler's fair share alone let autocannon keep 8,000 req/s on saturated cores.
    const file = await scenario(dir, 8000);
    // The loops outlast the load (start-up included) and end by themselves; stopped as soon as the run ends.
    const loops = saturateCores(45);
    let exit: Awaited<ReturnType<typeof runCli>>;
    try {
      exit = await runCli(['run', '-s', file, '--engine', engine, '--target', target], dir, undefined, 5);
    } finally {
      stopLoops(loops);
    }
    const result = await onlyResult(dir, exit);
    const limit = result.generator?.limit;
    expect(limit?.verdict, explain(result, exit)).toBe('machine-bound');
    expect(limit?.machineBusyShare).toBeGreaterThanOrEqual(0.25);
    expect(exit.stdout).toContain('limited by   machine-bound: the machine limited the run');
  });
});

// Locust: each worker is one Python process, so its ceiling is one core whatever the machine has.
// One worker asked for far more than one Python process sends (~2,000 req/s here) runs its
// process at its core while the generator as a whole (master and worker) stays under the
// machine's cores: the verdict must weigh the busiest process, not the sum.
describe('what limited a locust run', () => {
  it('one worker asked for more than its one Python process can send is generator-bound (its busiest process at its core)', async () => {
    // nginx answering a constant: next to no CPU per request, so on 2 cores the worker (one core)
    // and its master have the room they need and the machine is not the limit. A Node target in
    // this process took most of the other core at the worker's rate, and the run was machine-bound.
    const nginx = await startNginxConstant();
    stopAfter.push(nginx);
    const target = nginx.url;
    const dir = await workDir();
    // As in the system-bound case: with every core already busy before the load, a worker that
    // then waits for a CPU never reaches its own core, and machine-bound is the right verdict.
    const busyBefore = await machineBusyShare(2_000);
    const exit = await runCli(['run', '-s', await scenario(dir, 6000), '--engine', 'locust', '--workers', '1', '--target', target], dir);
    const result = await onlyResult(dir, exit);
    const limit = result.generator?.limit;
    if (busyBefore >= 0.85 && limit?.verdict === 'machine-bound') {
      expect(limit.machineBusyShare, explain(result, exit)).toBeGreaterThanOrEqual(0.25);
      return;
    }
    expect(limit?.verdict, `machine busy before the run: ${busyBefore}\n${explain(result, exit)}`).toBe('generator-bound');
    expect(limit?.processCeilingCores).toBe(1);
    expect(limit?.processBusyShare ?? 0, explain(result, exit)).toBeGreaterThanOrEqual(0.25);
    expect(exit.stdout).toContain('limited by   generator-bound: the load generator limited the run');
    expect(exit.stdout).toContain('busiest process');
  });
});
