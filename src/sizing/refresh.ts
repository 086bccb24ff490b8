import { createHash, createHmac } from 'node:crypto';
import type { Catalog, Price, ServerOffer } from './catalog-schema.js';

/**
 * Price refresh from the providers' APIs. Pure updates of a catalog from API responses, plus thin
 * fetchers whose base URL is a parameter (tests point them at a local server speaking the same
 * wire format). Every refreshed figure gets the API as its source and today's date.
 */

export interface FetchLike {
  (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;
}

export interface RefreshOutcome {
  catalog: Catalog;
  updated: string[];
  added: string[];
  unchanged: string[];
  missing: string[];
}

function apiSource(catalog: Catalog, id: string, title: string, url: string, date: string): Catalog['sources'] {
  return [...catalog.sources.filter((s) => s.id !== id), { id, title, url, date }];
}

function priceFrom(figure: number, unit: Price['unit'], source: string, date: string, note?: string): Price {
  return { figure, unit, source, date, ...(note ? { note } : {}) };
}

async function getJson(fetcher: FetchLike, url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
  const response = await fetcher(url, { headers, signal });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return response.json();
}

// ---------------------------------------------------------------- DigitalOcean: GET /v2/sizes

export interface DoSize {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
  description: string;
}

export async function fetchDoSizes(fetcher: FetchLike, baseUrl: string, token: string, signal?: AbortSignal): Promise<DoSize[]> {
  const sizes: DoSize[] = [];
  let url: string | undefined = `${baseUrl.replace(/\/$/, '')}/v2/sizes?per_page=200`;
  for (let page = 0; url && page < 50; page++) {
    const body = (await getJson(fetcher, url, { Authorization: `Bearer ${token}` }, signal)) as { sizes?: DoSize[]; links?: { pages?: { next?: string } } };
    sizes.push(...(body.sizes ?? []));
    url = body.links?.pages?.next;
  }
  return sizes;
}

export function applyDoSizes(catalog: Catalog, sizes: DoSize[], date: string): RefreshOutcome {
  const source = 'do-api';
  const outcome: RefreshOutcome = { catalog, updated: [], added: [], unchanged: [], missing: [] };
  const bySlug = new Map(sizes.filter((s) => s.available).map((s) => [s.slug, s]));
  const servers: ServerOffer[] = catalog.servers.map((server) => {
    const size = bySlug.get(server.type);
    if (!size) { outcome.missing.push(server.type); return server; }
    bySlug.delete(server.type);
    const changed = size.price_monthly !== server.price.figure;
    (changed ? outcome.updated : outcome.unchanged).push(server.type);
    return { ...server, vcpu: size.vcpus, memoryGiB: size.memory / 1024, includedTransferTB: size.transfer, price: priceFrom(size.price_monthly, 'USD/month', source, date) };
  });
  for (const size of bySlug.values()) {
    if (!/^(s|c|g|m)-/.test(size.slug) || size.slug.includes('gpu')) continue;
    outcome.added.push(size.slug);
    servers.push({ type: size.slug, vcpu: size.vcpus, memoryGiB: size.memory / 1024, cpu: /basic/i.test(size.description) ? 'shared' : 'dedicated', includedTransferTB: size.transfer, price: priceFrom(size.price_monthly, 'USD/month', source, date) });
  }
  outcome.catalog = { ...catalog, servers, readAt: date, sources: apiSource(catalog, source, 'DigitalOcean API GET /v2/sizes (price_monthly, transfer)', 'https://docs.digitalocean.com/reference/api/digitalocean/#tag/Sizes', date) };
  return outcome;
}

// ------------------------------------------------ Hetzner: GET /v1/server_types, /load_balancer_types, /pricing

interface HetznerPrice { location: string; price_hourly: { net: string; gross: string }; price_monthly: { net: string; gross: string }; included_traffic?: number; price_per_tb_traffic?: { net: string; gross: string } }
export interface HetznerServerType { name: string; cores: number; memory: number; cpu_type: 'shared' | 'dedicated'; architecture: 'x86' | 'arm'; deprecated?: boolean | null; deprecation?: unknown; prices: HetznerPrice[] }
export interface HetznerLoadBalancerType { name: string; max_connections: number; prices: HetznerPrice[] }
export interface HetznerPricing { currency: string; vat_rate: string; volume: { price_per_gb_month: { net: string; gross: string } } }

async function hetznerPaged<T>(fetcher: FetchLike, baseUrl: string, resource: string, token: string, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let page: number | null = 1;
  for (let guard = 0; page !== null && guard < 50; guard++) {
    const body = (await getJson(fetcher, `${baseUrl.replace(/\/$/, '')}/${resource}?page=${page}&per_page=50`, { Authorization: `Bearer ${token}` }, signal)) as Record<string, unknown> & { meta?: { pagination?: { next_page?: number | null } } };
    items.push(...((body[resource] as T[] | undefined) ?? []));
    page = body.meta?.pagination?.next_page ?? null;
  }
  return items;
}

export async function fetchHetzner(fetcher: FetchLike, baseUrl: string, token: string, signal?: AbortSignal): Promise<{ serverTypes: HetznerServerType[]; loadBalancerTypes: HetznerLoadBalancerType[]; pricing: HetznerPricing }> {
  const [serverTypes, loadBalancerTypes, pricingBody] = await Promise.all([
    hetznerPaged<HetznerServerType>(fetcher, baseUrl, 'server_types', token, signal),
    hetznerPaged<HetznerLoadBalancerType>(fetcher, baseUrl, 'load_balancer_types', token, signal),
    getJson(fetcher, `${baseUrl.replace(/\/$/, '')}/pricing`, { Authorization: `Bearer ${token}` }, signal) as Promise<{ pricing: HetznerPricing }>,
  ]);
  return { serverTypes, loadBalancerTypes, pricing: pricingBody.pricing };
}

export function applyHetzner(catalog: Catalog, data: Awaited<ReturnType<typeof fetchHetzner>>, date: string, location = 'fsn1'): RefreshOutcome {
  const source = 'hcloud-api';
  const outcome: RefreshOutcome = { catalog, updated: [], added: [], unchanged: [], missing: [] };
  const netMonthly = (prices: HetznerPrice[]) => {
    const p = prices.find((x) => x.location === location);
    return p ? Number(p.price_monthly.net) : undefined;
  };
  const types = new Map(data.serverTypes.filter((t) => !t.deprecated && !t.deprecation).map((t) => [t.name, t]));
  const servers: ServerOffer[] = catalog.servers.map((server) => {
    const t = types.get(server.type);
    const figure = t ? netMonthly(t.prices) : undefined;
    if (!t || figure === undefined) { outcome.missing.push(server.type); return server; }
    types.delete(server.type);
    (figure !== server.price.figure ? outcome.updated : outcome.unchanged).push(server.type);
    const included = t.prices.find((x) => x.location === location)?.included_traffic;
    return { ...server, vcpu: t.cores, memoryGiB: t.memory, ...(included ? { includedTransferTB: included / 1024 ** 4 } : {}), price: priceFrom(figure, 'EUR/month', source, date, `net, ${location}`) };
  });
  for (const t of types.values()) {
    const figure = netMonthly(t.prices);
    if (figure === undefined) continue;
    outcome.added.push(t.name);
    const included = t.prices.find((x) => x.location === location)?.included_traffic;
    servers.push({ type: t.name, vcpu: t.cores, memoryGiB: t.memory, cpu: t.cpu_type, arch: t.architecture === 'arm' ? 'arm64' : 'x86_64', ...(included ? { includedTransferTB: included / 1024 ** 4 } : {}), price: priceFrom(figure, 'EUR/month', source, date, `net, ${location}`) });
  }
  const loadBalancers = [...catalog.loadBalancers.filter((lb) => lb.kind !== 'per-node' || !data.loadBalancerTypes.some((t) => t.name === lb.type))];
  for (const t of data.loadBalancerTypes) {
    const figure = netMonthly(t.prices);
    if (figure === undefined) continue;
    const existing = catalog.loadBalancers.find((lb) => lb.type === t.name);
    (existing ? (existing.price.figure !== figure ? outcome.updated : outcome.unchanged) : outcome.added).push(t.name);
    loadBalancers.push({ type: t.name, kind: 'per-node', maxConnections: t.max_connections, price: priceFrom(figure, 'EUR/month', source, date, `net, ${location}`) });
  }
  const volume = Number(data.pricing.volume.price_per_gb_month.net);
  const trafficPrice = data.serverTypes.flatMap((t) => t.prices).find((p) => p.location === location)?.price_per_tb_traffic;
  outcome.catalog = {
    ...catalog,
    servers,
    loadBalancers,
    storage: { ...catalog.storage, block: priceFrom(volume, 'EUR/GB-month', source, date, 'volumes') },
    transfer: { ...catalog.transfer, ...(trafficPrice ? { overage: priceFrom(Number(trafficPrice.net), 'EUR/TB', source, date) } : {}) },
    readAt: date,
    sources: apiSource(catalog, source, `Hetzner Cloud API GET /v1/server_types, /v1/load_balancer_types, /v1/pricing (net, ${location})`, 'https://docs.hetzner.cloud/', date),
    gaps: catalog.gaps.filter((g) => !(/LB21|LB31/.test(g) && data.loadBalancerTypes.some((t) => /lb21|lb31/i.test(t.name)))),
  };
  return outcome;
}

// ------------------------------------------------ AWS Price List Query API: GetProducts (SigV4-signed)

export interface AwsCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Signs a JSON-1.1 POST with AWS Signature Version 4 (service "pricing"). */
export function signAwsRequest(url: URL, body: string, target: string, credentials: AwsCredentials, now: Date, region = 'us-east-1', service = 'pricing'): Record<string, string> {
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', url.pathname || '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), createHash('sha256').update(body).digest('hex')].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

