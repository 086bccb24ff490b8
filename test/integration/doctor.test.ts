import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { ProcessContext } from '../../src/core/context.js';
import { k6Binary } from './support/k6.js';

interface Captured {
  ctx: ProcessContext;
  stdout: () => string;
  stderr: () => string;
}

function capture(env: Record<string, string | undefined>): Captured {
  let out = '';
  let err = '';
  const ctx: ProcessContext = {
    env,
    cwd: process.cwd(),
    stdout: { write: (chunk: string) => ((out += chunk), true) },
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    now: () => new Date(),
    signal: new AbortController().signal,
    debug: false,
    projectRoot: env.CAPACITY_PROJECT_ROOT ?? fileURLToPath(new URL('../../', import.meta.url)),
  };
  return { ctx, stdout: () => out, stderr: () => err };
}

interface DoctorJson {
  ok: boolean;
  requiredMissing: string[];
  checks: { name: string; found: boolean; required: boolean; version?: string; path?: string; hint: string }[];
}

const emptyProject = mkdtempSync(join(tmpdir(), 'capacity-doctor-empty-'));
afterAll(() => rmSync(emptyProject, { recursive: true, force: true }));

describe('capacity doctor', () => {
  it('with an empty PATH and an empty project: exit 3, every required one missing with its install hint', async () => {
    const run = capture({ PATH: '', CAPACITY_PROJECT_ROOT: emptyProject });
    const code = await main(['doctor'], run.ctx);
    expect(code).toBe(3);
    const text = run.stdout();
    for (const name of ['autocannon', 'artillery', 'redis-server', 'prometheus']) {
      expect(text).toMatch(new RegExp(`^${name}\\s+\\S+\\s+MISSING`, 'm'));
    }
    // k6 is the user's to install (AGPL-3.0): optional, with Grafana's install path as the hint.
    expect(text).toMatch(/^k6\s+engine\*\s+missing \(optional\)/m);
    expect(text).toContain('install: apt-get install redis-server');
    expect(text).toContain('install: apt-get install prometheus');
    expect(text).toMatch(/install: k6 is not bundled \(it is AGPL-3\.0\): install it from Grafana's packages/);
    expect(text).toContain('install: npm run setup (installs the npm dependencies)');
    expect(text).not.toMatch(/required missing: .*k6/);
  });

  it('--json with an empty PATH lists the same missing checks', async () => {
    const run = capture({ PATH: '', CAPACITY_PROJECT_ROOT: emptyProject });
    expect(await main(['doctor', '--json'], run.ctx)).toBe(3);
    const report = JSON.parse(run.stdout()) as DoctorJson;
    expect(report.ok).toBe(false);
    expect(report.requiredMissing).toEqual(expect.arrayContaining(['autocannon', 'artillery', 'redis-server', 'prometheus']));
    expect(report.requiredMissing).not.toContain('k6');
    for (const check of report.checks.filter((c) => !c.found)) expect(check.hint.length).toBeGreaterThan(5);
  });

  it('on this machine with the real PATH: exit 0 and a version and path for every required one', async () => {
    const run = capture({ PATH: process.env.PATH });
    const code = await main(['doctor', '--json'], run.ctx);
    const report = JSON.parse(run.stdout()) as DoctorJson;
    expect(report.requiredMissing).toEqual([]);
    expect(code).toBe(0);
    for (const check of report.checks.filter((c) => c.required)) {
      expect(check.found, check.name).toBe(true);
      expect(check.version, check.name).toMatch(/^\d+\.\d+/);
      expect(check.path, check.name).toMatch(/^\//);
    }
    const byName = new Map(report.checks.map((c) => [c.name, c]));
    // k6 is reported either way; a version only where the user installed it.
    if (k6Binary) expect(byName.get('k6')?.version).toMatch(/^\d+\./);
    else expect(byName.get('k6')).toMatchObject({ found: false, required: false });
    expect(byName.get('artillery')?.version).toBe('2.0.21');
    expect(byName.get('postgres')?.version).toMatch(/^\d+\.\d+/);
  });

  it('prints the table with the real PATH', async () => {
    const run = capture({ PATH: process.env.PATH });
    expect(await main(['doctor'], run.ctx)).toBe(0);
    expect(run.stdout()).toMatch(/^nginx\s+service\s+ok\s+\d+\.\d+\.\d+\s+\//m);
    expect(run.stdout()).toContain('all required engines and services found');
  });
});
