import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { badInput } from '../core/errors.js';
import { Catalog } from './catalog-schema.js';

// The slow, thorough path: YAML with positions, then the zod schema. Loaded only when a catalog
// has no up-to-date compiled copy (a --prices file, an edited catalog).

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
export function parseCatalogText(text: string, file: string): Catalog {
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

