/** JSON: the result as is, or a trimmed summary (--summary) without the series. */
import type { RunResult } from '../results/schema.js';
import type { Reporter } from './types.js';

export function summarize(result: RunResult) {
  return {
    schemaVersion: result.schemaVersion,
    id: result.id,
    createdAt: result.createdAt,
    status: result.status,
    scenario: result.scenario.name,
    engine: { name: result.engine.name, version: result.engine.version },
    target: result.target,
    window: result.window,
    verdict: result.verdict,
    totals: result.totals,
    slos: result.slos,
    endpoints: result.endpoints,
    // The verdict and its figures without the per-second CPU series.
    ...(result.generator ? { generator: { ...result.generator, cpu: undefined } } : {}),
    ...(result.calibration ? { calibration: { ...result.calibration, usl: result.calibration.usl ? { ...result.calibration.usl, points: undefined } : undefined } } : {}),
  };
}

export const jsonReporter: Reporter = {
  format: 'json',
  description: 'the result as JSON (or a trimmed summary with --summary)',
  printsByDefault: true,
  async render(results, options) {
    const body = results.map((result) => (options.summary ? summarize(result) : result));
    return [{ name: options.summary ? 'summary.json' : 'report.json', content: JSON.stringify(body.length === 1 ? body[0] : body, null, 2) + '\n' }];
  },
};
