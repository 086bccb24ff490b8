/**
 * The watchdog process (see watchdog.ts): `node watchdog-main.js <record file> <owner pid> <owner start time>`.
 * Exits quietly when disarmed; when its owner dies, cleans up after it (run-guard.ts) and writes
 * what it did to `<state dir>/runs/watchdog.log`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanUpAfter, isAlive, readRunRecord } from './run-guard.js';
import { DISARM } from './watchdog.js';

const OWNER_POLL_MS = 250;

const [recordFile, ownerPid, ownerStart] = process.argv.slice(2);
const owner = { pid: Number(ownerPid), startTime: Number(ownerStart) };
let disarmed = false;
let acting = false;

async function ownerDied(): Promise<void> {
  if (disarmed || acting || !recordFile) return;
  acting = true;
  const record = readRunRecord(recordFile);
  if (record) {
    let line: string;
    try {
      const done = await cleanUpAfter(recordFile, record);
      line = `${new Date().toISOString()} run pid ${owner.pid} died: ${done.length > 0 ? done.join('; ') : 'nothing of it was still running'}\n`;
    } catch (error) {
      line = `${new Date().toISOString()} run pid ${owner.pid} died; cleaning up after it failed (the next run or \`capacity down\` tries again): ${error instanceof Error ? error.message : String(error)}\n`;
    }
    try {
      mkdirSync(join(record.stateDir, 'runs'), { recursive: true });
      appendFileSync(join(record.stateDir, 'runs', 'watchdog.log'), line);
    } catch {
      // the state dir is gone: nothing to tell
    }
  }
  process.exit(0);
}

let received = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  received += chunk;
  if (received.includes(DISARM)) {
    disarmed = true;
    process.exit(0);
  }
});
process.stdin.on('end', () => void ownerDied());
process.stdin.on('error', () => void ownerDied());
// Belt and braces: the pipe could be held open by a process that inherited it.
setInterval(() => {
  if (!isAlive(owner)) void ownerDied();
}, OWNER_POLL_MS);
