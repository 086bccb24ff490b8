/**
 * Renders results in one or more formats and delivers them: to stdout for the terminal-like
 * formats, else into files (atomic writes). Markdown is also appended to GitHub's job summary
 * when GITHUB_STEP_SUMMARY is set. Process state comes in as parameters.
 */
import { appendFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunResult } from '../results/schema.js';
import { reporters, type ReportFormat, type ReportOptions } from './index.js';
import { writeFileAtomic } from '../core/atomic-file.js';

export interface DeliverInput {
  results: readonly RunResult[];
  /** Folder of the first result: the default destination of file formats. */
  resultDir: string;
  formats: readonly ReportFormat[];
  /** A file (one single-file format) or a folder (png, or several formats). */
  out?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string): boolean };
  options?: ReportOptions;
}

export interface Delivered {
  format: ReportFormat;
  /** Files written; empty when printed to stdout. */
  files: string[];
}

export async function deliverReports(input: DeliverInput): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  const outIsFolder = input.out !== undefined && (input.formats.length > 1 || input.formats[0] === 'png');
  for (const format of input.formats) {
    const reporter = reporters[format];
    const files = await reporter.render(input.results, input.options ?? {});
    const written: string[] = [];
    if (input.out === undefined && reporter.printsByDefault) {
      for (const file of files) input.stdout.write(typeof file.content === 'string' ? file.content : Buffer.from(file.content).toString('utf8'));
    } else {
      for (const file of files) {
        let path: string;
        if (input.out === undefined) path = format === 'png' ? join(input.resultDir, 'charts', file.name) : join(input.resultDir, file.name);
        else if (outIsFolder) path = resolve(input.cwd, input.out, file.name);
        else path = resolve(input.cwd, input.out);
        await writeFileAtomic(path, file.content);
        written.push(path);
      }
    }
    const summaryFile = input.env.GITHUB_STEP_SUMMARY;
    if (format === 'markdown' && summaryFile) {
      for (const file of files) await appendFile(resolve(input.cwd, summaryFile), typeof file.content === 'string' ? `${file.content}\n` : file.content);
    }
    delivered.push({ format, files: written });
  }
  return delivered;
}

export function resultDirOf(resultFile: string): string {
  return dirname(resultFile);
}
