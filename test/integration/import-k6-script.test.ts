/**
 * `capacity run --k6-script my.js`: a user's plain k6 script, run as it is, against a loopback
 * server that counts what it serves. k6 is AGPL-3.0 and never fetched here: the run itself needs
 * k6 on PATH and says why it skips otherwise; without k6 the flag is exit 3 with the install hint,
 * and its usage errors are exit 2, both checked everywhere.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapacity } from './support/cli.js';
import { k6SkipReason, k6Title } from './support/k6.js';

const SCRIPT = `
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = { vus: 2, duration: '4s' };

export default function () {
  const response = http.get(__ENV.BASE_URL + '/hello');
  check(response, { 'status is 200': (r) => r.status === 200 });
  sleep(0.05);
}
`;

let work: string;
let server: Server;
let url: string;
let served = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'capacity-k6-script-'));
  await writeFile(join(work, 'plain.js'), SCRIPT);
  server = createServer((request, response) => {
    if (request.url === '/hello') served += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string | undefined> = process.env) => runCapacity(args, { cwd: work, env: { ...env, BASE_URL: url }, now: () => new Date() });

describe('run --k6-script', () => {
  it('without k6 on PATH: exit 3 with the install hint, nothing sent', async () => {
    const before = served;
    const run = await cli(['run', '--k6-script', 'plain.js', '--target', url], { ...process.env, PATH: join(work, 'no-k6-here') });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('k6 was not found: --k6-script runs your script with k6');
    expect(run.stderr).toContain("install k6 from Grafana's packages");
    expect(served).toBe(before);
  });

  it('usage errors are exit 2 before anything: with --scenario, another engine, no --target, neither', async () => {
    const both = await cli(['run', '--k6-script', 'plain.js', '--scenario', 'smoke', '--target', url]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --scenario or --k6-script, not both');
    const engine = await cli(['run', '--k6-script', 'plain.js', '--engine', 'autocannon', '--target', url]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toContain('--k6-script runs with k6, not autocannon');
    const noTarget = await cli(['run', '--k6-script', 'plain.js']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('--k6-script needs --target');
    const neither = await cli(['run', '--target', url]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("required option '-s, --scenario <name|file>' not specified");
  });

  it.skipIf(k6SkipReason !== undefined)(k6Title('runs a plain k6 script as it is and gives it a result, reports and a gate'), async () => {
    served = 0;
    const resultsDir = join(work, 'results');
    const run = await cli(['run', '--k6-script', 'plain.js', '--target', url, '--quiet', '--results-dir', resultsDir, '--update-baseline', join(work, 'baseline.json')]);
    expect(run.code, run.stderr).toBe(0);
    const [id] = await readdir(resultsDir);
    const result = JSON.parse(await readFile(join(resultsDir, id as string, 'result.json'), 'utf8')) as {
      scenario: { name: string };
      engine: { name: string; notes: string[] };
      totals: { requests: number; errors: number };
      endpoints: Array<{ name: string; requests: number }>;
    };
    expect(result.scenario.name).toBe('k6-plain');
    expect(result.engine.name).toBe('k6');
    expect(result.totals.errors).toBe(0);
    // What the server served is what k6 reported (requests cut off at the end aside).
    expect(result.totals.requests).toBeGreaterThan(0);
    expect(result.totals.requests).toBeLessThanOrEqual(served);
    expect(result.totals.requests).toBeGreaterThanOrEqual(served - 2);
    expect(result.endpoints.map((endpoint) => endpoint.name)).toEqual([`${url}/hello`]);
    const report = await cli(['report', join(resultsDir, id as string), '--format', 'markdown']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('k6-plain');
    expect(JSON.parse(await readFile(join(work, 'baseline.json'), 'utf8'))).toBeTruthy();
  });
});
