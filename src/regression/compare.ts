/**
 * Side-by-side comparison of two runs: totals, percentiles, error rate, throughput and each
 * endpoint, with deltas; plus the gate's p95 effect and interval when both runs are long enough.
 */
import type { LatencySummary, RunResult } from '../results/schema.js';
import { CapacityError } from '../core/errors.js';
import { evaluateGate, type MetricVerdict } from './evaluate.js';
import { effectText } from './format.js';

export type Unit = 'count' | 'ms' | 'fraction' | 'req/s';

export interface ComparisonRow {
  label: string;
  unit: Unit;
  a: number | undefined;
  b: number | undefined;
  /** Which direction is better, to mark a delta as worse or better. */
  better: 'lower' | 'higher' | 'neither';
}

export interface Comparison {
  a: { id: string; scenario: string; engine: string; createdAt: string };
  b: { id: string; scenario: string; engine: string; createdAt: string };
  totals: ComparisonRow[];
  endpoints: { name: string; rows: ComparisonRow[] }[];
  /** The gate's p95 ratio (b / a) with its bootstrap interval, when it could be computed. */
  p95Effect?: MetricVerdict;
  notes: string[];
}

function latencyRows(a: LatencySummary | undefined, b: LatencySummary | undefined, prefix = ''): ComparisonRow[] {
  return (['p50', 'p95', 'p99'] as const).map((key) => ({ label: `${prefix}${key}`, unit: 'ms', a: a?.[key], b: b?.[key], better: 'lower' }));
}

export function compareResults(a: RunResult, b: RunResult): Comparison {
  const notes: string[] = [];
  if (a.scenario.name !== b.scenario.name) notes.push(`different scenarios: "${a.scenario.name}" vs "${b.scenario.name}"`);
  if (a.engine.name !== b.engine.name) notes.push(`different engines: ${a.engine.name} vs ${b.engine.name}`);
  for (const [name, run] of [['A', a], ['B', b]] as const) {
    if (run.status === 'partial') notes.push(`${name} (${run.id}) is partial: ${run.partialReason ?? 'cut short'}`);
    if (run.generator?.saturated) notes.push(`${name} (${run.id}): the load generator was saturated, its figures understate the system`);
  }
  const totals: ComparisonRow[] = [
    { label: 'requests', unit: 'count', a: a.totals.requests, b: b.totals.requests, better: 'neither' },
    { label: 'errors', unit: 'count', a: a.totals.errors, b: b.totals.errors, better: 'lower' },
    { label: 'error rate', unit: 'fraction', a: a.totals.errorRate, b: b.totals.errorRate, better: 'lower' },
    { label: 'throughput', unit: 'req/s', a: a.totals.achievedRps, b: b.totals.achievedRps, better: 'higher' },
    ...latencyRows(a.totals.latencyMs, b.totals.latencyMs),
    { label: 'max', unit: 'ms', a: a.totals.latencyMs?.max, b: b.totals.latencyMs?.max, better: 'lower' },
  ];
  const names = [...new Set([...a.endpoints.map((endpoint) => endpoint.name), ...b.endpoints.map((endpoint) => endpoint.name)])];
  const endpoints = names.map((name) => {
    const left = a.endpoints.find((endpoint) => endpoint.name === name);
    const right = b.endpoints.find((endpoint) => endpoint.name === name);
    const rate = (endpoint: typeof left) => (endpoint && endpoint.requests > 0 ? endpoint.errors / endpoint.requests : undefined);
    return {
      name,
      rows: [
        { label: 'requests', unit: 'count', a: left?.requests, b: right?.requests, better: 'neither' },
        { label: 'error rate', unit: 'fraction', a: rate(left), b: rate(right), better: 'lower' },
        ...latencyRows(left?.latencyMs, right?.latencyMs),
      ] satisfies ComparisonRow[],
    };
  });
  let p95Effect: MetricVerdict | undefined;
  if (a.scenario.name === b.scenario.name) {
    try {
      p95Effect = evaluateGate([a], b, { metrics: ['p95'] }).metrics[0];
    } catch (error) {
      if (!(error instanceof CapacityError)) throw error;
      notes.push(`no p95 interval: ${error.message}`);
    }
  }
  const about = (run: RunResult) => ({ id: run.id, scenario: run.scenario.name, engine: `${run.engine.name} ${run.engine.version}`, createdAt: run.createdAt });
  return { a: about(a), b: about(b), totals, endpoints, ...(p95Effect ? { p95Effect } : {}), notes };
}

