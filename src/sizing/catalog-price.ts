// Zod-free helpers on catalog data, so the sizing path need not load the schema library.
import type { Price, ProviderId } from './catalog-schema.js';

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

/** Monthly figure of a time-based price (hourly × hours per month, or the monthly figure itself). */
export function monthly(price: Price, hoursPerMonth: number): number {
  const period = price.unit.split('/')[1];
  if (period === 'hour') return price.figure * hoursPerMonth;
  if (period === 'month') return price.figure;
  throw new RangeError(`price unit ${price.unit} is not a per-hour or per-month price`);
}

export const SIZE_REPORT_SCHEMA_VERSION = 1;
