/**
 * The live view in a real terminal (tmux on a private socket: send-keys, capture-pane)
 * and without one (stdout piped: plain lines; --quiet: nothing). The view's modules are
 * transpiled with TypeScript into a scratch folder (node_modules linked), and a small driver
 * feeds the observer synthetic ticks, so that test needs neither a build nor a stack. One more runs
 * the built CLI (`npm run build` first) against a stand-in API: the start-up status and the last
 * frame of a real run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startApiTarget, type ApiTarget } from './support/api-target.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let scratch: string;
let driver: string;

async function transpileTree(fromDir: string, files: string[]): Promise<void> {
  for (const file of files) {
    const source = await readFile(join(fromDir, file), 'utf8');
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, jsx: ts.JsxEmit.ReactJSX, verbatimModuleSyntax: false },
    });
    const target = join(scratch, relative(root, join(fromDir, file))).replace(/\.tsx?$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output.outputText);
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'capacity-live-'));
  await writeFile(join(scratch, 'package.json'), '{"type":"module"}\n');
  await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'));
  const uiFiles = (await readdir(join(root, 'src/cli/ui'))).filter((name) => /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name));
  await transpileTree(join(root, 'src/cli/ui'), uiFiles);
  await transpileTree(join(root, 'src/core'), ['context.ts']);
  await transpileTree(join(root, 'test/support'), ['live-view-demo.ts']);
  driver = join(scratch, 'drive.mjs');
  await writeFile(
    driver,
    `import { createLiveObserver } from './src/cli/ui/index.js';
import { driveDemo } from './test/support/live-view-demo.js';
const quiet = process.argv.includes('--quiet');
const intervalMs = Number(process.env.DEMO_INTERVAL_MS ?? 150);
const ctx = { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, now: () => new Date(), signal: new AbortController().signal, debug: false, projectRoot: process.cwd() };
const observer = createLiveObserver(ctx, { quiet });
await driveDemo(observer, { intervalMs, sleep: (ms) => new Promise((done) => setTimeout(done, ms)) });
await observer.flush();
process.stderr.write('mode=' + observer.mode + '\\n');
`,
  );
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('live view in a real terminal (tmux)', () => {
  const session = 'live';
  // A private server socket inside the scratch folder: nothing shared with other tmux users.
  const tmux = (...args: string[]) => run('tmux', ['-S', join(scratch, 'tmux.sock'), ...args]);
  const capture = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;

  afterAll(async () => {
    // Only the session this test created, on its own server socket.
    await tmux('kill-session', '-t', session).catch(() => undefined);
  });

  it('redraws a progress bar and the figures in place, then shows the verdict', async () => {
    await tmux('new-session', '-d', '-s', session, '-x', '110', '-y', '30', '-c', scratch);
    await tmux('send-keys', '-t', session, `env -u CI DEMO_INTERVAL_MS=250 node ${driver} 2>${join(scratch, 'stderr.txt')}; echo DEMO-EXIT=$?`, 'Enter');

    // Mid-run: a partly filled bar and live figures.
    let middle = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      middle = await capture();
      const percent = /(\d+)% \d+s \/ 20s/.exec(middle);
      if (percent && Number(percent[1]) >= 25 && Number(percent[1]) <= 80) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(middle).toMatch(/█+░+\s+\d+% \d+s \/ 20s\s+stage [12]\/2 (ramp|hold)/);
    expect(middle).toMatch(/rate\s+\d+\.\d req\/s achieved \/ \d+\.\d planned/);
    expect(middle).toMatch(/latency\s+p50 \d+\.\d+ ms p95 \d+\.\d ms p99 \d+\.\d ms/);
    expect(middle).toMatch(/p95 trend\s+[▁▂▃▄▅▆▇█]{2,}/);
    expect(middle).toMatch(/server\s+busiest app \d\.\d\d cores · postgres \d\.\d\d/);

    let end = '';
    while (Date.now() < deadline + 15_000) {
      end = await capture();
      if (/DEMO-EXIT=\d/.test(end)) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    expect(end).toContain('DEMO-EXIT=0');
    expect(end).toMatch(/█{10,}\s+100% 20s \/ 20s/);
    expect(end).toContain('done: complete, ');
    expect(end).toContain('verdict pass');
    // Redrawn in place: one bar on screen, not one per tick.
    expect(end.match(/% \d+s \/ 20s/g)).toHaveLength(1);
    expect(await readFile(join(scratch, 'stderr.txt'), 'utf8')).toContain('mode=live');
  });
});

describe('live view of a real run in a terminal (tmux, built CLI, autocannon against a stand-in API)', () => {
  const session = 'live-run';
  const tmux = (...args: string[]) => run('tmux', ['-S', join(scratch, 'tmux.sock'), ...args]);
  const capture = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;
  let target: ApiTarget | undefined;

  afterAll(async () => {
    await tmux('kill-session', '-t', session).catch(() => undefined);
    await target?.close();
  });

  it('says what it does while signing in, and ends at 100 % and the full duration', async () => {
    // A slow sign-in (20 users, 8 at a time, 400 ms each: about 1.2 s) so the start-up is seen.
    target = await startApiTarget({ loginDelayMs: 400 });
    await tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', scratch);
    const command = `env -u CI node ${join(root, 'bin', 'capacity')} run -s smoke --engine autocannon --target ${target.url} --duration 4s --results-dir ${join(scratch, 'results')}; echo RUN-EXIT=$?`;
    await tmux('send-keys', '-t', session, command, 'Enter');

    let startUp = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      startUp = await capture();
      if (/status\s+signing in 20 users…/.test(startUp) || /RUN-EXIT=\d/.test(startUp)) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(startUp).toMatch(/status\s+signing in 20 users…/);
    expect(startUp).toMatch(/0% 0s \/ 4s/);

    let end = '';
    while (Date.now() < deadline + 30_000) {
      end = await capture();
      if (/RUN-EXIT=\d/.test(end)) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    expect(end).toContain('RUN-EXIT=0');
    // The last frame of the view, above the summary: the whole plan, at its full duration.
    expect(end).toMatch(/█{10,}\s+100% 4s \/ 4s/);
    expect(end).not.toMatch(/status\s+signing in/);
    expect(end).toContain('(whole run)');
  }, 90_000);
});

describe('live view without a terminal', () => {
  async function drive(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [driver, ...args], { cwd: scratch, env: { ...process.env, DEMO_INTERVAL_MS: '5', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', fail);
      child.on('exit', (code) => (code === 0 ? done({ stdout, stderr }) : fail(new Error(`driver exited ${code}: ${stderr}`))));
    });
  }

  it('prints one plain line per interval when stdout is a pipe', async () => {
    const { stdout, stderr } = await drive([]);
    expect(stderr).toContain('mode=plain');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('stack: using a synthetic demo run');
    expect(lines[1]).toBe('capacity run: smoke with k6 v1.8.1 against http://127.0.0.1:8080, 20s → results/demo');
    const ticks = lines.filter((line) => line.startsWith('['));
    expect(ticks).toHaveLength(20);
    expect(ticks[0]).toMatch(/^\[\s+1s\/20s\s+5%\] {2}ramp \(1\/2\) {2}rate 13\.7\/14\.0 req\/s {2}p50 4\.70 p95 14\.8 p99 24\.7 ms {2}errors 0 \(total 0, 0\.00 %\) {2}users 4 {2}busiest app 0\.13 cores$/);
    expect(ticks[19]).toMatch(/^\[\s+20s\/20s 100%\] {2}hold \(2\/2\) {2}rate 49\.0\/50\.0 req\/s/);
    expect(lines.at(-1)).toMatch(/^done: k6 complete, \d+ requests, p95 21\.4 ms, verdict pass$/);
    expect(stdout).not.toContain('\u001b[');
  });

  it('prints nothing with --quiet', async () => {
    const { stdout, stderr } = await drive(['--quiet']);
    expect(stderr).toContain('mode=quiet');
    expect(stdout).toBe('');
  });
});
