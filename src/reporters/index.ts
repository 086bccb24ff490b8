/** Reporters by name, so commands and CI pick one with --format. */
import type { ReportFormat, Reporter } from './types.js';
import { terminalReporter } from './terminal.js';
import { markdownReporter } from './markdown.js';
import { htmlReporter } from './html.js';
import { pngReporter } from './charts/png.js';
import { junitReporter } from './junit.js';
import { jsonReporter } from './json.js';

export const reporters: Readonly<Record<ReportFormat, Reporter>> = {
  text: terminalReporter,
  markdown: markdownReporter,
  html: htmlReporter,
  png: pngReporter,
  junit: junitReporter,
  json: jsonReporter,
};

export const REPORT_FORMATS = Object.keys(reporters) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reporters, name);
}

export function reporterFor(name: ReportFormat): Reporter {
  return reporters[name];
}

export type { ReportFormat, Reporter, RenderedFile, ReportOptions } from './types.js';
export { loadRunResult, listResultFiles, parseRunResult, parseJsonDocument } from '../results/read.js';
