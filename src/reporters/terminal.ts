/** A terminal summary: verdict, totals, SLOs, endpoints, warnings, a p95 sparkline. */
import type { RunResult } from '../results/schema.js';
import type { Reporter } from './types.js';
import { count, generatorWarnings, limitLines, ms, percent, rate, sloObserved, sloThreshold, sparkline, WHOLE_RUN } from './summary.js';

const paint = (enabled: boolean, code: number, text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);

// eslint-disable-next-line no-control-regex
const visibleLength = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;

/** Aligned columns: words left, figures (starting with a digit, sign or ≤/≥) right. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => visibleLength(row[column] ?? '')))) ?? [];
  const numeric = (text: string) => /^[-+≤≥–\d]/.test(text);
  return rows.map(
    (row) =>
      '  ' +
      row
        .map((cell, column) => {
          const padding = ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleLength(cell)));
          return numeric(cell) ? padding + cell : cell + padding;
        })
        .join('  ')
        .trimEnd(),
  );
}

export function renderTerminal(result: RunResult, colourOn: boolean): string {
  const verdict = result.verdict === 'pass' ? paint(colourOn, 32, 'PASS') : paint(colourOn, 31, 'FAIL');
  const lines = [
    `${paint(colourOn, 1, `capacity run ${result.id}`)}  scenario ${result.scenario.name}  ·  ${result.engine.name} ${result.engine.version}  ·  ${result.window.durationS.toFixed(0)} s  ·  ${verdict}`,
    `target ${result.target.baseUrl} (${result.target.kind})  ·  ${result.machine.cpus} cpu ${result.machine.hostname}`,
    '',
  ];
  const latency = result.totals.latencyMs;
  lines.push(
    ...columns([
      ['requests', 'errors', 'error rate', 'achieved', 'planned', 'p50', `p95 (${WHOLE_RUN})`, 'p99', 'max'],
      [
        count(result.totals.requests),
        count(result.totals.errors),
        percent(result.totals.errorRate),
        rate(result.totals.achievedRps),
        rate(result.totals.plannedRps),
        ms(latency?.p50),
        ms(latency?.p95),
        ms(latency?.p99),
        ms(latency?.max),
      ],
    ]),
  );
  const p95Series = result.intervals.flatMap((interval) => (interval.latencyMs ? [interval.latencyMs.p95] : []));
  if (p95Series.length > 1) lines.push(`  p95 over time  ${sparkline(p95Series, 60)}  (${ms(Math.min(...p95Series))} … ${ms(Math.max(...p95Series))})`);
  if (result.slos.length > 0) {
    lines.push('', 'SLOs');
    lines.push(...columns([['', 'objective', 'threshold', 'observed'], ...result.slos.map((slo) => [slo.pass ? paint(colourOn, 32, 'pass') : paint(colourOn, 31, 'FAIL'), slo.name, sloThreshold(slo), sloObserved(slo)])]));
  }
  if (result.endpoints.length > 0) {
    lines.push('', 'Endpoints');
    lines.push(
      ...columns([
        ['name', 'method', 'requests', 'errors', 'p50', 'p95', 'p99'],
        ...result.endpoints.map((endpoint) => [endpoint.name, endpoint.method, count(endpoint.requests), count(endpoint.errors), ms(endpoint.latencyMs?.p50), ms(endpoint.latencyMs?.p95), ms(endpoint.latencyMs?.p99)]),
      ]),
    );
  }
  const usl = result.calibration?.usl;
  if (usl) lines.push('', `USL fit: σ=${usl.sigma.toFixed(4)} κ=${usl.kappa.toExponential(2)} λ=${usl.lambda.toFixed(1)} req/s, N*=${usl.nStar === null ? 'none' : usl.nStar.toFixed(1)}`);
  const limit = limitLines(result);
  if (limit.length > 0) {
    const bound = result.generator?.limit?.verdict === 'generator-bound' || result.generator?.limit?.verdict === 'machine-bound';
    lines.push('', `What limited the run: ${bound ? paint(colourOn, 33, limit[0] ?? '') : limit[0]}`, ...limit.slice(1));
  }
  // The verdict above already says when the generator or the machine limited the run.
  for (const warning of generatorWarnings(result, { limit: limit.length === 0 })) lines.push(paint(colourOn, 33, `warning: ${warning}`));
  for (const note of result.engine.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}

export const terminalReporter: Reporter = {
  format: 'text',
  description: 'a summary for the terminal',
  printsByDefault: true,
  async render(results, options) {
    return [{ name: 'report.txt', content: results.map((result) => renderTerminal(result, options.colour ?? false)).join('\n') }];
  },
};
