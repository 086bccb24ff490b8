/**
 * What the any-API tests share (any-api.test.ts, any-api-locust-workers.test.ts): the scenarios
 * they load the any-API server with, a `capacity run` with the secret in its environment that
 * returns the result and every file it left, and the check that a secret or token is nowhere.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCapacity } from './cli.js';

/** The environment variable the scenarios read their API key from. */
export const SECRET_ENV = 'ANY_API_SECRET';

/** Each row of unique.csv once (order: unique), an open plan of `arrivals` per second for 4 s. */
export function uniqueScenario(url: string, name: string, maxUsers: number, arrivals: number): string {
  return `name: ${name}
target:
  url: ${url}
  headers: { x-api-key: "{{apiKey}}" }
model: open
maxUsers: ${maxUsers}
stages:
  - { duration: 4s, target: ${arrivals} }
variables:
  apiKey: { env: ${SECRET_ENV} }
  row: { csv: unique.csv, order: unique }
requests:
  - { name: customer, path: "/customers/{{row.id}}" }
slos: none
requestTimeout: 5s
`;
}

/**
 * A pool of `poolSize` sign-ins (emails from customers.csv) before an open plan of `arrivals` per
 * second for 4 s: every POST /orders carries one of the pool's tokens.
 */
export function poolScenario(url: string, name: string, poolSize: number, arrivals: number): string {
  return `name: ${name}
target:
  url: ${url}
  headers: { x-api-key: "{{apiKey}}" }
model: open
maxUsers: 4
stages:
  - { duration: 4s, target: ${arrivals} }
variables:
  apiKey: { env: ${SECRET_ENV} }
  customer: { csv: customers.csv, order: sequential }
auth:
  per: pool
  poolSize: ${poolSize}
  login:
    path: /login
    body: { json: { email: "{{customer.email}}" } }
    capture: { token: { json: accessToken } }
requests:
  - name: order
    method: POST
    path: /orders
    headers: { authorization: "Bearer {{token}}" }
    body: { json: { customer: "{{customer.id}}" } }
    expectStatus: [201]
slos: none
requestTimeout: 5s
`;
}

export interface RunWithFiles<R> {
  code: number;
  stdout: string;
  stderr: string;
  result?: R;
  files: string[];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir)) {
    const full = join(dir, entry);
    if ((await stat(full)).isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

/** `capacity run --scenario <dir>/<file> <args>` with `secret` in its environment; the result and every file it left. */
export async function runWithSecret<R>(dir: string, file: string, args: string[], secret: string, resultsName: string): Promise<RunWithFiles<R>> {
  const resultsDir = join(dir, resultsName);
  const run = await runCapacity(['run', '--scenario', join(dir, file), ...args, '--results-dir', resultsDir], {
    cwd: dir,
    env: { ...process.env, [SECRET_ENV]: secret, CI: '1' },
    now: () => new Date(),
  });
  if (!existsSync(resultsDir)) return { ...run, files: [] };
  const files = await filesUnder(resultsDir);
  const resultFile = files.find((name) => name.endsWith('result.json'));
  return { ...run, files, ...(resultFile ? { result: JSON.parse(await readFile(resultFile, 'utf8')) as R } : {}) };
}

/** The secret, and every token the server issued (`tokens`), in no file of the result folder nor in the output. */
export async function expectNowhere(run: { stdout: string; stderr: string; files: string[] }, secret: string, tokens: string[] = []): Promise<void> {
  expect(run.files.length).toBeGreaterThan(1);
  for (const value of [secret, ...tokens]) {
    const what = value === secret ? 'the secret' : `token ${value}`;
    for (const file of run.files) expect((await readFile(file)).includes(value), `${file} holds ${what}`).toBe(false);
    expect(run.stdout.includes(value), `stdout holds ${what}`).toBe(false);
    expect(run.stderr.includes(value), `stderr holds ${what}`).toBe(false);
  }
}
