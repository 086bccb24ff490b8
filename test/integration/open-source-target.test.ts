/**
 * A target nobody here wrote: json-server (npm, a devDependency pinned to 0.17.4), started on
 * loopback with an empty collection and loaded by every installed engine with a flow that creates
 * an item (POST), captures the id json-server gives it, reads it back (GET /items/{{id}}) and
 * checks its fields. json-server's own request log and its database file say what arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapacity } from './support/cli.js';
import { k6SkipReason } from './support/k6.js';
import { freePort } from './support/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JSON_SERVER = join(ROOT, 'node_modules', 'json-server', 'lib', 'cli', 'bin.js');
const LOCUST_SKIP = existsSync(join(ROOT, '.venv-locust', 'bin', 'locust')) ? undefined : 'Locust is not installed: bash scripts/setup.sh';
const ENGINES: Array<{ name: string; skip?: string }> = [
  { name: 'autocannon' },
  { name: 'artillery' },
  { name: 'k6', ...(k6SkipReason ? { skip: k6SkipReason } : {}) },
  { name: 'locust', ...(LOCUST_SKIP ? { skip: LOCUST_SKIP } : {}) },
];

interface JsonServer {
  child: ChildProcess;
  url: string;
  db: string;
  /** json-server's request log: "POST /items 201 ..." lines. */
  log: () => string;
}

async function startJsonServer(dir: string): Promise<JsonServer> {
  const db = join(dir, 'db.json');
  await writeFile(db, JSON.stringify({ items: [] }));
  const port = await freePort();
  const child = spawn(process.execPath, [JSON_SERVER, '--host', '127.0.0.1', '--port', String(port), db], {
    cwd: dir,
    // json-server leaves its request log out when NODE_ENV is "test" (as vitest sets it).
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const answered = await fetch(`${url}/items`).then((response) => response.ok, () => false);
    if (answered) break;
    if (child.exitCode !== null) throw new Error(`json-server exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Its request log (morgan's "dev" format) colours the status: without the colour codes.
  // eslint-disable-next-line no-control-regex
  return { child, url, db, log: () => output.replace(/\x1b\[[0-9;]*m/g, '') };
}

async function stop(server: JsonServer | undefined): Promise<void> {
  const child = server?.child;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

const SCENARIO = (url: string) => `
name: json-server-items
description: Create an item, read it back by the id json-server gave it, check its fields.
target:
  url: ${url}
  headers:
    accept: application/json
model: closed
maxUsers: 2
startTarget: 2
thinkTime: 50ms
stages:
  - { duration: 5, target: 2 }
variables:
  itemName: { list: [lamp, chair, desk] }
flow:
  - name: create-item
    method: POST
    path: /items
    body: { json: { name: "{{itemName}}", price: 12 } }
    capture:
      id: { json: id }
    checks:
      - { status: 201 }
  - name: read-item
    path: /items/{{id}}
    checks:
      - { status: 200 }
      - { jsonPath: price, equals: 12 }
      - { jsonPath: name, exists: true }
slos: none
`;

describe('json-server, an open-source target from the npm registry, on every installed engine', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'capacity-json-server-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const engine of ENGINES) {
    it.skipIf(engine.skip !== undefined)(`${engine.name}: creates, captures the id, reads it back and checks it (or, where the engine has no flows yet, refuses before any load naming them)${engine.skip ? ` [skipped: ${engine.skip}]` : ''}`, async () => {
      const dir = await mkdtemp(join(work, `${engine.name}-`));
      const server = await startJsonServer(dir);
      try {
        const scenario = join(dir, 'items.yaml');
        await writeFile(scenario, SCENARIO(server.url));
        const resultsDir = join(dir, 'results');
        const run = await runCapacity(['run', '--scenario', scenario, '--engine', engine.name, '--quiet', '--results-dir', resultsDir], { cwd: dir, env: { ...process.env }, now: () => new Date() });
        if (run.code === 2 && /cannot run this plan/.test(run.stderr)) {
          // An engine that does not run flows yet must say so, naming the feature, before any load.
          console.warn(`${engine.name} refused the flow: ${run.stderr.split('\n')[0] ?? ''}`);
          expect(run.stderr).toMatch(/flows|captures|checks/);
          expect(server.log()).not.toMatch(/POST \/items|GET \/items\/\d/);
          expect(existsSync(resultsDir)).toBe(false);
          return;
        }
        expect(run.code, run.stderr).toBe(0);
        const [id] = await readdir(resultsDir);
        const result = JSON.parse(await readFile(join(resultsDir, id as string, 'result.json'), 'utf8')) as {
          totals: { requests: number; errors: number };
          endpoints: Array<{ name: string; requests: number; errors: number }>;
        };
        const byName = new Map(result.endpoints.map((endpoint) => [endpoint.name, endpoint]));
        expect(byName.get('create-item')?.requests ?? 0).toBeGreaterThan(0);
        expect(byName.get('read-item')?.requests ?? 0).toBeGreaterThan(0);
        // Every check held: each read found the item its own create made.
        expect(result.totals.errors).toBe(0);

        const stored = (JSON.parse(await readFile(server.db, 'utf8')) as { items: Array<{ id: number; name: string; price: number }> }).items;
        const created = new Set(stored.map((item) => item.id));
        expect(stored.length).toBeGreaterThan(0);
        expect(stored.every((item) => ['lamp', 'chair', 'desk'].includes(item.name) && item.price === 12)).toBe(true);
        // json-server's own log: every read named an id it had handed out.
        const reads = [...server.log().matchAll(/GET \/items\/(\d+) (\d{3})/g)].map((match) => ({ id: Number(match[1]), status: Number(match[2]) }));
        expect(reads.length).toBeGreaterThan(0);
        for (const read of reads) {
          expect(created.has(read.id), `GET /items/${read.id}`).toBe(true);
          expect(read.status).toBe(200);
        }
        const posts = [...server.log().matchAll(/POST \/items (\d{3})/g)].map((match) => Number(match[1]));
        expect(posts.length).toBe(stored.length);
        expect(posts.every((status) => status === 201)).toBe(true);
      } finally {
        await stop(server);
      }
    });
  }
});
