// Zod-free helpers on catalog data, so the sizing path need not load the schema library.
import type { Catalog, Price, ProviderId } from './catalog-schema.js';

export const PROVIDERS: readonly ProviderId[] = ['aws', 'digitalocean', 'hetzner'];

/** The names a user may type for each provider (`--provider do,hcloud`), the one list of them. */
export const PROVIDER_ALIASES: Readonly<Record<string, ProviderId>> = {
  aws: 'aws',
  do: 'digitalocean',
  digitalocean: 'digitalocean',
  hetzner: 'hetzner',
  hcloud: 'hetzner',
};

/** A comma-separated provider list → providers in order, without repeats, and a problem per unknown name. */
export function parseProviderList(raw: string): { providers: ProviderId[]; problems: string[] } {
  const providers: ProviderId[] = [];
  const problems: string[] = [];
  for (const name of raw.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean)) {
    const id = PROVIDER_ALIASES[name];
    if (!id) problems.push(`--provider: unknown provider "${name}" (known: aws, do, hetzner)`);
    else if (!providers.includes(id)) providers.push(id);
  }
  return { providers, problems };
}

/**
 * `--region aws=us-east-1,hetzner=nbg1` → one region per provider, and a problem per malformed
 * or unknown entry. Whether a catalog holds the region is checked against the catalogs (`regionProblems`).
 */
export function parseRegionList(raw: string): { regions: Partial<Record<ProviderId, string>>; problems: string[] } {
  const regions: Partial<Record<ProviderId, string>> = {};
  const problems: string[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    const id = match ? PROVIDER_ALIASES[match[1]!.toLowerCase()] : undefined;
    if (!match) problems.push(`--region: "${entry}" is not provider=region (e.g. aws=us-east-1)`);
    else if (!id) problems.push(`--region: unknown provider "${match[1]}" (known: aws, do, hetzner)`);
    else if (regions[id] !== undefined && regions[id] !== match[2]) problems.push(`--region: two regions for ${id} (${regions[id]}, ${match[2]}): give one`);
    else regions[id] = match[2]!;
  }
  return { regions, problems };
}

/** Every price of a catalog, wherever it sits (offers, storage, transfer, monitoring). */
export function pricesIn(value: unknown, found: Price[] = []): Price[] {
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.figure === 'number' && typeof record.unit === 'string') found.push(record as unknown as Price);
    else for (const child of Object.values(record)) pricesIn(child, found);
  }
  return found;
}

/**
 * The regions a catalog holds prices for: those its `region` names ("fsn1/nbg1/hel1 (EU)" names
 * three, priced alike), and any a price names in its own `region` field.
 */
export function catalogRegions(catalog: Catalog): string[] {
  const named = catalog.region.replace(/\([^)]*\)/g, '').split('/').map((part) => part.trim()).filter(Boolean);
  const own = pricesIn({ ...catalog, sources: [] }).flatMap((price) => (price.region ? [price.region] : []));
  return [...new Set([...named, ...own])];
}

/** Problems with `--region` against the loaded catalogs: a provider not priced, a region no catalog holds. */
export function regionProblems(catalogs: readonly Catalog[], regions: Partial<Record<ProviderId, string>>): string[] {
  const problems: string[] = [];
  const known = catalogs.map((catalog) => `${catalog.provider}: ${catalogRegions(catalog).join(', ')}`).join('; ');
  for (const [provider, region] of Object.entries(regions) as Array<[ProviderId, string]>) {
    const catalog = catalogs.find((candidate) => candidate.provider === provider);
    if (!catalog) problems.push(`--region ${provider}=${region}: ${provider} is not being priced (add it to --provider)`);
    else if (!catalogRegions(catalog).includes(region)) problems.push(`--region ${provider}=${region}: no catalog holds ${provider} prices for "${region}" (known regions: ${known})`);
  }
  return problems;
}

/**
 * The catalog as priced in one of its regions: offers whose price names another region are left
 * out, prices without a region apply to all of the catalog's regions.
 */
export function inRegion(catalog: Catalog, region: string): Catalog {
  const here = (value: unknown) => pricesIn(value).every((price) => price.region === undefined || price.region === region);
  const price = <T>(value: T | undefined): T | undefined => (value !== undefined && here(value) ? value : undefined);
  return {
    ...catalog,
    region,
    servers: catalog.servers.filter(here),
    managedPostgres: catalog.managedPostgres.filter(here),
    managedCaches: catalog.managedCaches.filter(here),
    loadBalancers: catalog.loadBalancers.filter(here),
    perServer: catalog.perServer.filter(here),
    storage: { ...catalog.storage, block: price(catalog.storage.block), database: price(catalog.storage.database), databaseHa: price(catalog.storage.databaseHa) },
    transfer: { ...catalog.transfer, tiers: catalog.transfer.tiers.filter(here), overage: price(catalog.transfer.overage) },
    monitoring: price(catalog.monitoring),
  };
}

/** Monthly figure of a time-based price (hourly × hours per month, or the monthly figure itself). */
export function monthly(price: Price, hoursPerMonth: number): number {
  const period = price.unit.split('/')[1];
  if (period === 'hour') return price.figure * hoursPerMonth;
  if (period === 'month') return price.figure;
  throw new RangeError(`price unit ${price.unit} is not a per-hour or per-month price`);
}

export const SIZE_REPORT_SCHEMA_VERSION = 1;
