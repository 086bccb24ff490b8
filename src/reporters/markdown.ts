/** Markdown fit for GitHub's job summary: verdict, totals, SLO table, endpoints, warnings. */
import type { RunResult } from '../results/schema.js';
import type { Reporter } from './types.js';
import { count, generatorWarnings, LIMIT_LABELS, limitFigures, ms, percent, rate, resultLabel, sloObserved, sloThreshold, sparkline, WHOLE_RUN } from './summary.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(result: RunResult): string {
  const latency = result.totals.latencyMs;
  const lines = [
    `## ${result.verdict === 'pass' ? '✅' : '❌'} capacity: \`${cell(result.scenario.name)}\` with ${result.engine.name} ${cell(result.engine.version)}`,
    '',
    `Run \`${cell(result.id)}\` · ${result.window.startedAt} · ${result.window.durationS.toFixed(0)} s · target ${cell(result.target.baseUrl)} (${result.target.kind}) · ${result.status}`,
    '',
    `| requests | errors | error rate | achieved | planned | p50 | p95 (${WHOLE_RUN}) | p99 |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${count(result.totals.requests)} | ${count(result.totals.errors)} | ${percent(result.totals.errorRate)} | ${rate(result.totals.achievedRps)} | ${rate(result.totals.plannedRps)} | ${ms(latency?.p50)} | ${ms(latency?.p95)} | ${ms(latency?.p99)} |`,
  ];
  const p95Series = result.intervals.flatMap((interval) => (interval.latencyMs ? [interval.latencyMs.p95] : []));
  if (p95Series.length > 1) lines.push('', `p95 over time: \`${sparkline(p95Series, 60)}\``);
  if (result.slos.length > 0) {
    lines.push('', '### SLOs', '', '| | objective | threshold | observed |', '|---|---|---:|---:|');
    for (const slo of result.slos) lines.push(`| ${slo.pass ? '✅' : '❌'} | ${cell(slo.name)}${slo.endpoint ? ` (\`${cell(slo.endpoint)}\`)` : ''} | ${sloThreshold(slo)} | ${sloObserved(slo)} |`);
  }
  if (result.endpoints.length > 0) {
    lines.push('', '### Endpoints', '', '| name | request | requests | errors | p50 | p95 | p99 |', '|---|---|---:|---:|---:|---:|---:|');
    for (const endpoint of result.endpoints) {
      lines.push(`| ${cell(endpoint.name)} | \`${endpoint.method} ${cell(endpoint.path)}\` | ${count(endpoint.requests)} | ${count(endpoint.errors)} | ${ms(endpoint.latencyMs?.p50)} | ${ms(endpoint.latencyMs?.p95)} | ${ms(endpoint.latencyMs?.p99)} |`);
    }
  }
  const usl = result.calibration?.usl;
  if (usl) lines.push('', `USL fit: σ = ${usl.sigma.toFixed(4)}, κ = ${usl.kappa.toExponential(2)}, λ = ${usl.lambda.toFixed(1)} req/s, N* = ${usl.nStar === null ? 'none' : usl.nStar.toFixed(1)}`);
  const limit = result.generator?.limit;
  if (limit) {
    lines.push('', `**What limited the run:** ${LIMIT_LABELS[limit.verdict]}: ${cell(limit.summary)}`, '');
    for (const reason of limit.reasons) lines.push(`- ${cell(reason)}`);
    lines.push('', cell(limitFigures(limit)));
  }
  // With the verdict above, the warnings leave it out; a partial run is still warned about.
  const warnings = generatorWarnings(result, { limit: !limit });
  for (const warning of warnings) lines.push('', `> ⚠️ ${cell(warning)}`);
  for (const note of result.engine.notes) lines.push('', `> ${cell(note)}`);
  return lines.join('\n') + '\n';
}

export function renderMarkdownSideBySide(results: readonly RunResult[]): string {
  const lines = ['## Runs side by side', '', '| run | scenario | requests | error rate | achieved | p50 | p95 | p99 | verdict |', '|---|---|---:|---:|---:|---:|---:|---:|---|'];
  for (const result of results) {
    const latency = result.totals.latencyMs;
    lines.push(`| ${cell(resultLabel(result))} | ${cell(result.scenario.name)} | ${count(result.totals.requests)} | ${percent(result.totals.errorRate)} | ${rate(result.totals.achievedRps)} | ${ms(latency?.p50)} | ${ms(latency?.p95)} | ${ms(latency?.p99)} | ${result.verdict === 'pass' ? '✅ pass' : '❌ fail'} |`);
  }
  return lines.join('\n') + '\n';
}

export const markdownReporter: Reporter = {
  format: 'markdown',
  description: "Markdown for GitHub's job summary",
  printsByDefault: true,
  async render(results) {
    const parts = results.length > 1 ? [renderMarkdownSideBySide(results), ...results.map(renderMarkdown)] : results.map(renderMarkdown);
    return [{ name: 'report.md', content: parts.join('\n') }];
  },
};
