/** Text and Markdown renderings of a gate report: the effect, its interval, the decision. */
import { formatP, formatPercent, type GateReport, type MetricVerdict } from './evaluate.js';

// The gate compares the median of per-interval percentiles, not the whole-run figure the run summary shows.
const LABELS: Record<MetricVerdict['metric'], string> = { p95: 'p95 latency (median of per-interval p95)', p99: 'p99 latency (median of per-interval p99)', errorRate: 'error rate', throughput: 'throughput' };

function value(verdict: MetricVerdict, figure: number): string {
  if (verdict.unit === 'fraction') return `${(figure * 100).toFixed(2)} %`;
  if (verdict.unit === 'ms') return `${figure.toFixed(figure < 10 ? 2 : 1)} ms`;
  return `${figure.toFixed(1)} ${verdict.unit}`;
}

export function effectText(verdict: MetricVerdict): string {
  const { effect } = verdict;
  if (verdict.effectKind === 'difference') {
    const sign = effect.estimate >= 0 ? '+' : '';
    return `${sign}${formatPercent(effect.estimate)} [${formatPercent(effect.low)}, ${formatPercent(effect.high)}]`;
  }
  const change = (effect.estimate - 1) * 100;
  return `×${effect.estimate.toFixed(3)} (${change >= 0 ? '+' : ''}${change.toFixed(1)} %) [${effect.low.toFixed(3)}, ${effect.high.toFixed(3)}]`;
}

const OUTCOME_TEXT: Record<MetricVerdict['outcome'], string> = { regressed: 'REGRESSED', improved: 'improved', 'within-tolerance': 'ok', 'too-few-data': 'TOO FEW DATA' };
const OUTCOME_MARK: Record<MetricVerdict['outcome'], string> = { regressed: '❌ regressed', improved: '✅ improved', 'within-tolerance': '✅ ok', 'too-few-data': '⚠️ too few data' };

/** The last line: the verdict, and which metrics the data were too few to judge. */
function conclusion(report: GateReport): string {
  if (report.regressed) return 'FAILED: regression beyond the tolerance';
  const unsure = report.metrics.filter((verdict) => verdict.outcome === 'too-few-data').map((verdict) => LABELS[verdict.metric]);
  if (unsure.length === 0) return 'passed: no regression beyond the tolerance';
  return `passed, but the data are too few to judge ${unsure.join(', ')}: no regression shown there, none ruled out (run longer, or gate on more runs)`;
}

function header(report: GateReport): string {
  const { options } = report;
  return (
    `scenario "${report.scenario}": current ${report.currentRun} vs baseline ${report.baselineRuns.join(', ')}; ` +
    `tolerance ${(options.tolerance * 100).toFixed(0)} % (error rate +${formatPercent(options.errorRateTolerance)}), ` +
    `${(options.confidence * 100).toFixed(0)} % bootstrap interval, ${options.iterations} resamples, seed ${options.seed}`
  );
}

export function formatGateText(report: GateReport): string {
  const lines = [`gate: ${header(report)}`];
  const width = Math.max(...report.metrics.map((verdict) => LABELS[verdict.metric].length));
  for (const verdict of report.metrics) {
    lines.push(
      `  ${LABELS[verdict.metric].padEnd(width)}  ${value(verdict, verdict.baseline).padStart(12)} → ${value(verdict, verdict.current).padEnd(12)}` +
        `  ${effectText(verdict).padEnd(38)}  ${OUTCOME_TEXT[verdict.outcome]}`,
    );
    lines.push(`  ${''.padEnd(width)}  ${verdict.reason}; ${verdict.samples.baseline} vs ${verdict.samples.current} intervals`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(`gate: ${conclusion(report)}`);
  return lines.join('\n') + '\n';
}

export function formatGateMarkdown(report: GateReport): string {
  const lines = [
    `### Regression gate: ${report.regressed ? '❌ regression' : report.metrics.some((verdict) => verdict.outcome === 'too-few-data') ? '⚠️ no regression shown, too few data for some metrics' : '✅ no regression'}`,
    '',
    header(report).replace(/^scenario "([^"]+)"/, 'Scenario `$1`'),
    '',
    '| metric | baseline | current | effect [interval] | p-value | verdict |',
    '|---|---:|---:|---|---:|---|',
  ];
  for (const verdict of report.metrics) {
    lines.push(
      `| ${LABELS[verdict.metric]} | ${value(verdict, verdict.baseline)} | ${value(verdict, verdict.current)} | ${effectText(verdict)} | ` +
        `${verdict.pValue === undefined ? '–' : formatP(verdict.pValue)} | ${OUTCOME_MARK[verdict.outcome]} |`,
    );
  }
  lines.push('');
  for (const verdict of report.metrics) lines.push(`- **${LABELS[verdict.metric]}**: ${verdict.reason}.`);
  lines.push('', `Gate ${conclusion(report)}.`);
  for (const warning of report.warnings) lines.push('', `> ⚠️ ${warning}`);
  return lines.join('\n') + '\n';
}