export function formatFigure(value: number | undefined, unit: Unit): string {
  if (value === undefined) return '–';
  switch (unit) {
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'ms':
      return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case 'fraction':
      return `${(value * 100).toFixed(2)} %`;
    case 'req/s':
      return `${value.toFixed(1)} req/s`;
  }
}

export function formatDelta(row: ComparisonRow): string {
  if (row.a === undefined || row.b === undefined) return '–';
  const delta = row.b - row.a;
  const body =
    row.unit === 'fraction'
      ? `${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(2)} pp`
      : row.a === 0
        ? `${delta >= 0 ? '+' : ''}${formatFigure(delta, row.unit)}`
        : `${delta >= 0 ? '+' : ''}${((delta / row.a) * 100).toFixed(1)} %`;
  // Below display precision, or under 1 %, a difference is not worth a marker.
  const negligible = row.unit === 'fraction' ? Math.abs(delta) < 0.0001 : row.a !== 0 && Math.abs(delta / row.a) < 0.01;
  if (row.better === 'neither' || delta === 0 || negligible) return body;
  const worse = row.better === 'lower' ? delta > 0 : delta < 0;
  return `${body} ${worse ? '▲ worse' : '▼ better'}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('   '));
}

export function formatComparisonText(comparison: Comparison): string {
  const { a, b } = comparison;
  const lines = [`A: ${a.id}  (${a.scenario}, ${a.engine}, ${a.createdAt})`, `B: ${b.id}  (${b.scenario}, ${b.engine}, ${b.createdAt})`, ''];
  const rowsOf = (rows: ComparisonRow[]) => rows.map((row) => [row.label, formatFigure(row.a, row.unit), formatFigure(row.b, row.unit), formatDelta(row)]);
  lines.push(...table([['totals', 'A', 'B', 'B vs A'], ...rowsOf(comparison.totals)]));
  for (const endpoint of comparison.endpoints) {
    lines.push('', ...table([[`endpoint ${endpoint.name}`, 'A', 'B', 'B vs A'], ...rowsOf(endpoint.rows)]));
  }
  if (comparison.p95Effect) lines.push('', `p95 per interval, B / A: ${effectText(comparison.p95Effect)} (${comparison.p95Effect.reason})`);
  for (const note of comparison.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}

export function formatComparisonMarkdown(comparison: Comparison): string {
  const { a, b } = comparison;
  const lines = [`### Comparison: \`${a.id}\` (A) vs \`${b.id}\` (B)`, '', `A: ${a.scenario}, ${a.engine} · B: ${b.scenario}, ${b.engine}`, ''];
  const section = (title: string, rows: ComparisonRow[]) => {
    lines.push(`| ${title} | A | B | B vs A |`, '|---|---:|---:|---|');
    for (const row of rows) lines.push(`| ${row.label} | ${formatFigure(row.a, row.unit)} | ${formatFigure(row.b, row.unit)} | ${formatDelta(row)} |`);
    lines.push('');
  };
  section('totals', comparison.totals);
  for (const endpoint of comparison.endpoints) section(`\`${endpoint.name}\``, endpoint.rows);
  if (comparison.p95Effect) lines.push(`p95 per interval, B / A: ${effectText(comparison.p95Effect)}`, '');
  for (const note of comparison.notes) lines.push(`> ${note}`, '');
  return lines.join('\n');
}
