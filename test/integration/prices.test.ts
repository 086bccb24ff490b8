import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCapacity, type CliRun } from './support/cli.js';
import { builtInCatalogDir } from '../../src/sizing/catalog-load.js';

// `capacity prices` and `capacity prices refresh`, run through the CLI. The providers' APIs cannot
// be reached here, so a local HTTP server on 127.0.0.1 speaks their wire formats from recorded
// response shapes (test/fixtures/prices/) and checks what the client sends.

const fixtures = path.resolve(import.meta.dirname, '../fixtures/prices');
let server: Server;
let base: string;
let workDir: string;
const seen: Array<{ method: string; url: string; authorization?: string; target?: string }> = [];

async function fixture(name: string): Promise<string> {
  return (await readFile(path.join(fixtures, name), 'utf8')).replaceAll('{{BASE}}', `${base}/do`);
}

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'capacity-prices-'));
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    seen.push({ method: request.method ?? '', url: url.pathname + url.search, authorization: request.headers.authorization, target: request.headers['x-amz-target'] as string | undefined });
    const send = (status: number, text: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(text);
    };
    if (url.pathname.startsWith('/do/') || url.pathname.startsWith('/hcloud/')) {
      if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) return send(401, '{"id":"unauthorized","message":"Unable to authenticate you"}');
    }
    if (url.pathname === '/do/v2/sizes') return send(200, await fixture(url.searchParams.get('page') === '2' ? 'do-sizes-page2.json' : 'do-sizes-page1.json'));
    if (url.pathname === '/hcloud/server_types') return send(200, await fixture('hcloud-server_types.json'));
    if (url.pathname === '/hcloud/load_balancer_types') return send(200, await fixture('hcloud-load_balancer_types.json'));
    if (url.pathname === '/hcloud/pricing') return send(200, await fixture('hcloud-pricing.json'));
    if (url.pathname === '/aws/' && request.method === 'POST') {
      if (!/^AWS4-HMAC-SHA256 Credential=AKIATEST\/\d{8}\/us-east-1\/pricing\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(request.headers.authorization ?? '')) {
        return send(403, '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}');
      }
      if (request.headers['x-amz-target'] !== 'AWSPriceListService.GetProducts') return send(400, '{"__type":"UnknownOperationException"}');
      const query = JSON.parse(await body(request)) as { ServiceCode: string; Filters: Array<{ Field: string; Value: string }> };
      const { products } = JSON.parse(await fixture('aws-products.json')) as { products: Array<{ serviceCode: string; product: { attributes: Record<string, string> } }> };
      const matching = products.filter((p) => p.serviceCode === query.ServiceCode && query.Filters.every((f) => p.product.attributes[f.Field] === undefined || p.product.attributes[f.Field] === f.Value));
      return send(200, JSON.stringify({ FormatVersion: 'aws_v1', PriceList: matching.map((p) => JSON.stringify(p)) }));
    }
    send(404, '{"message":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(workDir, { recursive: true, force: true });
});

function capacity(env: Record<string, string>, now: Date, ...argv: string[]): Promise<CliRun> {
  return runCapacity(argv, { cwd: workDir, env, now: () => now });
}

async function freshCatalogs(name: string): Promise<string> {
  const dir = path.join(workDir, name);
  await cp(builtInCatalogDir(), dir, { recursive: true });
  return dir;
}

const today = new Date('2026-11-22T12:00:00Z');

