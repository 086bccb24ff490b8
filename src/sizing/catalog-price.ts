// Zod-free helpers on catalog data, so the sizing path need not load the schema library.
import type { Price, ProviderId } from './catalog-schema.js';

export const PROVIDERS: readonly ProviderId[] = ['aws', 'digitalocean', 'hetzner'];

/** Monthly figure of a time-based price (hourly × hours per month, or the monthly figure itself). */
export function monthly(price: Price, hoursPerMonth: number): number {
  const period = price.unit.split('/')[1];
  if (period === 'hour') return price.figure * hoursPerMonth;
  if (period === 'month') return price.figure;
  throw new RangeError(`price unit ${price.unit} is not a per-hour or per-month price`);
}

export const SIZE_REPORT_SCHEMA_VERSION = 1;
