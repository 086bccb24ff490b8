import type { RunResult } from '../results/schema.js';
import { busiestTier, LIMIT_LABELS, limitLines, WHOLE_RUN } from '../reporters/summary.js';

/** Text summaries of finished runs, pure: one result, or several engines side by side. */

function number(value: number | undefined | null, digits = 1): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function percent(fraction: number | undefined | null): string {
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) return '-';
  return `${(fraction * 100).toFixed(fraction < 0.001 && fraction > 0 ? 3 : 2)} %`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ').trimEnd());
}

function observedText(metric: string, value: number | null): string {
  if (value === null) return 'no data';
  if (metric === 'errorRate') return percent(value);
  if (metric === 'minRps') return `${number(value)} req/s`;
  return `${number(value)} ms`;
}

/** @param options.verbose adds the engine's own notes (adaptations, how it measured). */
export function formatRunSummary(result: RunResult, where: string, options: { verbose?: boolean } = {}): string {
  const { totals } = result;
  const lines: string[] = [];
  const status = result.status === 'partial' ? `PARTIAL (${result.partialReason ?? 'cut short'})` : 'complete';
  lines.push(`${result.scenario.name} with ${result.engine.name} ${result.engine.version} against ${result.target.baseUrl}: ${status}`);
  lines.push(`  duration     ${number(result.window.durationS)} s`);
  lines.push(`  requests     ${totals.requests.toLocaleString('en-US')}  (${number(totals.achievedRps)} req/s achieved${totals.plannedRps === undefined ? '' : ` of ${number(totals.plannedRps)} planned`})`);
  const latency = totals.latencyMs;
  lines.push(`  latency      ${latency ? `p50 ${number(latency.p50)} ms  p95 ${number(latency.p95)} ms  p99 ${number(latency.p99)} ms (${WHOLE_RUN})` : 'no request completed'}`);
  const kinds = Object.entries(totals.errorsByKind).map(([kind, count]) => `${kind} ${count}`).join(', ');
  lines.push(`  errors       ${totals.errors.toLocaleString('en-US')}  (${percent(totals.errorRate)})${kinds ? `  ${kinds}` : ''}`);
  if (totals.maxActiveUsers !== undefined) lines.push(`  users        up to ${number(totals.maxActiveUsers, 0)}`);
  if (result.setup) {
    const setup = result.setup;
    const errors = setup.errors > 0 ? `, ${setup.errors} failed` : '';
    lines.push(`  setup        ${setup.requests} sign-in requests before the load${errors}${setup.latencyMs ? `, p95 ${number(setup.latencyMs.p95)} ms` : ''} (not in the figures above)`);
  }
  const busiest = busiestTier(result.server);
  if (busiest) lines.push(`  busiest tier ${busiest.tier}: ${number(busiest.meanCores, 2)} cores mean, ${number(busiest.maxCores, 2)} max`);
  if (result.generator) {
    const generator = result.generator;
    const [verdict, ...detail] = limitLines(result);
    if (verdict) {
      lines.push(`  limited by   ${verdict}`);
      lines.push(...detail.map((line) => `             ${line}`));
    } else {
      // A result written before the verdict existed.
      const old = generator.saturated ? `could not keep the plan: ${generator.reasons.join('; ')}` : 'kept up';
      lines.push(`  generator    cpu mean ${number(generator.cpuPercentMean, 0)} %  max ${number(generator.cpuPercentMax, 0)} %  ${old}`);
    }
  }
  if (result.failover) {
    const failover = result.failover;
    lines.push(
      `  failover     ${failover.instance} stopped at ${number(failover.stoppedAtS)} s, restored at ${number(failover.restoredAtS)} s: ` +
        `${failover.errorBurst} errors in the burst (peak ${percent(failover.peakErrorRate)}), ` +
        `${failover.timeToRecoverS === null ? 'did not recover' : `recovered in ${number(failover.timeToRecoverS)} s`}`,
    );
  }
  if (result.slos.length > 0) {
    lines.push('  SLOs');
    const rows = result.slos.map((slo) => [`    ${slo.pass ? 'pass' : 'FAIL'}  ${slo.name}`, observedText(slo.metric, slo.observed)]);
    lines.push(...table(rows));
  }
  if (options.verbose) for (const note of result.engine.notes) lines.push(`  note: ${note}`);
  else {
    // A unique data source that ran out ended the load early: said at any verbosity.
    for (const note of result.engine.notes.filter((text) => /\(order: unique\) ran out|unique data source ran out/.test(text))) lines.push(`  note: ${note}`);
    if (result.engine.notes.length > 0) lines.push(`  notes        ${result.engine.notes.length} engine notes (--verbose shows them)`);
  }
  lines.push(`  verdict      ${result.verdict === 'pass' ? 'pass: every SLO holds' : 'FAIL: an SLO does not hold'}`);
  lines.push(`  result       ${where}`);
  return lines.join('\n') + '\n';
}

/** Several engines on the same plan, one column each. */
export function formatSideBySide(results: readonly RunResult[]): string {
  const header = ['', ...results.map((result) => result.engine.name)];
  const row = (label: string, pick: (result: RunResult) => string) => [label, ...results.map(pick)];
  const rows = [
    header,
    row('status', (result) => result.status),
    row('requests', (result) => result.totals.requests.toLocaleString('en-US')),
    row('achieved req/s', (result) => number(result.totals.achievedRps)),
    row('p50 ms', (result) => number(result.totals.latencyMs?.p50)),
    row(`p95 ms (${WHOLE_RUN})`, (result) => number(result.totals.latencyMs?.p95)),
    row('p99 ms', (result) => number(result.totals.latencyMs?.p99)),
    row('error rate', (result) => percent(result.totals.errorRate)),
    row('generator cpu max %', (result) => number(result.generator?.cpuPercentMax, 0)),
    row('limited by', (result) => (result.generator?.limit ? LIMIT_LABELS[result.generator.limit.verdict] : result.generator ? (result.generator.saturated ? 'generator' : '-') : '-')),
    row('machine cores busy max', (result) => number(result.generator?.limit?.machineBusyCoresMax, 2)),
    row('percentiles from', (result) => result.engine.percentileSource),
    row('verdict', (result) => result.verdict),
  ];
  return table(rows).join('\n') + '\n';
}
