import { readFile } from 'node:fs/promises';
import { badInput } from '../core/errors.js';

/**
 * Data files of a scenario's variables: CSV with a header row, or a JSON array. Parsed once when
 * the scenario is loaded (so that a bad file exits 2 before any load, naming the row and column),
 * and again by the engines at run time. Rows are objects keyed by column (CSV, JSON objects) or
 * plain values (a JSON array of values).
 */
export type DataRow = Record<string, string> | string | number | boolean | Record<string, unknown>;

export interface DataTable {
  rows: DataRow[];
  /** CSV: the header; JSON arrays of objects: the keys of the first row. */
  columns?: string[];
}

/** One problem of a data file, at a 1-based line and column of the file. */
export interface DataProblem {
  line: number;
  column?: number;
  message: string;
}

/** RFC 4180 CSV: commas, double quotes (doubled inside), CRLF or LF. Problems instead of throws. */
export function parseCsv(text: string): { table?: DataTable; problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let column = 1;
  let fieldStartColumn = 1;
  let afterQuote = false;
  const endField = (): void => {
    fields.push(field);
    field = '';
    afterQuote = false;
  };
  const endRecord = (): void => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
          column += 1;
        } else {
          quoted = false;
          afterQuote = true;
        }
      } else {
        field += char;
        if (char === '\n') {
          line += 1;
          column = 0;
        }
      }
    } else if (char === '"') {
      if (field !== '' || afterQuote) problems.push({ line, column, message: 'a double quote inside an unquoted field (quote the whole field and double the quote)' });
      else quoted = true;
    } else if (char === ',') {
      endField();
      fieldStartColumn = column + 1;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
      column = 0;
    } else {
      if (afterQuote) problems.push({ line, column, message: 'text after the closing quote of a field' });
      field += char;
    }
    column += 1;
  }
  if (quoted) problems.push({ line: recordLine, column: fieldStartColumn, message: 'a quoted field is never closed' });
  else if (field !== '' || fields.length > 0) endRecord();
  if (problems.length > 0) return { problems };
  const [header, ...body] = records;
  if (!header) return { problems: [{ line: 1, message: 'the file is empty: it needs a header row and at least one row' }] };
  const columns = header.fields.map((name) => name.trim());
  columns.forEach((name, index) => {
    if (name === '') problems.push({ line: header.line, column: index + 1, message: `column ${index + 1} of the header row has no name` });
    else if (columns.indexOf(name) !== index) problems.push({ line: header.line, column: index + 1, message: `column "${name}" appears twice in the header row` });
  });
  if (body.length === 0) problems.push({ line: header.line + 1, message: 'no rows after the header row' });
  const rows: DataRow[] = [];
  for (const record of body) {
    if (record.fields.length !== columns.length) {
      problems.push({ line: record.line, column: Math.min(record.fields.length, columns.length) + 1, message: `row has ${record.fields.length} field(s), the header has ${columns.length}` });
      continue;
    }
    rows.push(Object.fromEntries(columns.map((name, index) => [name, record.fields[index] as string])));
  }
  return problems.length > 0 ? { problems } : { table: { rows, columns }, problems };
}

/** A JSON array: of objects (columns are the first row's keys) or of values. */
export function parseJsonRows(text: string): { table?: DataTable; problems: DataProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const before = position ? text.slice(0, Number(position[1])) : '';
    const line = position ? before.split('\n').length : 1;
    const column = position ? Number(position[1]) - before.lastIndexOf('\n') : undefined;
    return { problems: [{ line, ...(column === undefined ? {} : { column }), message: `not JSON: ${message}` }] };
  }
  if (!Array.isArray(value)) return { problems: [{ line: 1, column: 1, message: 'must be a JSON array (of objects or values)' }] };
  if (value.length === 0) return { problems: [{ line: 1, column: 1, message: 'the array is empty: it needs at least one row' }] };
  const first = value[0] as unknown;
  const columns = first !== null && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first) : undefined;
  return { table: { rows: value as DataRow[], ...(columns ? { columns } : {}) }, problems: [] };
}

/** Reads and parses a data file; any problem is exit 2 naming file:line:column. */
export async function readDataFile(file: string, format: 'csv' | 'json', label: string): Promise<DataTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw badInput(`data file ${label} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code || String(error)})`}`, [], `looked at ${file}; paths are relative to the scenario file`);
  }
  if (text.trim() === '') throw badInput(`data file ${label} is empty`, [], format === 'csv' ? 'a CSV needs a header row and at least one row' : 'a JSON data file holds an array');
  const parsed = format === 'csv' ? parseCsv(text) : parseJsonRows(text);
  if (!parsed.table) {
    throw badInput(
      `data file ${label} is not valid ${format.toUpperCase()} (${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'})`,
      parsed.problems.map((problem) => `${label}:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`} ${problem.message}`),
    );
  }
  return parsed.table;
}
