import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, parseJsonRows, readDataFile } from './data-files.js';

describe('CSV data files', () => {
  it('reads a header row and rows, with quoted fields (commas, doubled quotes, line breaks) and CRLF', () => {
    const { table, problems } = parseCsv('id,name,note\r\n1,"Lee, Ann","said ""hi"""\r\n2,Bo,"two\nlines"\r\n');
    expect(problems).toEqual([]);
    expect(table).toEqual({ columns: ['id', 'name', 'note'], rows: [{ id: '1', name: 'Lee, Ann', note: 'said "hi"' }, { id: '2', name: 'Bo', note: 'two\nlines' }] });
  });

  it('names the line and column of each problem', () => {
    expect(parseCsv('id,name\n1\n').problems).toEqual([{ line: 2, column: 2, message: 'row has 1 field(s), the header has 2' }]);
    expect(parseCsv('id,name\n1,a"b\n').problems).toEqual([{ line: 2, column: 4, message: 'a double quote inside an unquoted field (quote the whole field and double the quote)' }]);
    expect(parseCsv('id,,id\n1,2,3\n').problems).toEqual([
      { line: 1, column: 2, message: 'column 2 of the header row has no name' },
      { line: 1, column: 3, message: 'column "id" appears twice in the header row' },
    ]);
    expect(parseCsv('id\n').problems).toEqual([{ line: 2, message: 'no rows after the header row' }]);
  });
});

describe('JSON data files', () => {
  it('takes an array of objects (columns from the first) or of values', () => {
    expect(parseJsonRows('[{"sku":"a","n":1},{"sku":"b","n":2}]').table).toEqual({ rows: [{ sku: 'a', n: 1 }, { sku: 'b', n: 2 }], columns: ['sku', 'n'] });
    expect(parseJsonRows('["x","y"]').table).toEqual({ rows: ['x', 'y'] });
  });

  it('refuses what is not a non-empty array, with the line of a syntax error', () => {
    expect(parseJsonRows('{"a":1}').problems[0]?.message).toBe('must be a JSON array (of objects or values)');
    expect(parseJsonRows('[]').problems[0]?.message).toMatch(/empty/);
    expect(parseJsonRows('[\n1,\n2 3\n]').problems[0]).toMatchObject({ line: 3, column: 3, message: expect.stringMatching(/^not JSON/) });
  });

  it('a missing or empty file is exit 2 naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'capacity-data-'));
    try {
      await expect(readDataFile(path.join(dir, 'none.csv'), 'csv', 'none.csv')).rejects.toMatchObject({ exitCode: 2, message: 'data file none.csv does not exist' });
      await writeFile(path.join(dir, 'empty.json'), '  \n');
      await expect(readDataFile(path.join(dir, 'empty.json'), 'json', 'empty.json')).rejects.toMatchObject({ exitCode: 2, message: 'data file empty.json is empty' });
      await writeFile(path.join(dir, 'bad.csv'), 'a,b\n1\n');
      await expect(readDataFile(path.join(dir, 'bad.csv'), 'csv', 'bad.csv')).rejects.toMatchObject({ exitCode: 2, details: ['bad.csv:2:2 row has 1 field(s), the header has 2'] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
