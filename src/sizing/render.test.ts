import { describe, expect, it } from 'vitest';
import { defaultAssumptions } from './assumptions.js';
import { loadDefaultCalibration } from './calibration.js';
import { builtInCatalogPath, loadCatalogs } from './catalog-load.js';
import { renderHtml, renderMarkdown, renderTerminal, svgLineChart } from './render.js';
import { buildSizeReport } from './size.js';

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
});
