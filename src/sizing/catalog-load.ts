import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { badInput } from '../core/errors.js';
import type { Catalog, ProviderId } from './catalog-schema.js';
import { PROVIDERS } from './catalog-price.js';
import { writeFileAtomic } from '../core/atomic-file.js';

/** Where the shipped catalogs live: src/sizing/catalogs, found from both src/ and dist/ (same depth). */
export function builtInCatalogDir(): string {
  return fileURLToPath(new URL('../../src/sizing/catalogs/', import.meta.url));
}

export function builtInCatalogPath(provider: ProviderId): string {
  return path.join(builtInCatalogDir(), `${provider}.yaml`);
}

/**
 * A validated catalog saved as JSON beside its YAML (catalogs/compiled/<name>.json) with the
 * SHA-256 of the YAML text it came from. When the hash matches, the YAML parse and the schema
 * check are skipped (they cost more than the whole sizing); when it does not, the YAML is the truth.
 */
interface CompiledCatalog {
  sha256: string;
  catalog: Catalog;
}

function compiledPath(file: string): string {
  return path.join(path.dirname(file), 'compiled', `${path.basename(file, path.extname(file))}.json`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function parseCatalog(text: string, file: string): Promise<Catalog> {
  const { parseCatalogText } = await import('./catalog-parse.js');
  return parseCatalogText(text, file);
}

export async function loadCatalogFile(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw badInput(`cannot read price catalog ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const compiled = JSON.parse(await readFile(compiledPath(file), 'utf8')) as CompiledCatalog;
    if (compiled.sha256 === sha256(text)) return compiled.catalog;
  } catch {
    // no compiled copy: parse the YAML
  }
  return parseCatalog(text, file);
}

/** Validates a YAML catalog and writes its compiled copy (used by `capacity prices compile` and refresh). */
export async function compileCatalogFile(file: string): Promise<Catalog> {
  const text = await readFile(file, 'utf8');
  const catalog = await parseCatalog(text, file);
  const target = compiledPath(file);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.dirname(target), { recursive: true });
  await writeFileAtomic(target, JSON.stringify({ sha256: sha256(text), catalog } satisfies CompiledCatalog) + '\n');
  return catalog;
}

/** Whether the compiled copy of a catalog matches its YAML. */
export async function compiledIsCurrent(file: string): Promise<boolean> {
  try {
    const [text, compiled] = await Promise.all([readFile(file, 'utf8'), readFile(compiledPath(file), 'utf8')]);
    return (JSON.parse(compiled) as CompiledCatalog).sha256 === sha256(text);
  } catch {
    return false;
  }
}

/**
 * The catalogs to price with: the built-in ones (or those in `dir`), each overridden by the
 * `--prices` files for the same provider. An override file replaces offers with the same type and
 * adds new ones; its scalar fields (dates, freshness, exchange) win.
 */
export async function loadCatalogs(options: { providers?: readonly ProviderId[]; overrides?: readonly string[]; dir?: string } = {}): Promise<Catalog[]> {
  const providers = options.providers ?? PROVIDERS;
  const dir = options.dir ?? builtInCatalogDir();
  const base = await Promise.all(providers.map((p) => loadCatalogFile(path.join(dir, `${p}.yaml`))));
  const overrides = await Promise.all((options.overrides ?? []).map((file) => loadCatalogFile(file)));
  return base.map((catalog) => overrides.filter((o) => o.provider === catalog.provider).reduce(mergeCatalog, catalog));
}

function mergeByType<T extends { type: string } & Record<string, unknown>>(base: T[], extra: T[], key: (t: T) => string = (t) => t.type): T[] {
  const result = new Map(base.map((item) => [key(item), item]));
  for (const item of extra) result.set(key(item), item);
  return [...result.values()];
}

export function mergeCatalog(base: Catalog, override: Catalog): Catalog {
  const sources = mergeByType(
    base.sources.map((s) => ({ ...s, type: s.id })),
    override.sources.map((s) => ({ ...s, type: s.id })),
  ).map(({ type: _type, ...s }) => s);
  return {
    ...base,
    ...override,
    sources,
    servers: mergeByType(base.servers, override.servers),
    managedPostgres: mergeByType(base.managedPostgres, override.managedPostgres),
    managedCaches: mergeByType(base.managedCaches, override.managedCaches, (c) => `${c.type}/${c.engine}`),
    loadBalancers: mergeByType(base.loadBalancers, override.loadBalancers),
    perServer: override.perServer.length ? override.perServer : base.perServer,
    storage: { ...base.storage, ...override.storage },
    transfer: override.transfer.tiers.length || override.transfer.overage ? override.transfer : base.transfer,
    monitoring: override.monitoring ?? base.monitoring,
    exchange: override.exchange ?? base.exchange,
    gaps: [...new Set([...base.gaps, ...override.gaps])],
  };
}
