import { Option, type Command } from 'commander';
import type { CommandModule, CommandOptions } from '../command.js';
import type { ProcessContext } from '../../core/context.js';
import { badInput, ExitCode, missingDependency, type ExitCodeValue } from '../../core/errors.js';
import { addFormatOption, collect, formatOf } from '../options.js';

import { inRegion, parseProviderList, parseRegionList, regionProblems } from '../../sizing/catalog-price.js';
import type { Catalog, ProviderId } from '../../sizing/catalog-schema.js';
const DEFAULT_API: Record<ProviderId, string> = {
  aws: 'https://api.pricing.us-east-1.amazonaws.com/',
  digitalocean: 'https://api.digitalocean.com',
  hetzner: 'https://api.hetzner.cloud/v1',
};
const API_ENV: Record<ProviderId, string> = { aws: 'CAPACITY_AWS_PRICING_URL', digitalocean: 'CAPACITY_DO_API_URL', hetzner: 'CAPACITY_HCLOUD_API_URL' };

function parseProviders(raw: unknown): ProviderId[] {
  const { providers, problems } = parseProviderList(String(raw ?? ''));
  if (problems.length) throw badInput('invalid --provider', problems);
  return providers;
}

/** `--region provider=region,…` (the grammar of `capacity size`; `--location X` is the deprecated `--region hetzner=X`), checked against the catalogs. */
function regionsFor(options: CommandOptions, catalogs: readonly Catalog[]): Partial<Record<ProviderId, string>> {
  const raw = [typeof options.region === 'string' ? options.region : '', typeof options.location === 'string' ? `hetzner=${options.location}` : ''].filter(Boolean).join(',');
  const { regions, problems } = parseRegionList(raw);
  problems.push(...regionProblems(catalogs, regions));
  if (problems.length) throw badInput('invalid --region', problems, 'the regions are those the catalogs hold (capacity prices lists them)');
  return regions;
}

export const command: CommandModule = {
  name: 'prices',
  summary: 'show the price catalogs and their age; `prices refresh` updates them from the providers\' APIs',
  configure(cmd: Command) {
    cmd
      .argument('[action]', 'list (default) | refresh | compile')
      .option('--provider <list>', 'providers: aws,do,hetzner', 'aws,do,hetzner')
      .option('--prices <file>', 'a catalog YAML that overrides or extends the built-in one (repeatable)', collect, []);
    addFormatOption(cmd, ['text', 'json']);
    cmd
      .option('--catalog-dir <dir>', 'catalog folder to read and refresh (default: the built-in catalogs)')
      .option('--region <provider=region,...>', 'a region the catalogs hold, e.g. hetzner=nbg1: list shows its prices, refresh reads them (default: each catalog\'s own; Hetzner fsn1)')
      .addOption(new Option('--location <name>', 'deprecated: --region hetzner=<name>').hideHelp())
      .option('--do-api <url>', `DigitalOcean API base URL (env ${API_ENV.digitalocean})`)
      .option('--hetzner-api <url>', `Hetzner Cloud API base URL (env ${API_ENV.hetzner})`)
      .option('--aws-pricing-api <url>', `AWS Price List API endpoint (env ${API_ENV.aws})`);
  },
  async action({ args, options, ctx }) {
    const action = args[0] ?? 'list';
    if (action === 'list') return list(options, ctx);
    if (action === 'refresh') return refresh(options, ctx);
    if (action === 'compile') return compile(options, ctx);
    throw badInput(`unknown prices action "${action}"`, [], 'use capacity prices, capacity prices refresh or capacity prices compile');
  },
};

async function catalogDir(options: CommandOptions, ctx: ProcessContext): Promise<string> {
  const path = await import('node:path');
  const { builtInCatalogDir } = await import('../../sizing/catalog-load.js');
  return typeof options.catalogDir === 'string' ? path.resolve(ctx.cwd, options.catalogDir) : builtInCatalogDir();
}

async function list(options: CommandOptions, ctx: ProcessContext): Promise<ExitCodeValue> {
  const path = await import('node:path');
  const json = formatOf(options, ['text', 'json']) === 'json';
  const providers = parseProviders(options.provider);
  const { loadCatalogs } = await import('../../sizing/catalog-load.js');
  const { catalogStatus, eurUsdFor } = await import('../../sizing/size.js');
  const dir = await catalogDir(options, ctx);
  const overrides = ((options.prices as string[] | undefined) ?? []).map((p) => path.resolve(ctx.cwd, p));
  const loaded = await loadCatalogs({ providers, overrides, dir });
  const regions = regionsFor(options, loaded);
  const catalogs = loaded.map((catalog) => (regions[catalog.provider] === undefined ? catalog : inRegion(catalog, regions[catalog.provider]!)));
  const rows = catalogs.map((catalog) => {
    const status = catalogStatus(catalog, path.join(dir, `${catalog.provider}.yaml`), ctx.now());
    const priced = catalog.servers.length + catalog.managedPostgres.length + catalog.managedCaches.length + catalog.loadBalancers.length;
    // The exchange rate is checked for freshness like a price.
    const exchange = catalog.exchange ? eurUsdFor({ catalogs: [{ catalog, file: status.file }], now: ctx.now() }) : null;
    return { provider: catalog.provider, name: catalog.name, currency: catalog.currency, region: catalog.region, offers: priced, ...status, exchange, gaps: catalog.gaps, sources: catalog.sources };
  });
  if (json) {
    ctx.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.Ok;
  }
  for (const r of rows) {
    ctx.stdout.write(`${r.name} (${r.provider}, ${r.region}, ${r.currency}) — ${r.stale ? 'STALE' : 'fresh'}${r.undatedSources.length ? ` (${r.undatedSources.length} undated source(s): ${r.undatedSources.join(', ')})` : ''}\n`);
    ctx.stdout.write(`  file ${r.file}\n  catalog read ${r.readAt}; oldest price ${r.oldestPriceDate}, ${r.ageDays} days old (freshness ${r.freshnessDays} days)\n  ${r.offers} priced offers; sources: ${r.sources.map((s) => `${s.id}${s.undated ? ' (undated)' : ''} ${s.date}`).join(', ')}\n`);
    if (r.exchange) ctx.stdout.write(`  exchange: 1 EUR = ${r.exchange.eurUsd} USD, ${r.exchange.date}, ${r.exchange.ageDays} days old (freshness ${r.exchange.freshnessDays} days)${r.exchange.stale ? ' (STALE: give today\'s rate with capacity size --eur-usd)' : ''}\n`);
    for (const gap of r.gaps) ctx.stdout.write(`  gap: ${gap}\n`);
    if (r.stale) ctx.stdout.write('  hint: capacity prices refresh (needs the provider\'s API token), or edit the catalog with sourced figures\n');
    ctx.stdout.write('\n');
  }
  return ExitCode.Ok;
}

