import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRunResult } from '../results/read.js';
import { escapeXml, renderJunit } from './junit.js';
import { escapeHtml, scriptJson } from './html.js';
import { reportCharts, runCharts } from './charts/specs.js';
import { cpuByTier, sparkline, uslThroughput } from './summary.js';
import { renderMarkdown } from './markdown.js';
import { renderTerminal } from './terminal.js';
import { summarize } from './json.js';
import type { RunResult } from '../results/schema.js';

const fixture = (name: string): RunResult => {
  const file = resolve(import.meta.dirname, '../../test/fixtures/results', name, 'result.json');
  return parseRunResult(JSON.parse(readFileSync(file, 'utf8')), file);
};

describe('reporters (pure parts)', () => {
  it('escapes XML and HTML, and keeps JSON inside a script element inert', () => {
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeHtml('<img src=x onerror="y">')).toBe('&lt;img src=x onerror=&quot;y&quot;&gt;');
    const json = scriptJson({ name: '</script><script>alert(1)</script>' });
    expect(json).not.toContain('</script');
    expect(JSON.parse(json)).toEqual({ name: '</script><script>alert(1)</script>' });
  });

  it('builds one chart per figure a run has, and a side-by-side chart for several runs', () => {
    const k6 = fixture('smoke-k6');
    const artillery = fixture('smoke-artillery');
    expect(runCharts(k6).map((chart) => chart.id)).toEqual(['latency', 'throughput', 'errors', 'server-cpu', 'usl']);
    expect(runCharts(artillery).map((chart) => chart.id)).toEqual(['latency', 'throughput', 'errors']);
    const several = reportCharts([k6, artillery]);
    expect(several[0]?.id).toBe('engines');
    expect(new Set(several.map((chart) => chart.id)).size).toBe(several.length);
  });

  it('names the run and the scenario under the title of every chart (a PNG is often seen alone)', () => {
    const k6 = fixture('smoke-k6');
    const artillery = fixture('smoke-artillery');
    for (const chart of runCharts(k6)) {
      const subtitle = (chart.config.options?.plugins as { subtitle?: { display: boolean; text: string } } | undefined)?.subtitle;
      expect(subtitle, chart.id).toEqual(expect.objectContaining({ display: true, text: `run ${k6.id} · scenario ${k6.scenario.name}` }));
    }
    const engines = reportCharts([k6, artillery])[0]!;
    expect((engines.config.options?.plugins as { subtitle: { text: string } }).subtitle.text).toBe(`runs ${k6.id}, ${artillery.id} · scenario smoke`);
  });

  it('draws a last interval cut short by the end of the run apart, dashed and labelled, not as a drop', () => {
    const full = fixture('real-smoke-k6');
    const datasetsOf = (result: RunResult) => (runCharts(result).find((chart) => chart.id === 'throughput')!.config.data.datasets as Array<{ label: string; data: Array<{ x: number; y: number }>; borderDash?: number[] }>);
    // Every interval whole: one achieved series over all of them.
    expect(datasetsOf(full).map((dataset) => dataset.label)).toEqual(['achieved', 'planned']);
    expect(datasetsOf(full)[0]!.data).toHaveLength(full.intervals.length);
    const cut = structuredClone(full);
    const last = cut.intervals.at(-1)!;
    last.durationS = 0.35;
    const datasets = datasetsOf(cut);
    expect(datasets[0]!.data).toHaveLength(cut.intervals.length - 1);
    const tail = datasets.find((dataset) => dataset.label.startsWith('last interval'))!;
    expect(tail.label).toBe('last interval: partial (0.35 s of 1 s)');
    expect(tail.borderDash).toEqual([6, 4]);
    // It starts at the last whole interval, so the line continues instead of falling to the axis.
    expect(tail.data).toEqual([{ x: cut.intervals.at(-2)!.t, y: cut.intervals.at(-2)!.achievedRps }, { x: last.t, y: last.achievedRps }]);
  });

  it('sums CPU per tier over instances, aligned by second, one source per tier', () => {
    const result = { ...fixture('smoke-k6'), server: [] } as RunResult;
    result.server = [
      { tier: 'app', instance: 'a', metric: 'cpu_seconds_per_second', unit: 'cores', source: 'proc', points: [[0, 0.5], [1, 0.25]] },
      { tier: 'app', instance: 'b', metric: 'cpu_seconds_per_second', unit: 'cores', source: 'proc', points: [[0.1, 0.25]] },
      { tier: 'app', instance: 'a', metric: 'rss_bytes', unit: 'bytes', source: 'proc', points: [[0, 1e8]] },
      // The same CPU seen through Prometheus is not added a second time.
      { tier: 'app', instance: 'a', metric: 'cpu_seconds_per_second', unit: 'cores', source: 'prometheus', points: [[0, 0.5]] },
      { tier: 'redis', instance: 'r', metric: 'cpu_seconds_per_second', unit: 'cores', source: 'prometheus', points: [[0, 0.1]] },
    ];
    expect(cpuByTier(result)).toEqual([
      { tier: 'app', points: [[0, 0.75], [1, 0.25]] },
      { tier: 'redis', points: [[0, 0.1]] },
    ]);
  });

  it('computes the USL curve and sparklines', () => {
    expect(uslThroughput({ sigma: 0, kappa: 0, lambda: 10 }, 5)).toBe(50);
    expect(uslThroughput({ sigma: 0.1, kappa: 0.01, lambda: 100 }, 2)).toBeCloseTo(200 / 1.12, 9);
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline(Array.from({ length: 100 }, (_, index) => index), 10)).toHaveLength(10);
  });

  it('renders JUnit with a failure per failed SLO and Markdown/terminal with every SLO', () => {
    const result = fixture('smoke-k6');
    const xml = renderJunit([result, fixture('smoke-autocannon')]);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    const markdown = renderMarkdown(result);
    for (const slo of result.slos) expect(markdown).toContain(slo.name);
    const terminal = renderTerminal(result, false);
    expect(terminal).toMatch(/^ {2}FAIL {2}p99 under 20 ms {4}≤ 20\.0 ms {3}29\.9 ms$/m);
    expect(renderTerminal(result, true)).toContain('\u001b[31mFAIL\u001b[0m');
  });

  it('trims a result to a summary without series', () => {
    const summary = summarize(fixture('smoke-k6'));
    expect(summary).not.toHaveProperty('intervals');
    expect(summary).not.toHaveProperty('server');
    expect(summary.totals.requests).toBe(2549);
  });
});
