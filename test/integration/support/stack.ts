import { fileURLToPath } from 'node:url';
/**
 * A fresh local stack for integration tests: real PostgreSQL, Redis, N app instances, nginx and
 * Prometheus on loopback, in a temporary state dir, stopped (and deleted) after.
 *
 *   const stack = await startTestStack();          // beforeAll
 *   await fetch(`${stack.state.baseUrl}/products/1`);
 *   await stopTestStack(stack);                    // afterAll
 *
 * or `await withStack(async (stack) => { ... })`.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downStack, readStackState, upStack, type StackState, type UpOptions } from '../../../src/stack/index.js';
import { STACK_MARKER_ENV } from '../../../src/stack/local/defaults.js';

export interface TestStack {
  state: StackState;
  stateDir: string;
  /** Progress lines `up` printed. */
  progress: string[];
}

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');

/** The reference app must be built (`npm run build`, which `npm test` runs first). */
export function assertReferenceAppBuilt(): void {
  for (const file of ['server.js', 'migrate.js', 'seed.js']) {
    const path = join(PROJECT_ROOT, 'reference-app', 'dist', file);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` before the integration tests`);
  }
}

export function makeStateDir(prefix = 'capacity-stack-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestStack(options: Partial<UpOptions> = {}): Promise<TestStack> {
  assertReferenceAppBuilt();
  const stateDir = options.stateDir ?? makeStateDir();
  const progress: string[] = [];
  try {
    const state = await upStack({
      projectRoot: fileURLToPath(new URL('../../../', import.meta.url)),
      apps: 3,
      seedUsers: 1000,
      path: process.env.PATH,
      ...options,
      stateDir,
      onProgress: (message) => {
        progress.push(message);
        options.onProgress?.(message);
      },
    });
    return { state, stateDir, progress };
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the stack and deletes its state dir (data, logs). */
export async function stopTestStack(stack: TestStack | undefined): Promise<void> {
  if (!stack) return;
  try {
    // The state file, not the state captured at start: a run may have restarted a component
    // (failover) under a new PID, and that process must be stopped too.
    let current = stack.state;
    try {
      current = readStackState(stack.stateDir) ?? stack.state;
    } catch {
      // an unreadable state file: stop what we started with
    }
    await downStack(current, { purge: true });
  } finally {
    rmSync(stack.stateDir, { recursive: true, force: true });
  }
}

export async function withStack<T>(body: (stack: TestStack) => Promise<T>, options: Partial<UpOptions> = {}): Promise<T> {
  const stack = await startTestStack(options);
  try {
    return await body(stack);
  } finally {
    await stopTestStack(stack);
  }
}

/** Whether a PID runs (a zombie counts as gone: it has exited, only nobody reaped it yet). */
export function pidRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes started by a stack in `stateDir` (every one carries CAPACITY_STACK_DIR=<dir>). */
export function stackProcesses(stateDir: string): number[] {
  const marker = `${STACK_MARKER_ENV}=${stateDir}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(marker) && pidRunning(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not readable
    }
  }
  return found;
}
