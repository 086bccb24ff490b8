import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { badInput } from '../cli/errors.js';
import { Catalog, PROVIDERS, type ProviderId } from './catalog-schema.js';

/** Where the shipped catalogs live: src/sizing/catalogs, found from both src/ and dist/ (same depth). */
export function builtInCatalogDir(): string {
  return fileURLToPath(new URL('../../src/sizing/catalogs/', import.meta.url));
}

export function builtInCatalogPath(provider: ProviderId): string {
  return path.join(builtInCatalogDir(), `${provider}.yaml`);
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, fieldPath: ReadonlyArray<PropertyKey>): number | undefined {
  // Walk down as far as the path exists; report the deepest node found (a missing field → its parent).
  let node: unknown = doc.contents;
  let best: Node | undefined = doc.contents ?? undefined;
  for (const key of fieldPath) {
    if (isMap(node)) node = node.get(key as string, true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    if (node && typeof node === 'object' && 'range' in node) best = node as Node;
    else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

function formatIssues(file: string, doc: ReturnType<typeof parseDocument>, counter: LineCounter, issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const line = lineOf(doc, counter, issue.path);
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `${file}${line ? `:${line}` : ''}: ${field}: ${issue.message}`;
  });
}

/** Parses and validates catalog text; throws one CapacityError (exit 2) listing every problem. */
export function parseCatalog(text: string, file: string): Catalog {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((error) => {
      const line = counter.linePos(error.pos[0]).line;
      return `${file}${line ? `:${line}` : ''}: ${error.message.split('\n')[0]}`;
    });
    throw badInput(`malformed price catalog ${file}`, details, 'fix the YAML syntax at the lines shown');
  }
  const parsed = Catalog.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) {
    throw badInput(`invalid price catalog ${file}`, formatIssues(file, doc, counter, parsed.error.issues), 'see docs/prices.md for the catalog format');
  }
  return parsed.data;
}

export async function loadCatalogFile(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw badInput(`cannot read price catalog ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseCatalog(text, file);
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
    storage: { ...base.storage, ...override.storage },
    transfer: override.transfer.tiers.length || override.transfer.overage ? override.transfer : base.transfer,
    monitoring: override.monitoring ?? base.monitoring,
    exchange: override.exchange ?? base.exchange,
    gaps: [...new Set([...base.gaps, ...override.gaps])],
  };
}
