/**
 * Reading an input document (JSON or YAML) with positions, so every complaint names file:line.
 * Pure: takes the text, returns plain values and a locator.
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Node } from 'yaml';
import { badInput, type CapacityError } from '../core/errors.js';

/** Aliases a hand-written file may use; far too few for a billion laughs. */
const MAX_ALIASES = 100;

export interface SourceDocument {
  value: unknown;
  /** "file:line:col" of the node at this path, or of the nearest parent that exists. */
  at(path: ReadonlyArray<string | number>): string;
}

export function pathText(path: ReadonlyArray<string | number>): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? key : `.${key}`;
  return text === '' ? '(root)' : text;
}

function childOf(node: unknown, key: string | number): unknown {
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
    return pair && isPair(pair) ? pair.value : undefined;
  }
  if (isSeq(node) && typeof key === 'number') return node.items[key];
  return undefined;
}

/** Parses JSON or YAML text; a syntax error is bad input (exit 2) naming file:line:col. */
export function readSource(text: string, label: string, what: string): SourceDocument {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const syntax = document.errors[0];
  if (syntax) {
    const position = syntax.linePos?.[0] ?? (syntax.pos[0] === undefined ? undefined : lines.linePos(syntax.pos[0]));
    const where = position ? `${label}:${position.line}:${position.col}` : label;
    throw badInput(`${label} is not a readable ${what}`, [`${where}: ${syntax.message.split('\n')[0] ?? syntax.message}`]);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw badInput(`${label} is not a readable ${what}`, [`${label}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const at = (path: ReadonlyArray<string | number>): string => {
    let node: unknown = document.contents;
    let found: Node | undefined = (document.contents ?? undefined) as Node | undefined;
    for (const key of path) {
      node = childOf(node, key);
      if (node === undefined || node === null) break;
      found = node as Node;
    }
    const offset = found?.range?.[0];
    if (offset === undefined) return label;
    const { line, col } = lines.linePos(offset);
    return `${label}:${line}:${col}`;
  };
  return { value, at };
}

/** Collects problems with their places; `fail` throws them all as one bad-input error. */
export class Problems {
  readonly list: string[] = [];
  constructor(private readonly source: SourceDocument) {}

  add(path: ReadonlyArray<string | number>, message: string): void {
    this.list.push(`${this.source.at(path)}: ${pathText(path)}: ${message}`);
  }

  fail(message: string, hint?: string): CapacityError | undefined {
    return this.list.length === 0 ? undefined : badInput(message, this.list, hint);
  }
}

/** "label:line:col" of a character offset in a text. */
export function offsetPlace(text: string, offset: number, label: string): string {
  const before = text.slice(0, offset).split('\n');
  return `${label}:${before.length}:${(before[before.length - 1] ?? '').length + 1}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
