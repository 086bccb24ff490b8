import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../results/read.js';
import { judgeGenerator } from '../engines/normalize.js';
import type { RunResult } from '../results/schema.js';
import { formatRunSummary, formatSideBySide } from '../run/summary.js';
import { runCharts } from './charts/specs.js';
import { renderHtml } from './html.js';
import { summarize } from './json.js';
import { renderMarkdown } from './markdown.js';
import { generatorWarnings } from './summary.js';
import { renderTerminal } from './terminal.js';

const fixture = (name: string): RunResult => {
  const file = resolve(import.meta.dirname, '../../test/fixtures/results', name, 'result.json');
  return parseRunResult(JSON.parse(readFileSync(file, 'utf8')), file);
};

/** The autocannon fixture as if its generator had shared two saturated cores, waiting for them. */
function machineBound(): RunResult {
  const result = fixture('smoke-autocannon');
  const samples = Array.from({ length: 12 }, (_, t) => ({ t: t + 1, cpuPercent: 45, rssBytes: 1e8, machineBusyCores: 1.97, machineCores: 2, runQueueWaitCores: 0.4, eventLoopLagMs: 20 }));
  const intervals = Array.from({ length: 12 }, (_, t) => ({ t, durationS: 1, plannedRps: 1000, achievedRps: 700, requests: 700, errors: 0, errorsByKind: {}, statusCounts: {} }));
  return { ...result, generator: judgeGenerator({ samples, coreLimit: 1, model: 'open', plannedRps: 1000, achievedRps: 700, intervals }) };
}

describe('what limited the run, as every reporter shows it', () => {
  it('the terminal report gives the verdict, its reasons, its figures and both CPU series once, not again as a warning', () => {
    const text = renderTerminal(machineBound(), false);
    expect(text).toContain('What limited the run: machine-bound: the machine limited the run');
    expect(text).toContain('  - all 2 cores of the machine were busy (≥ 85 %) in 12 of 12 s');
    expect(text).toContain('  - it sent 70.0 % of the planned request rate (below 95 %)');
    expect(text).toContain('generator 0.45 cores mean, 0.45 max, of 1 usable (one thread runs the engine) · machine 1.97 of 2 cores busy on average');
    expect(text).toMatch(/generator cpu {2}\S+ {2}\(0\.45 … 0\.45 cores of 1 usable\)/);
    expect(text).toMatch(/machine cpu {4}\S+ {2}\(1\.97 … 1\.97 cores of 2\)/);
    expect(text).not.toContain('warning: the machine limited');
  });

  it('the run summary says "limited by" with the verdict, the side-by-side table a row for it', () => {
    const result = machineBound();
    expect(formatRunSummary(result, 'results/x/result.json')).toContain('  limited by   machine-bound: the machine limited the run');
    expect(formatSideBySide([result, fixture('smoke-k6')])).toMatch(/limited by\s+machine-bound\s+-/);
  });

  it('HTML: a section with the verdict, its reasons and figures, and a chart of the generator and the machine CPU', async () => {
    const result = machineBound();
    const html = await renderHtml([result]);
    expect(html).toContain('<h2>What limited the run</h2>');
    expect(html).toContain('<span class="badge fail">machine-bound</span>');
    expect(html).toContain('<td>every core busy (≥ 85 %)</td><td>100 % of the seconds</td>');
    expect(html).toContain('<td>cores the generator may use</td><td>1.00 (one thread runs the engine)</td>');
    const chart = runCharts(result).find((spec) => spec.id === 'generator-cpu');
    const labels = (chart?.config.data.datasets ?? []).map((dataset) => dataset.label);
    expect(labels).toEqual(['generator (cores)', 'machine, every process (cores)', 'generator may use: 1 (one thread runs the engine)', 'machine cores: 2']);
    expect(html).toContain('id="chart-generator-cpu"');
  });

  it('the JSON summary keeps the verdict and drops the per-second series', () => {
    const summary = summarize(machineBound());
    expect(summary.generator?.limit?.verdict).toBe('machine-bound');
    expect(summary.generator?.cpu).toBeUndefined();
  });

  it('Markdown gives the verdict and its reasons', () => {
    const text = renderMarkdown(machineBound());
    expect(text).toContain('**What limited the run:** machine-bound: the machine limited the run');
    expect(text).toContain('- the generator waited for a CPU in 12 of 12 s (0.4 cores of waiting on average)');
  });

  it('a result written before the verdict renders without it, its old reasons kept, in words that claim no cause', () => {
    const old = fixture('smoke-autocannon');
    const saturated: RunResult = { ...old, generator: { cpuPercentMean: 97, cpuPercentMax: 99, rssBytesMax: 1, saturated: true, reasons: ['achieved 61 % of the planned rate'] } };
    expect(runCharts(saturated).map((spec) => spec.id)).not.toContain('generator-cpu');
    expect(generatorWarnings(saturated)).toEqual(['the load generator could not keep the plan: achieved 61 % of the planned rate']);
    expect(renderTerminal(saturated, false)).not.toContain('What limited the run');
  });
});
