import type { RunResult } from '../results/schema.js';

export type ReportFormat = 'text' | 'markdown' | 'html' | 'png' | 'junit' | 'json';

export interface RenderedFile {
  /** File name relative to the output folder (png writes several). */
  name: string;
  content: string | Uint8Array;
}

export interface ReportOptions {
  /** JSON: a trimmed summary instead of the whole result. */
  summary?: boolean;
  /** Terminal: ANSI colours. */
  colour?: boolean;
  /** PNG: size of each chart in pixels. */
  width?: number;
  height?: number;
}

/** A reporter renders from results alone; writing files or printing is the command's job. */
export interface Reporter {
  format: ReportFormat;
  description: string;
  /** True when the output is meant for the terminal/stdout when no --out is given. */
  printsByDefault: boolean;
  render(results: readonly RunResult[], options: ReportOptions): Promise<RenderedFile[]>;
}
