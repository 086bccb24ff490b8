/** PNG charts through chartjs-node-canvas (node-canvas), one file per chart. */
import type { RunResult } from '../../results/schema.js';
import { missingDependency } from '../../core/errors.js';
import type { RenderedFile, Reporter } from '../types.js';
import { reportCharts } from './specs.js';

export async function renderPngCharts(results: readonly RunResult[], width = 1000, height = 500): Promise<RenderedFile[]> {
  let ChartJSNodeCanvas: typeof import('chartjs-node-canvas').ChartJSNodeCanvas;
  try {
    ({ ChartJSNodeCanvas } = await import('chartjs-node-canvas'));
  } catch (error) {
    throw missingDependency(`PNG charts need chartjs-node-canvas and canvas: ${error instanceof Error ? error.message : String(error)}`, 'run `npm run setup` (canvas builds against cairo: libcairo2-dev libpango1.0-dev)');
  }
  const renderer = new ChartJSNodeCanvas({ width, height, backgroundColour: 'white' });
  const files: RenderedFile[] = [];
  for (const spec of reportCharts(results)) {
    // Fixed-size canvas: no responsive resizing in node.
    const config = { ...spec.config, options: { ...spec.config.options, responsive: false, animation: false as const } };
    files.push({ name: `${spec.id}.png`, content: await renderer.renderToBuffer(config, 'image/png') });
  }
  return files;
}

export const pngReporter: Reporter = {
  format: 'png',
  description: 'PNG charts, one file per chart',
  printsByDefault: false,
  async render(results, options) {
    return renderPngCharts(results, options.width, options.height);
  },
};