async function compile(options: CommandOptions, ctx: ProcessContext): Promise<ExitCodeValue> {
  const path = await import('node:path');
  const { compileCatalogFile } = await import('../../sizing/catalog-load.js');
  const dir = await catalogDir(options, ctx);
  for (const provider of parseProviders(options.provider)) {
    const file = path.join(dir, `${provider}.yaml`);
    await compileCatalogFile(file);
    ctx.stdout.write(`compiled ${file}\n`);
  }
  return ExitCode.Ok;
}

async function refresh(options: CommandOptions, ctx: ProcessContext): Promise<ExitCodeValue> {
  const path = await import('node:path');
  const requested = parseProviders(options.provider);
  const explicit = options.provider !== 'aws,do,hetzner';
  const env = ctx.env;
  const tokens: Record<ProviderId, boolean> = {
    aws: Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY),
    digitalocean: Boolean(env.DIGITALOCEAN_TOKEN ?? env.DIGITALOCEAN_ACCESS_TOKEN),
    hetzner: Boolean(env.HCLOUD_TOKEN),
  };
  const hint = 'set DIGITALOCEAN_TOKEN (DigitalOcean), HCLOUD_TOKEN (Hetzner) or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (AWS Price List); the built-in catalogs keep working without them';
  const without = requested.filter((p) => !tokens[p]);
  const providers = requested.filter((p) => tokens[p]);
  if (providers.length === 0 || (explicit && without.length > 0)) {
    throw missingDependency(`no API credentials for ${without.join(', ')}: cannot refresh prices`, hint);
  }
  const dir = await catalogDir(options, ctx);
  const { loadCatalogFile, compileCatalogFile } = await import('../../sizing/catalog-load.js');
  const regions = regionsFor(options, await Promise.all(providers.map((provider) => loadCatalogFile(path.join(dir, `${provider}.yaml`)))));
  const refreshModule = await import('../../sizing/refresh.js');
  const { stringify } = await import('yaml');
  const { parseCatalogText } = await import('../../sizing/catalog-parse.js');
  const { writeFileAtomic } = await import('../../core/atomic-file.js');
  const fetcher = fetch as unknown as import('../../sizing/refresh.js').FetchLike;
  const now = ctx.now();
  const date = now.toISOString().slice(0, 10);
  const api = (p: ProviderId, option: unknown) => (typeof option === 'string' ? option : env[API_ENV[p]] ?? DEFAULT_API[p]);
  for (const provider of without) ctx.stderr.write(`skipped ${provider}: no API credentials\n`);
  for (const provider of providers) {
    const file = path.join(dir, `${provider}.yaml`);
    const catalog = await loadCatalogFile(file);
    let outcome;
    try {
      if (provider === 'digitalocean') {
        const sizes = await refreshModule.fetchDoSizes(fetcher, api(provider, options.doApi), (env.DIGITALOCEAN_TOKEN ?? env.DIGITALOCEAN_ACCESS_TOKEN)!, ctx.signal);
        outcome = refreshModule.applyDoSizes(catalog, sizes, date);
      } else if (provider === 'hetzner') {
        const data = await refreshModule.fetchHetzner(fetcher, api(provider, options.hetznerApi), env.HCLOUD_TOKEN!, ctx.signal);
        outcome = refreshModule.applyHetzner(catalog, data, date, regions.hetzner ?? 'fsn1');
      } else {
        outcome = await refreshModule.refreshAws(catalog, fetcher, api(provider, options.awsPricingApi), { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN }, now, ctx.signal);
      }
    } catch (error) {
      const { unhealthy } = await import('../../core/errors.js');
      throw unhealthy(`refreshing ${provider} prices failed: ${(error as Error).message}`, 'the catalog was left unchanged; check the token and the API URL');
    }
    const text = `# ${catalog.name} price catalog, refreshed by \`capacity prices refresh\` on ${date}.\n# Every price names its source (see sources) and its date; gaps are listed, never guessed.\n${stringify(outcome.catalog, { lineWidth: 0 })}`;
    parseCatalogText(text, file); // never write a catalog that would not load
    await writeFileAtomic(file, text);
    await compileCatalogFile(file);
    ctx.stdout.write(`${provider}: ${outcome.updated.length} updated, ${outcome.added.length} added, ${outcome.unchanged.length} unchanged, ${outcome.missing.length} not found in the API${outcome.missing.length ? ` (${outcome.missing.join(', ')})` : ''} → ${file}\n`);
  }
  return ExitCode.Ok;
}
