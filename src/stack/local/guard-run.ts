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
  let record: RunRecordFile;
  try {
    await sweepStaleRuns(stateDir, say);
    record = new RunRecordFile(stateDir, now);
  } catch (error) {
    // A state dir it cannot write (a read-only working directory with --target) does not stop the run.
    say(`could not record this run in ${stateDir} (${error instanceof Error ? error.message : String(error)}): a kill -9 of it would leave its engine and stack running`);
    return { children: { started: () => undefined, ended: () => undefined }, claimStackIfNone: () => undefined, setStartedStack: () => undefined, release: async () => undefined };
  }
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