interface AwsProduct { product: { attributes: Record<string, string> }; terms: { OnDemand?: Record<string, { priceDimensions: Record<string, { unit: string; pricePerUnit: { USD?: string } }> }> } }

/** The on-demand hourly USD price of the products matching the filters (first match), or undefined. */
export async function awsHourlyPrice(fetcher: FetchLike, baseUrl: string, credentials: AwsCredentials, serviceCode: string, filters: Record<string, string>, now: Date, signal?: AbortSignal): Promise<number | undefined> {
  const url = new URL(baseUrl);
  const body = JSON.stringify({
    ServiceCode: serviceCode,
    FormatVersion: 'aws_v1',
    MaxResults: 100,
    Filters: Object.entries(filters).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value })),
  });
  const target = 'AWSPriceListService.GetProducts';
  const response = await fetcher(url.toString(), { method: 'POST', headers: signAwsRequest(url, body, target, credentials, now), body, signal });
  if (!response.ok) throw new Error(`AWS GetProducts ${serviceCode}: HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const { PriceList = [] } = (await response.json()) as { PriceList?: string[] };
  for (const item of PriceList) {
    const product = JSON.parse(item) as AwsProduct;
    for (const term of Object.values(product.terms.OnDemand ?? {})) {
      for (const dimension of Object.values(term.priceDimensions)) {
        const usd = Number(dimension.pricePerUnit.USD);
        if (/^hrs?$/i.test(dimension.unit) && usd > 0) return usd;
      }
    }
  }
  return undefined;
}

export async function refreshAws(catalog: Catalog, fetcher: FetchLike, baseUrl: string, credentials: AwsCredentials, now: Date, signal?: AbortSignal): Promise<RefreshOutcome> {
  const date = now.toISOString().slice(0, 10);
  const source = 'aws-price-list';
  const outcome: RefreshOutcome = { catalog, updated: [], added: [], unchanged: [], missing: [] };
  const record = (type: string, old: number, fresh: number | undefined) => {
    if (fresh === undefined) outcome.missing.push(type);
    else (fresh !== old ? outcome.updated : outcome.unchanged).push(type);
  };
  const location = catalog.region;
  const servers = [];
  for (const server of catalog.servers) {
    const fresh = await awsHourlyPrice(fetcher, baseUrl, credentials, 'AmazonEC2', { instanceType: server.type, regionCode: location, operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used' }, now, signal);
    record(server.type, server.price.figure, fresh);
    servers.push(fresh === undefined ? server : { ...server, price: priceFrom(fresh, 'USD/hour', source, date) });
  }
  const managedPostgres = [];
  for (const offer of catalog.managedPostgres) {
    const single = await awsHourlyPrice(fetcher, baseUrl, credentials, 'AmazonRDS', { instanceType: offer.type, regionCode: location, databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' }, now, signal);
    const multi = await awsHourlyPrice(fetcher, baseUrl, credentials, 'AmazonRDS', { instanceType: offer.type, regionCode: location, databaseEngine: 'PostgreSQL', deploymentOption: 'Multi-AZ' }, now, signal);
    record(offer.type, offer.price.figure, single);
    managedPostgres.push({
      ...offer,
      ...(single !== undefined ? { price: priceFrom(single, 'USD/hour', source, date) } : {}),
      ...(multi !== undefined ? { haPrice: priceFrom(multi, 'USD/hour', source, date, 'Multi-AZ (primary + standby)') } : {}),
    });
  }
  const managedCaches = [];
  for (const offer of catalog.managedCaches) {
    const fresh = await awsHourlyPrice(fetcher, baseUrl, credentials, 'AmazonElastiCache', { instanceType: offer.type, regionCode: location, cacheEngine: offer.engine === 'valkey' ? 'Valkey' : 'Redis' }, now, signal);
    record(`${offer.type} (${offer.engine})`, offer.price.figure, fresh);
    managedCaches.push(fresh === undefined ? offer : { ...offer, price: priceFrom(fresh, 'USD/hour', source, date) });
  }
  outcome.catalog = {
    ...catalog,
    servers,
    managedPostgres,
    managedCaches,
    readAt: date,
    sources: apiSource(catalog, source, 'AWS Price List Query API GetProducts (OnDemand; EC2 Linux shared tenancy, RDS PostgreSQL, ElastiCache)', 'https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html', date),
  };
  return outcome;
}
