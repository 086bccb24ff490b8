import { describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { builtInCatalogPath, compiledIsCurrent, loadCatalogs, mergeCatalog } from './catalog-load.js';
import { parseCatalogText as parseCatalog } from './catalog-parse.js';
import { readFile } from 'node:fs/promises';
import { catalogRegions, inRegion, parseRegionList, PROVIDERS, regionProblems } from './catalog-price.js';
import { monthly } from './catalog-schema.js';

describe('built-in catalogs', () => {
  it('load and validate, every price with a declared source', async () => {
    const catalogs = await loadCatalogs();
    expect(catalogs.map((c) => c.provider)).toEqual(['aws', 'digitalocean', 'hetzner']);
    const aws = catalogs[0]!;
    const t3 = aws.servers.find((s) => s.type === 't3.medium')!;
    expect(monthly(t3.price, aws.hoursPerMonth)).toBeCloseTo(0.0416 * 730, 9);
    expect(catalogs[2]!.currency).toBe('EUR');
    expect(catalogs[2]!.exchange?.eurUsd).toBeGreaterThan(0);
  });

  it('have compiled copies that match their YAML (else: node bin/capacity prices compile)', async () => {
    for (const provider of PROVIDERS) {
      const file = builtInCatalogPath(provider);
      expect(await compiledIsCurrent(file), `${file}: run node bin/capacity prices compile`).toBe(true);
      const fromYaml = parseCatalog(await readFile(file, 'utf8'), file);
      const [loaded] = await loadCatalogs({ providers: [provider] });
      expect(loaded).toEqual(fromYaml);
    }
  });
});

const minimal = `provider: aws
name: test
currency: USD
region: us-east-1
readAt: "2026-11-01"
freshnessDays: 90
hoursPerMonth: 730
sources:
  - { id: X, title: t, url: u, date: "2026-11-01" }
servers:
  - { type: a.large, vcpu: 2, memoryGiB: 8, cpu: dedicated, price: { figure: 0.1, unit: USD/hour, source: X, date: "2026-11-01" } }
`;

function errorOf(fn: () => unknown): CapacityError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CapacityError) return error;
    throw error;
  }
  throw new Error('expected a CapacityError');
}

describe('malformed catalogs', () => {
  it('accepts a minimal catalog', () => {
    expect(parseCatalog(minimal, 'mini.yaml').servers).toHaveLength(1);
  });

  it('lists every error with file, line and field, exit code 2', () => {
    const broken = minimal
      .replace('vcpu: 2', 'vcpu: -2')
      .replace('source: X, date', 'source: NOPE, date')
      .replace('freshnessDays: 90', 'freshnessDays: soon');
    const error = errorOf(() => parseCatalog(broken, 'broken.yaml'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('broken.yaml');
    const text = error.details.join('\n');
    expect(text).toMatch(/broken\.yaml:6: freshnessDays:/);
    expect(text).toMatch(/broken\.yaml:11: servers\.0\.vcpu:/);
    // a refinement error (unknown source) is reported only once the shape is valid; fix the rest
    const onlySource = minimal.replace('source: X, date', 'source: NOPE, date');
    const sourceError = errorOf(() => parseCatalog(onlySource, 'src.yaml'));
    expect(sourceError.details.join('\n')).toMatch(/src\.yaml:11: servers\.0\.price\.source: unknown source "NOPE"/);
  });

  it('names a wrong currency and a bad unit', () => {
    const wrong = minimal.replace('unit: USD/hour', 'unit: EUR/hour');
    expect(errorOf(() => parseCatalog(wrong, 'c.yaml')).details.join('\n')).toMatch(/servers\.0\.price\.unit: unit EUR\/hour is not in the catalog currency USD/);
    const bad = minimal.replace('unit: USD/hour', 'unit: dollars');
    expect(errorOf(() => parseCatalog(bad, 'u.yaml')).details.join('\n')).toMatch(/u\.yaml:11: servers\.0\.price\.unit/);
  });

  it('reports YAML syntax errors with their line', () => {
    const error = errorOf(() => parseCatalog('provider: aws\nservers: [\n  - oops: {\n', 'syntax.yaml'));
    expect(error.message).toMatch(/malformed price catalog syntax\.yaml/);
    expect(error.details[0]).toMatch(/^syntax\.yaml:\d+: /);
  });

  it('merges an override: same type replaced, new type added', () => {
    const base = parseCatalog(minimal, 'base.yaml');
    const override = parseCatalog(
      minimal.replace('figure: 0.1', 'figure: 0.2').replace('a.large', 'a.large') +
        '  - { type: b.large, vcpu: 4, memoryGiB: 16, cpu: dedicated, price: { figure: 0.3, unit: USD/hour, source: X, date: "2026-11-01" } }\n',
      'over.yaml',
    );
    const merged = mergeCatalog(base, override);
    expect(merged.servers.map((s) => [s.type, s.price.figure])).toEqual([
      ['a.large', 0.2],
      ['b.large', 0.3],
    ]);
  });
});

describe('catalog regions', () => {
  it('are the regions a catalog names and those its prices name', async () => {
    const [aws, digitalocean, hetzner] = await loadCatalogs();
    expect(catalogRegions(aws!)).toEqual(['us-east-1']);
    expect(catalogRegions(digitalocean!)).toEqual(['nyc1']);
    expect(catalogRegions(hetzner!)).toEqual(['fsn1', 'nbg1', 'hel1']);
    const priced = { ...aws!, servers: [...aws!.servers, { ...aws!.servers[0]!, type: 'eu.only', price: { ...aws!.servers[0]!.price, region: 'eu-west-1' } }] };
    expect(catalogRegions(priced)).toEqual(['us-east-1', 'eu-west-1']);
    // In one region, offers priced for another are left out; unregioned prices stay.
    expect(inRegion(priced, 'us-east-1').servers.map((s) => s.type)).not.toContain('eu.only');
    expect(inRegion(priced, 'eu-west-1').servers.map((s) => s.type)).toContain('eu.only');
    expect(inRegion(priced, 'eu-west-1').region).toBe('eu-west-1');
  });

  it('--region is provider=region, and a region no catalog holds is refused by name with the known ones', async () => {
    expect(parseRegionList('aws=us-east-1, hcloud=nbg1')).toEqual({ regions: { aws: 'us-east-1', hetzner: 'nbg1' }, problems: [] });
    expect(parseRegionList('us-east-1,gcp=x,aws=a,aws=b').problems).toEqual([
      '--region: "us-east-1" is not provider=region (e.g. aws=us-east-1)',
      '--region: unknown provider "gcp" (known: aws, do, hetzner)',
      '--region: two regions for aws (a, b): give one',
    ]);
    const catalogs = await loadCatalogs();
    expect(regionProblems(catalogs, { hetzner: 'nbg1' })).toEqual([]);
    expect(regionProblems(catalogs, { aws: 'eu-west-1' })).toEqual([
      '--region aws=eu-west-1: no catalog holds aws prices for "eu-west-1" (known regions: aws: us-east-1; digitalocean: nyc1; hetzner: fsn1, nbg1, hel1)',
    ]);
    expect(regionProblems(catalogs.slice(0, 1), { hetzner: 'nbg1' })).toEqual(['--region hetzner=nbg1: hetzner is not being priced (add it to --provider)']);
  });
});