describe('capacity prices', () => {
  it('lists the catalogs with their age and flags stale ones', async () => {
    const run = await capacity({}, today, 'prices', '--format', 'json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ provider: string; stale: boolean; ageDays: number; freshnessDays: number; oldestPriceDate: string }>;
    expect(rows.map((r) => r.provider)).toEqual(['aws', 'digitalocean', 'hetzner']);
    for (const r of rows) expect(r.stale).toBe(r.ageDays > r.freshnessDays);
    // a year later every catalog is stale
    const later = await capacity({}, new Date('2027-12-01T00:00:00Z'), 'prices');
    expect(later.code).toBe(0);
    expect(later.stdout.match(/— STALE/g)?.length).toBe(3);
    // the EUR→USD rate ages like a price
    expect(later.stdout).toMatch(/exchange: 1 EUR = [\d.]+ USD, \d{4}-\d{2}-\d{2}, \d+ days old \(freshness \d+ days\) \(STALE/);
    expect(later.stdout).toMatch(/hint: capacity prices refresh/);
  });

  it('refresh without credentials exits 3 with a hint', async () => {
    const run = await capacity({}, today, 'prices', 'refresh');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no API credentials/);
    expect(run.stderr).toMatch(/hint: set DIGITALOCEAN_TOKEN/);
  });

  it('refreshes DigitalOcean and Hetzner from their APIs, keeping source and date per price', async () => {
    const dir = await freshCatalogs('do-hetzner');
    const env = { DIGITALOCEAN_TOKEN: 'dop_v1_test', HCLOUD_TOKEN: 'hcloud-test', CAPACITY_DO_API_URL: `${base}/do`, CAPACITY_HCLOUD_API_URL: `${base}/hcloud` };
    const run = await capacity(env, today, 'prices', 'refresh', '--catalog-dir', dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/skipped aws: no API credentials/);
    expect(run.stdout).toMatch(/digitalocean: \d+ updated, 1 added/);
    expect(seen.some((s) => s.url === '/do/v2/sizes?page=2&per_page=200')).toBe(true); // followed links.pages.next

    const doCatalog = parse(await readFile(path.join(dir, 'digitalocean.yaml'), 'utf8')) as { readAt: string; servers: Array<{ type: string; price: { figure: number; source: string; date: string } }>; sources: Array<{ id: string; date: string }> };
    expect(doCatalog.readAt).toBe('2026-11-22');
    const basic = doCatalog.servers.find((s) => s.type === 's-2vcpu-4gb')!;
    expect(basic.price).toMatchObject({ figure: 24, source: 'do-api', date: '2026-11-22' });
    expect(doCatalog.servers.find((s) => s.type === 'm-2vcpu-16gb')).toBeDefined();
    // a type the API did not return keeps its old source and date
    expect(doCatalog.servers.find((s) => s.type === 'c-2')!.price.source).toBe('H');
    expect(doCatalog.sources.find((s) => s.id === 'do-api')?.date).toBe('2026-11-22');

    const hz = parse(await readFile(path.join(dir, 'hetzner.yaml'), 'utf8')) as { servers: Array<{ type: string; price: { figure: number; source: string } }>; loadBalancers: Array<{ type: string; maxConnections: number; price: { figure: number } }>; storage: { block: { figure: number; source: string } } };
    expect(hz.servers.find((s) => s.type === 'cx33')!.price).toMatchObject({ figure: 8.49, source: 'hcloud-api' });
    expect(hz.servers.some((s) => s.type === 'cx11')).toBe(false); // deprecated types are not added
    expect(hz.loadBalancers.map((l) => l.type).sort()).toEqual(['lb11', 'lb21']);
    expect(hz.storage.block).toMatchObject({ figure: 0.0572, source: 'hcloud-api' });

    // the refreshed catalogs load (compiled copies current) and size
    const sized = await capacity({}, today, 'size', '--users', '500000', '--provider', 'do,hetzner', '--prices', path.join(dir, 'hetzner.yaml'), '--format', 'json');
    expect(sized.code, sized.stderr).toBe(0);
    const listed = await capacity({}, today, 'prices', '--catalog-dir', dir, '--provider', 'do', '--format', 'json');
    expect((JSON.parse(listed.stdout) as Array<{ stale: boolean }>)[0]!.stale).toBe(false);
  });

  it('refreshes AWS through the Price List GetProducts API with signed requests', async () => {
    const dir = await freshCatalogs('aws');
    const env = { AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'secret', CAPACITY_AWS_PRICING_URL: `${base}/aws/` };
    const run = await capacity(env, today, 'prices', 'refresh', '--provider', 'aws', '--catalog-dir', dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/aws: .* 1 not found in the API \(c7g\.xlarge\)/);
    expect(seen.filter((s) => s.target === 'AWSPriceListService.GetProducts').length).toBeGreaterThan(20);
    const aws = parse(await readFile(path.join(dir, 'aws.yaml'), 'utf8')) as { servers: Array<{ type: string; price: { figure: number; source: string; date: string } }>; managedPostgres: Array<{ type: string; haPrice?: { figure: number; source: string; derived?: boolean } }> };
    expect(aws.servers.find((s) => s.type === 't3.small')!.price).toMatchObject({ figure: 0.0208, source: 'aws-price-list', date: '2026-11-22' });
    expect(aws.servers.find((s) => s.type === 'c7g.xlarge')!.price.source).toBe('K');
    const t4g = aws.managedPostgres.find((d) => d.type === 'db.t4g.medium')!;
    expect(t4g.haPrice).toMatchObject({ figure: 0.13, source: 'aws-price-list' });
    // a Multi-AZ price the API did not return stays as it was (derived, with its own source)
    expect(aws.managedPostgres.find((d) => d.type === 'db.t3.large')!.haPrice).toMatchObject({ source: 'I', derived: true });
  });

  it('an explicit provider without credentials exits 3; an API error exits 4 and leaves the catalog alone', async () => {
    const missing = await capacity({ HCLOUD_TOKEN: 'x' }, today, 'prices', 'refresh', '--provider', 'do');
    expect(missing.code).toBe(3);
    const dir = await freshCatalogs('broken');
    const before = await readFile(path.join(dir, 'hetzner.yaml'), 'utf8');
    const failed = await capacity({ HCLOUD_TOKEN: 'x', CAPACITY_HCLOUD_API_URL: `${base}/nowhere` }, today, 'prices', 'refresh', '--provider', 'hetzner', '--catalog-dir', dir);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/refreshing hetzner prices failed: GET .*HTTP 404/);
    expect(await readFile(path.join(dir, 'hetzner.yaml'), 'utf8')).toBe(before);
  });
});
