/**
 * What a `capacity run` leaves behind if it dies: its record in `<state dir>/runs/<pid>.json`
 * (the run's own identity, its live engine children by PID and start time, and whether it started
 * the stack), kept up to date while it runs and removed when it ends. A watchdog process
 * (watchdog.ts) acts on it the moment the run dies, even by SIGKILL; the next run or `capacity
 * down` acts on any record whose run is gone (stale), and says so. Only the processes recorded
 * are signalled, each after checking that its PID still names the process recorded.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../core/atomic-file.js';
import { readStackState } from '../state.js';
import { readProcStat } from './processes.js';

/** A process as recorded: its PID and its start time (clock ticks since boot), which a reused PID does not share. */
export interface RecordedProcess {
  pid: number;
  startTime: number;
}

export interface RunRecord {
  owner: RecordedProcess;
  startedAt: string;
  stateDir: string;
  /** Engine child processes alive at the last write. */
  children: RecordedProcess[];
  /** True from just before this run starts a stack until it has stopped it (or left it running with --keep). */
  startedStack: boolean;
}

/** The run's record of its engine children (the same shape as the engines' ChildRegistry). */
export interface RunChildren {
  started(pid: number): void;
  ended(pid: number): void;
}

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export function runRecordPath(stateDir: string, pid: number): string {
  return join(runsDir(stateDir), `${pid}.json`);
}

/** This PID still names the recorded process (not a zombie, same start time). */
export function isAlive(recorded: RecordedProcess): boolean {
  const stat = readProcStat(recorded.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === recorded.startTime;
}

export function recordProcess(pid: number): RecordedProcess | undefined {
  const stat = readProcStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

function parseRecord(text: string): RunRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<RunRecord>;
    const valid = (entry: unknown): entry is RecordedProcess =>
      typeof entry === 'object' && entry !== null && Number.isInteger((entry as RecordedProcess).pid) && Number.isInteger((entry as RecordedProcess).startTime);
    if (!valid(value.owner) || typeof value.stateDir !== 'string' || !Array.isArray(value.children) || !value.children.every(valid)) return undefined;
    return { owner: value.owner, startedAt: String(value.startedAt ?? ''), stateDir: value.stateDir, children: value.children, startedStack: value.startedStack === true };
  } catch {
    return undefined;
  }
}

export function readRunRecord(file: string): RunRecord | undefined {
  try {
    return parseRecord(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Run records in the state dir, with their files (unreadable ones are skipped). */
export function listRunRecords(stateDir: string): Array<{ file: string; record: RunRecord }> {
  let names: string[];
  try {
    names = readdirSync(runsDir(stateDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+\.json$/.test(name))
    .flatMap((name) => {
      const file = join(runsDir(stateDir), name);
      const record = readRunRecord(file);
      return record ? [{ file, record }] : [];
    });
}

/** Removes the record, then the runs folder and the state dir when they are left empty and were not there before. */
function removeRecord(file: string, stateDir: string, removeEmptyStateDir: boolean): void {
  rmSync(file, { force: true });
  for (const dir of removeEmptyStateDir ? [runsDir(stateDir), stateDir] : [runsDir(stateDir)]) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // gone already, or not empty
    }
  }
}

/** Stops what a dead run left (its engine children, SIGKILL; the stack it started, through the
 * driver's down) and removes its record. Returns what it did, one line each. */
export async function cleanUpAfter(file: string, record: RunRecord): Promise<string[]> {
  const done: string[] = [];
  for (const child of record.children) {
    if (!isAlive(child)) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
      done.push(`killed engine process ${child.pid}`);
    } catch {
      // gone in between
    }
  }
  if (record.startedStack) {
    const state = readStackState(record.stateDir);
    if (state) {
      const { downStack } = await import('../index.js');
      await downStack(state, { purge: false });
      done.push(`stopped the stack it started in ${record.stateDir}`);
    }
  }
  removeRecord(file, record.stateDir, false);
  return done;
}

/**
 * Stale detection for the next run and `capacity down`: every record whose run is gone is acted
 * on (see cleanUpAfter) and said, one line per run; records of live runs are left alone.
 */
export async function sweepStaleRuns(stateDir: string, say: (line: string) => void): Promise<number> {
  let swept = 0;
  for (const { file, record } of listRunRecords(stateDir)) {
    if (record.owner.pid === process.pid || isAlive(record.owner)) continue;
    const done = await cleanUpAfter(file, record);
    say(`stale: run pid ${record.owner.pid} (started ${record.startedAt}) is gone; ${done.length > 0 ? done.join('; ') : 'nothing of it was still running'}; its record is removed`);
    swept += 1;
  }
  return swept;
}

/** The live record of this run: written at once and on every change, removed by `finish`. */
export class RunRecordFile implements RunChildren {
  readonly file: string;
  private readonly record: RunRecord;
  private readonly createdStateDir: boolean;
  private finished = false;

  constructor(stateDir: string, now: Date) {
    const owner = recordProcess(process.pid) ?? { pid: process.pid, startTime: 0 };
    let existed = true;
    try {
      readdirSync(stateDir);
    } catch {
      existed = false;
    }
    this.createdStateDir = !existed;
    mkdirSync(runsDir(stateDir), { recursive: true });
    this.file = runRecordPath(stateDir, owner.pid);
    this.record = { owner, startedAt: now.toISOString(), stateDir, children: [], startedStack: false };
    this.write();
  }

  get owner(): RecordedProcess {
    return this.record.owner;
  }

  started(pid: number): void {
    const child = recordProcess(pid);
    if (!child) return;
    this.record.children.push(child);
    this.write();
  }

  ended(pid: number): void {
    this.record.children = this.record.children.filter((child) => child.pid !== pid);
    this.write();
  }

  /** Whether a stack in the state dir is this run's to stop if it dies. */
  setStartedStack(started: boolean): void {
    this.record.startedStack = started;
    this.write();
  }

  /** The run ended by itself (it stopped what it started, or kept it with --keep). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    removeRecord(this.file, this.record.stateDir, this.createdStateDir);
  }

  private write(): void {
    if (!this.finished) writeFileAtomicSync(this.file, `${JSON.stringify(this.record, null, 2)}\n`);
  }
}
