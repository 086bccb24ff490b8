import { describe, expect, it } from 'vitest';
import { defaultAssumptions } from './assumptions.js';
import { loadDefaultCalibration } from './calibration.js';
import { builtInCatalogPath, loadCatalogs } from './catalog-load.js';
import { renderHtml, renderMarkdown, renderTerminal, svgLineChart } from './render.js';
import { buildSizeReport } from './size.js';
import { REPORT_STYLE } from '../core/html.js';

async function report() {
  const { calibration, source } = await loadDefaultCalibration();
  const catalogs = (await loadCatalogs()).map((catalog) => ({ catalog, file: builtInCatalogPath(catalog.provider) }));
  return buildSizeReport({ workload: { totalUsers: 1_000_000 }, assumptions: defaultAssumptions(), origins: {}, calibration, calibrationSource: source, catalogs, plan: { dedicatedCpuOnly: false, managed: 'prefer' }, now: new Date('2026-11-22T00:00:00Z') });
}

describe('renderers', () => {
  it('draws a line chart as inline SVG with one polyline per series', () => {
    const svg = svgLineChart('t', [
      { name: 'a', color: '#000', points: [[1, 1], [10, 100]] },
      { name: 'b', color: '#f00', points: [[1, 2], [10, 50]] },
    ], { logX: true, logY: true, xLabel: 'x', yLabel: 'y' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svgLineChart('empty', [], { xLabel: 'x', yLabel: 'y' })).toBe('');
  });

  it('shows a dash, not $0, where a provider cannot carry a point of the cost curve', async () => {
    const r = await report();
    const last = r.costCurve[r.costCurve.length - 1]!;
    delete last.totalsUsd.aws;
    const text = renderTerminal(r);
    expect(text).toMatch(/10,000,000\s+—/);
    expect(renderMarkdown(r)).toMatch(/\| 10,000,000 \| — \|/);
  });

  it('escapes text in HTML', async () => {
    const r = await report();
    r.notes.push('<script>alert(1)</script>');
    const html = renderHtml(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('prints a key for the source letters under each table, and the catalog gaps, in the terminal', async () => {
    const r = await report();
    const text = renderTerminal(r);
    const aws = r.providers.find((p) => p.provider === 'aws')!;
    const block = text.slice(text.indexOf('Amazon Web Services — bill of materials'), text.indexOf('DigitalOcean — bill of materials'));
    expect(block).toMatch(/^tier\s+item\s+type\s+count\s+util@peak\s+monthly\s+sources\s+flags$/m);
    for (const letter of new Set(aws.lines.flatMap((line) => line.sources))) {
      expect(block).toContain(`  source ${letter}: ${aws.sources.find((source) => source.id === letter)!.title}`);
    }
    // A self-hosted database (no non-burstable RDS class in the catalog) is explained by the catalog's gap, in the terminal too.
    expect(block).toMatch(/self-hosted PostgreSQL/);
    expect(block).toMatch(/gap: RDS for PostgreSQL .*self-hosted on EC2/);
    for (const gap of aws.gaps) expect(block).toContain(`  gap: ${gap}`);
    // An undated source says when it was read.
    const digitalocean = text.slice(text.indexOf('DigitalOcean — bill of materials'), text.indexOf('Hetzner Cloud — bill of materials'));
    expect(digitalocean).toContain('undated, read');
    expect(renderMarkdown(r)).toMatch(/Sources: \*\*K\*\* \[aws\/karpenter/);
  });

  it('shows the calibration warnings in every rendering', async () => {
    const r = await report();
    r.warnings = ['weak calibration: its steady window is 30 s, shorter than 60 s; run the calibration longer (--duration)'];
    expect(renderTerminal(r)).toContain('\nwarning: weak calibration: its steady window is 30 s');
    expect(renderMarkdown(r)).toContain('> ⚠️ weak calibration: its steady window is 30 s');
    expect(renderHtml(r)).toContain('<div class="warn">⚠ weak calibration: its steady window is 30 s');
  });

  it('styles the HTML with the run report\'s stylesheet', async () => {
    const r = await report();
    const html = renderHtml(r);
    expect(html).toContain(`<style>${REPORT_STYLE}</style>`);
    expect(html).toMatch(/<td class="text">app servers<\/td>/);
    const aws = r.providers.find((p) => p.provider === 'aws')!;
    const total = `$${Math.round(aws.totalMonthlyUsd).toLocaleString('en-US')}`;
    expect(html).toContain(total);
  });
});
