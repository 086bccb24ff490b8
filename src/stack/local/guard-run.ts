/**
 * Guards one `capacity run`: stale records of dead runs are acted on first (and said), then this
 * run's record is written and its watchdog started. `release` is for a run that ends by itself.
 */
import { existsSync } from 'node:fs';
import { stateFilePath } from '../state.js';
import { RunRecordFile, sweepStaleRuns, type RunChildren } from './run-guard.js';
import { startWatchdog } from './watchdog.js';

export interface GuardedRun {
  children: RunChildren;
  /** Before the stack is ensured: when none is recorded, the one about to start is this run's. */
  claimStackIfNone(): void;
  setStartedStack(started: boolean): void;
  release(): Promise<void>;
}

export async function guardRun(stateDir: string, now: Date, say: (line: string) => void): Promise<GuardedRun> {
  await sweepStaleRuns(stateDir, say);
  const record = new RunRecordFile(stateDir, now);
  const watchdog = startWatchdog(record.file, record.owner);
  return {
    children: record,
    claimStackIfNone: () => {
      if (!existsSync(stateFilePath(stateDir))) record.setStartedStack(true);
    },
    setStartedStack: (started) => record.setStartedStack(started),
    async release() {
      record.finish();
      await watchdog?.disarm();
    },
  };
}
