import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapacity, type CliRun } from './support/cli.js';
import { sizeReportJsonSchema } from '../../src/sizing/report-json-schema.js';
import { REPORT_STYLE } from '../../src/core/html.js';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

// `capacity size` run in-process through the real CLI (commander, option parsing, catalogs on
// disk, renderers), as a user would, with injected streams.

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'capacity-size-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function capacity(...argv: string[]): Promise<CliRun> {
  return runCapacity(argv, { cwd: workDir });
}

/** Validates a value against the subset of JSON Schema that z.toJSONSchema emits here. */
function validate(schema: Record<string, unknown>, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const type = schema.type as string | string[] | undefined;
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (type) {
    const allowed = Array.isArray(type) ? type : [type];
    const actual = typeOf(value);
    const ok = allowed.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [`${at}: expected ${allowed.join('|')}, got ${actual}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${at}: expected ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${at}: ${String(value)} not in ${schema.enum.join(', ')}`);
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
  if (typeof schema.maximum === 'number' && typeof value === 'number' && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in record)) errors.push(`${at}.${key}: required`);
    for (const [key, child] of Object.entries(record)) {
      if (properties[key]) errors.push(...validate(properties[key]!, child, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${key}: not allowed`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties as Record<string, unknown>, child, `${at}.${key}`));
    }
  }
  if (Array.isArray(value)) {
    const prefix = schema.prefixItems as Array<Record<string, unknown>> | undefined;
    value.forEach((item, i) => {
      const itemSchema = prefix?.[i] ?? (schema.items as Record<string, unknown> | undefined);
      if (itemSchema) errors.push(...validate(itemSchema, item, `${at}[${i}]`));
    });
  }
  return errors;
}

describe('capacity size', () => {
  it('prints the three providers\' totals for 1M users with no stack and no network', async () => {
    const run = await capacity('size', '--users', '1000000');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const name of ['Amazon Web Services', 'DigitalOcean', 'Hetzner Cloud']) expect(run.stdout).toContain(name);
    expect(run.stdout).toMatch(/Monthly total per provider/);
    expect(run.stdout).toMatch(/€[\d.,]+ \(\$[\d.,]+\)/); // Hetzner in EUR and USD
    expect(run.stdout).toMatch(/Assumptions/);
    expect(run.stdout).toMatch(/concurrencyRatio\s+0\.01/);
    // The report says where the demand figures come from, and flags them only when the shipped calibration is provisional.
    expect(run.stdout).toMatch(/calibration: shipped default, scenario \w+/);
    const shipped = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'src/sizing/default-calibration.json'), 'utf8')) as { provisional: boolean };
    if (shipped.provisional) expect(run.stdout).toMatch(/PROVISIONAL/);
    else expect(run.stdout).not.toMatch(/PROVISIONAL/);
  });

  it('writes JSON that validates against the published schema, which is current', async () => {
    const published = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../docs/schema/size-report.json'), 'utf8')) as Record<string, unknown>;
    expect(published).toEqual(JSON.parse(JSON.stringify(sizeReportJsonSchema())));
    const run = await capacity('size', '--users', '250000', '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { providers: Array<{ provider: string; totalMonthlyUsd: number }>; costCurve: unknown[] };
    expect(validate(published, report)).toEqual([]);
    expect(report.providers.map((p) => p.provider)).toEqual(['aws', 'digitalocean', 'hetzner']);
    // the validator does catch a wrong document
    expect(validate(published, { ...report, providers: 'none' }).length).toBeGreaterThan(0);
  });

  it('filters providers and applies overrides, printing where each value came from', async () => {
    const run = await capacity('size', '--users', '2000000', '--provider', 'hetzner', '--eur-usd', '1.2', '--think-time', '4', '--set', 'averageToPeak=0.5', '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { providers: Array<{ provider: string; totalMonthly: number; totalMonthlyUsd: number }>; assumptions: Array<{ name: string; value: number; origin: string }>; workload: { peakRps: number } };
    expect(report.providers.map((p) => p.provider)).toEqual(['hetzner']);
    expect(report.providers[0]!.totalMonthlyUsd).toBeCloseTo(report.providers[0]!.totalMonthly * 1.2, 6);
    const think = report.assumptions.find((a) => a.name === 'thinkTimeS')!;
    expect(think).toMatchObject({ value: 4, origin: 'option' });
    expect(report.assumptions.find((a) => a.name === 'averageToPeak')).toMatchObject({ value: 0.5, origin: 'option' });
    expect(report.workload.peakRps).toBeCloseTo(20_000 / 4.05, 6);
  });

  it('writes self-contained HTML with SVG charts and Markdown to files', async () => {
    const html = await capacity('size', '--users', '1000000', '--format', 'html', '--out', 'report.html');
    expect(html.code).toBe(0);
    const text = await readFile(path.join(workDir, 'report.html'), 'utf8');
    expect(text).toMatch(/^<!doctype html>/);
    expect((text.match(/<svg /g) ?? []).length).toBe(2);
    expect(text).not.toMatch(/<script|<link|<img|\ssrc=/); // nothing fetched from the network (sources are plain links)
    // Styled like the run report: its stylesheet, embedded.
    expect(text).toContain(`<style>${REPORT_STYLE}</style>`);
    const md = await capacity('size', '--users', '1000000', '--format', 'markdown');
    expect(md.stdout).toMatch(/^# Sizing for 1,000,000 users/);
    expect(md.stdout).toMatch(/\| tier \| item \| type \|/);
  });

  it('rejects bad input with exit 2 and lists every problem', async () => {
    const zero = await capacity('size', '--users', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--users: must be at least 1 user, got 0/);
    const negative = await capacity('size', '--users', '-5', '--concurrency-ratio', '1.5', '--provider', 'aws,gcp', '--format', 'pdf');
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/--users: must be at least 1 user, got -5/);
    expect(negative.stderr).toMatch(/concurrencyRatio.*must be ≤ 1/);
    expect(negative.stderr).toMatch(/unknown provider "gcp"/);
    expect(negative.stderr).toMatch(/--format: unknown format "pdf"/);
    const missing = await capacity('size');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--users: required/);
    const unknown = await capacity('size', '--users', '10', '--set', 'nonsense=3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown assumption "nonsense"/);
  });

  it('says what is wrong with each bad user count, exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      ['abc', /--users: "abc" is not a number/],
      ['1e400', /--users: 1e400 is too large: it is beyond any finite number/],
      ['0x10', /--users: "0x10" is written in hexadecimal, octal or binary; give the number of users in decimal/],
      ['2.5', /--users: must be a whole number of users, got 2\.5/],
    ];
    for (const [value, message] of cases) {
      const run = await capacity('size', '--users', value);
      expect(run.code, value).toBe(2);
      expect(run.stderr, value).toMatch(message);
      expect(run.stderr, value).not.toMatch(/at .*\.js:\d+/); // no stack trace
    }
  });

  it('a malformed --prices catalog exits 2 naming the file, line and field', async () => {
    const file = path.join(workDir, 'bad-prices.yaml');
    await writeFile(file, [
      'provider: aws', 'name: mine', 'currency: USD', 'region: us-east-1', 'readAt: "2026-11-01"', 'freshnessDays: 90', 'hoursPerMonth: 730',
      'sources:', '  - { id: Q, title: quote, url: "https://example.invalid/q", date: "2026-11-01" }',
      'servers:', '  - { type: x1.big, vcpu: 0, memoryGiB: 8, cpu: dedicated, price: { figure: 0.1, unit: USD/day, source: Q, date: "2026-11-01" } }', '',
    ].join('\n'));
    const run = await capacity('size', '--users', '1000', '--prices', 'bad-prices.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/invalid price catalog .*bad-prices\.yaml/);
    expect(run.stderr).toMatch(/bad-prices\.yaml:11: servers\.0\.vcpu/);
    expect(run.stderr).toMatch(/bad-prices\.yaml:11: servers\.0\.price\.unit/);
  });

  it('a --prices file extends the catalog: a new cheaper type is chosen', async () => {
    const file = path.join(workDir, 'extra.yaml');
    await writeFile(file, [
      'provider: hetzner', 'name: Hetzner Cloud', 'currency: EUR', 'region: test', 'readAt: "2026-11-20"', 'freshnessDays: 90', 'hoursPerMonth: 730',
      'sources:', '  - { id: T, title: a quote for this test, url: "https://example.invalid/t", date: "2026-11-20" }',
      'servers:', '  - { type: test-small, vcpu: 2, memoryGiB: 4, cpu: shared, price: { figure: 1, unit: EUR/month, source: T, date: "2026-11-20" } }',
      'exchange: { eurUsd: 1.1, source: T, date: "2026-11-20", freshnessDays: 30 }', '',
    ].join('\n'));
    const run = await capacity('size', '--users', '100000', '--provider', 'hetzner', '--prices', 'extra.yaml', '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { providers: Array<{ lines: Array<{ tier: string; type: string }> }> };
    expect(report.providers[0]!.lines.find((l) => l.tier === 'app')!.type).toBe('test-small');
  });

  it('--calibration reads a run; a run without a calibration block exits 2', async () => {
    await mkdir(path.join(workDir, 'results', 'nocal'), { recursive: true });
    await writeFile(path.join(workDir, 'results', 'nocal', 'result.json'), JSON.stringify({ id: 'nocal' }));
    const bad = await capacity('size', '--users', '1000', '--calibration', 'results/nocal');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no calibration block/);

    await mkdir(path.join(workDir, 'results', 'run1'), { recursive: true });
    const calibration = {
      window: { fromS: 30, toS: 90 },
      throughputRps: 800,
      bytesPerResponse: 1500,
      tiers: [
        { tier: 'app', instances: 3, cpuSecondsPerRequest: { value: 0.0025, min: 0.0024, max: 0.0026, stdev: 0.00005 }, coresBusy: 2, memoryBytesPerInstance: 150e6 },
        { tier: 'postgres', instances: 1, cpuSecondsPerRequest: { value: 0.0008, min: 0.0007, max: 0.0009, stdev: 0.00005 }, coresBusy: 0.64, memoryBytesPerInstance: 500e6 },
        { tier: 'redis', instances: 1, cpuSecondsPerRequest: { value: 0.00005, min: 0.00004, max: 0.00006, stdev: 0.000005 }, coresBusy: 0.04, memoryBytesPerInstance: 50e6, memoryBytesPerUser: 900 },
      ],
      usl: { sigma: 0.04, kappa: 0.0002, lambda: 400, nStar: Math.sqrt(0.96 / 0.0002), points: [[1, 400], [2, 770]] },
    };
    await writeFile(path.join(workDir, 'results', 'run1', 'result.json'), JSON.stringify({ id: 'run1', createdAt: '2026-11-22T11:00:00Z', scenario: { name: 'stepped' }, calibration }));
    const run = await capacity('size', '--users', '1000000', '--calibration', 'results/run1', '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { calibration: { kind: string; scenario: string; provisional: boolean }; usl: { origin: string; sigma: number }; needs: { app: { busyCores: number }; postgres: { busyCores: number } }; workload: { peakRps: number } };
    expect(report.calibration).toMatchObject({ kind: 'run', scenario: 'stepped', provisional: false });
    expect(report.usl).toMatchObject({ origin: 'calibration', sigma: 0.04 });
    expect(report.needs.app.busyCores).toBeCloseTo(report.workload.peakRps * 0.0025, 9); // U = X·D
    expect(report.needs.postgres.busyCores).toBeCloseTo(report.workload.peakRps * 0.0008, 9);
  });

  it('--region prices in a region a catalog holds; any other is refused by name with the known ones', async () => {
    const run = await capacity('size', '--users', '1000000', '--region', 'hetzner=nbg1,aws=us-east-1', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { providers: Array<{ provider: string; region: string }> };
    expect(Object.fromEntries(report.providers.map((p) => [p.provider, p.region]))).toEqual({ aws: 'us-east-1', digitalocean: 'nyc1', hetzner: 'nbg1' });
    const unknown = await capacity('size', '--users', '1000000', '--region', 'aws=eu-west-1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--region aws=eu-west-1: no catalog holds aws prices for "eu-west-1" (known regions: aws: us-east-1; digitalocean: nyc1; hetzner: fsn1, nbg1, hel1)');
    const malformed = await capacity('size', '--users', '1000000', '--region', 'eu-west-1');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--region: "eu-west-1" is not provider=region (e.g. aws=us-east-1)');
  });

  it('warns on stderr and in the report when the calibration is weak: short, few requests, generator-bound', async () => {
    await mkdir(path.join(workDir, 'results', 'weak'), { recursive: true });
    const calibration = {
      window: { fromS: 5, toS: 35 },
      throughputRps: 200,
      tiers: [{ tier: 'app', instances: 3, cpuSecondsPerRequest: { value: 0.002, min: 0.0019, max: 0.0021, stdev: 0.00005 }, coresBusy: 0.4, memoryBytesPerInstance: 150e6 }],
    };
    const generator = { cpuPercentMean: 98, cpuPercentMax: 100, rssBytesMax: 2e8, saturated: true, reasons: ['the generator used 98 % of a core'] };
    await writeFile(path.join(workDir, 'results', 'weak', 'result.json'), JSON.stringify({ id: 'weak', createdAt: '2026-11-22T11:00:00Z', scenario: { name: 'smoke' }, generator, calibration }));
    const run = await capacity('size', '--users', '100000', '--calibration', 'results/weak');
    expect(run.code).toBe(0);
    const warnings = run.stderr.trim().split('\n');
    expect(warnings).toEqual([
      'warning: weak calibration: its steady window is 30 s, shorter than 60 s; run the calibration longer (--duration)',
      'warning: weak calibration: 6,000 requests in its steady window, fewer than 10,000; run it longer or at a higher rate',
      expect.stringMatching(/^warning: weak calibration: the load generator was saturated in that run \(the generator used 98 % of a core\)/),
    ]);
    for (const warning of warnings) expect(run.stdout).toContain(warning);
    const json = JSON.parse((await capacity('size', '--users', '100000', '--calibration', 'results/weak', '--json')).stdout) as { warnings: string[]; calibration: { generator: unknown } };
    expect(json.warnings).toHaveLength(3);
    expect(json.calibration.generator).toEqual({ saturated: true, reasons: ['the generator used 98 % of a core'] });
  });

  it('the text report keys its source letters and lists the gaps behind a self-hosted tier', async () => {
    const run = await capacity('size', '--users', '1000000', '--provider', 'aws');
    // burstable RDS classes are left out of peak sizing by default, so PostgreSQL is self-hosted on EC2
    expect(run.stdout).toMatch(/^postgres\s+self-hosted PostgreSQL\s+\S+\s+\d+\s+\d+ %\s+\$[\d,.]+\s+K\s+self-hosted/m);
    expect(run.stdout).toMatch(/^ {2}source K: aws\/karpenter-provider-aws .*\(\d{4}-\d{2}-\d{2}\)$/m);
    expect(run.stdout).toMatch(/^ {2}gap: RDS for PostgreSQL db\.m7g\.large.*self-hosted on EC2$/m);
    expect(run.stdout).toMatch(/^ {2}note: burstable offers left out of peak sizing/m);
    // with burstable offers allowed, the 1 GB-class RDS instances come back
    const burstable = await capacity('size', '--users', '1000000', '--provider', 'aws', '--set', 'burstableForPeak=1');
    expect(burstable.stdout).toMatch(/^postgres\s+managed PostgreSQL\s+db\.t/m);
  });
});
