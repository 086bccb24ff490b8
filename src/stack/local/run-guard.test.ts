import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardRun } from './guard-run.js';
import { isAlive, listRunRecords, recordProcess, runRecordPath, runsDir, RunRecordFile, sweepStaleRuns, type RecordedProcess, type RunRecord } from './run-guard.js';

/** Records of runs, and what is done about the ones whose run is gone: with processes this test starts and stops itself. */

const dirs: string[] = [];
const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A state dir with its runs/ folder. */
function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'capacity-run-guard-'));
  dirs.push(dir);
  mkdirSync(runsDir(dir));
  return dir;
}

/** A process that exited (and was reaped): its record names no live process. */
async function deadProcess(): Promise<RecordedProcess> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const recorded = recordProcess(child.pid as number) as RecordedProcess;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return recorded;
}

function sleeper(): { pid: number; exited: Promise<unknown> } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  spawned.push(child.pid as number);
  return { pid: child.pid as number, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

describe('run records', () => {
  it('follow the run: children as they start and end, the stack claim, and nothing left once it finishes', () => {
    const dir = path.join(stateDir(), 'fresh-state');
    const record = new RunRecordFile(dir, new Date('2026-01-01T00:00:00Z'));
    expect(record.file).toBe(runRecordPath(dir, process.pid));
    record.started(process.pid);
    record.setStartedStack(true);
    const written = JSON.parse(readFileSync(record.file, 'utf8')) as RunRecord;
    expect(written.children).toEqual([recordProcess(process.pid)]);
    expect(written.startedStack).toBe(true);
    record.ended(process.pid);
    expect(listRunRecords(dir)[0]?.record.children).toEqual([]);
    record.finish();
    // The state dir did not exist before the run: it is gone again.
    expect(existsSync(dir)).toBe(false);
  });

  it('a PID whose start time differs is not the recorded process', () => {
    const self = recordProcess(process.pid) as RecordedProcess;
    expect(isAlive(self)).toBe(true);
    expect(isAlive({ pid: self.pid, startTime: self.startTime + 1 })).toBe(false);
  });

  it('the sweep kills the engine child of a dead run, says so, removes its record, and leaves live runs alone', async () => {
    const dir = stateDir();
    const engine = sleeper();
    const dead: RunRecord = { owner: await deadProcess(), startedAt: '2026-01-01T00:00:00Z', stateDir: dir, children: [recordProcess(engine.pid) as RecordedProcess], startedStack: false };
    writeFileSync(runRecordPath(dir, dead.owner.pid), JSON.stringify(dead));
    const live: RunRecord = { ...dead, owner: recordProcess(process.ppid) as RecordedProcess, children: [] };
    writeFileSync(runRecordPath(dir, process.ppid), JSON.stringify(live));

    const said: string[] = [];
    expect(await sweepStaleRuns(dir, (line) => said.push(line))).toBe(1);
    await engine.exited;
    expect(said).toEqual([`stale: run pid ${dead.owner.pid} (started 2026-01-01T00:00:00Z) is gone; killed engine process ${engine.pid}; its record is removed`]);
    expect(listRunRecords(dir).map((entry) => entry.record.owner.pid)).toEqual([process.ppid]);
  });

  it('a recorded child whose PID now names another process is not signalled', async () => {
    const dir = stateDir();
    const other = sleeper();
    const recycled = { pid: other.pid, startTime: (recordProcess(other.pid) as RecordedProcess).startTime + 1 };
    const dead: RunRecord = { owner: await deadProcess(), startedAt: 'then', stateDir: dir, children: [recycled], startedStack: false };
    writeFileSync(runRecordPath(dir, dead.owner.pid), JSON.stringify(dead));
    const said: string[] = [];
    await sweepStaleRuns(dir, (line) => said.push(line));
    expect(said[0]).toContain('nothing of it was still running');
    expect(isAlive(recordProcess(other.pid) as RecordedProcess)).toBe(true);
  });

  it('an unreadable record is skipped, not acted on', () => {
    const dir = stateDir();
    writeFileSync(runRecordPath(dir, 1), '{"owner": 1}');
    expect(listRunRecords(dir)).toEqual([]);
  });
});

describe('guarding a run', () => {
  it('claims the stack only when none is recorded, and leaves nothing once released', async () => {
    const dir = stateDir();
    const said: string[] = [];
    const fresh = await guardRun(dir, new Date('2026-01-01T00:00:00Z'), (line) => said.push(line));
    fresh.claimStackIfNone();
    expect(listRunRecords(dir)[0]?.record.startedStack).toBe(true);
    await fresh.release();
    expect(listRunRecords(dir)).toEqual([]);

    writeFileSync(path.join(dir, 'stack.json'), '{}');
    const existing = await guardRun(dir, new Date('2026-01-01T00:00:00Z'), (line) => said.push(line));
    existing.claimStackIfNone();
    expect(listRunRecords(dir)[0]?.record.startedStack).toBe(false);
    await existing.release();
    expect(said).toEqual([]);
  });

  it('a state dir it cannot write is said, and the run goes on unguarded', async () => {
    const dir = stateDir();
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const said: string[] = [];
    const guard = await guardRun(path.join(file, 'state'), new Date(), (line) => said.push(line));
    guard.children.started(process.pid);
    await guard.release();
    expect(said).toEqual([expect.stringMatching(/^could not record this run in .*not-a-dir\/state \(.*ENOTDIR/)]);
  });
});
