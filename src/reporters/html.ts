/**
 * One self-contained HTML file: styles, data and Chart.js are inlined, so it opens from disk
 * with no network. Charts: latency percentiles, achieved vs planned throughput, errors, server
 * CPU per tier, the generator's and the machine's CPU, runs side by side, the USL curve; tables:
 * totals, what limited the run, SLO verdicts, endpoints.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunLimit, RunResult } from '../results/schema.js';
import { missingDependency } from '../core/errors.js';
import type { Reporter } from './types.js';
import { reportCharts, type ChartSpec } from './charts/specs.js';
import { escapeHtml, REPORT_STYLE } from '../core/html.js';
import { count, generatorWarnings, LIMIT_LABELS, ms, percent, rate, resultLabel, sloObserved, sloThreshold, WHOLE_RUN } from './summary.js';

export { escapeHtml };

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The browser build of Chart.js shipped in node_modules (UMD: defines window.Chart). */
export async function readChartJsBundle(): Promise<string> {
  const require = createRequire(import.meta.url);
  let distDir: string;
  try {
    distDir = dirname(require.resolve('chart.js'));
  } catch {
    throw missingDependency('chart.js is not installed', 'run `npm run setup` (or npm install) in the capacity folder');
  }
  for (const name of ['chart.umd.min.js', 'chart.umd.js']) {
    try {
      return await readFile(join(distDir, name), 'utf8');
    } catch {
      // try the next name
    }
  }
  throw missingDependency(`chart.js has no UMD build in ${distDir}`, 'reinstall chart.js 4 (npm install chart.js@4)');
}


function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((cell) => `<th>${cell}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const BADGE_OF_LIMIT: Readonly<Record<RunLimit['verdict'], string>> = { 'kept-up': 'pass', 'system-bound': '', 'generator-bound': 'fail', 'machine-bound': 'fail' };

/** The verdict on what limited the run, its reasons and the figures it weighed (the CPU chart is with the others). */
function limitSection(result: RunResult): string[] {
  const limit = result.generator?.limit;
  if (!limit) return [];
  const share = (value: number | undefined, of: string) => (value === undefined ? '–' : `${(value * 100).toFixed(0)} % of ${of}`);
  const cores = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(2));
  const rows: [string, string][] = [
    ['generator CPU (cores)', `${cores(limit.generatorCoresMean)} mean, ${cores(limit.generatorCoresMax)} max`],
    ['cores the generator may use', `${cores(limit.coresUsable)} (${limit.coresUsableBecause})`],
    ['generator at ≥ 85 % of them', share(limit.generatorBusyShare, 'the seconds')],
    ['machine CPU, every process (cores)', limit.machineBusyCoresMean === undefined ? 'not measured' : `${cores(limit.machineBusyCoresMean)} mean, ${cores(limit.machineBusyCoresMax)} max, of ${limit.machineCores}`],
    ['every core busy (≥ 85 %)', share(limit.machineBusyShare, 'the seconds')],
  ];
  if (limit.busiestProcessCoresMean !== undefined) {
    rows.push(['busiest generator process (cores)', `${cores(limit.busiestProcessCoresMean)} mean, ${cores(limit.busiestProcessCoresMax)} max, of ${cores(limit.processCeilingCores)} one process can use`]);
    rows.push(['busiest process at ≥ 85 % of its ceiling', share(limit.processBusyShare, 'the seconds')]);
  }
  if (limit.eventLoopLagMsMedian !== undefined) rows.push(['event-loop delay, p99 per second', `${limit.eventLoopLagMsMedian} ms median, ${limit.eventLoopLagMsMax} ms max`]);
  if (limit.achievedToPlannedRatio !== undefined) rows.push(['achieved / planned requests', `${(limit.achievedToPlannedRatio * 100).toFixed(1)} %`]);
  if (limit.achievedToCycleRatio !== undefined) rows.push(['achieved / users ÷ (think + response)', `${(limit.achievedToCycleRatio * 100).toFixed(1)} %`]);
  if (limit.droppedIterations !== undefined) rows.push(['dropped iterations', count(limit.droppedIterations)]);
  if (limit.p95EarlyMs !== undefined) rows.push(['p95 at the start → at the end', `${ms(limit.p95EarlyMs)} → ${ms(limit.p95LateMs)}`]);
  if (limit.noLoadLatencyMs !== undefined) rows.push(['no-load latency (lowest interval median) → typical p95', `${ms(limit.noLoadLatencyMs)} → ${ms(limit.p95TypicalMs)}`]);
  return [
    '<h2>What limited the run</h2>',
    `<p><span class="badge ${BADGE_OF_LIMIT[limit.verdict]}">${escapeHtml(LIMIT_LABELS[limit.verdict])}</span> ${escapeHtml(limit.summary)}</p>`,
    `<ul>${limit.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>`,
    table(['figure', 'value'], rows.map(([label, value]) => [escapeHtml(label), escapeHtml(value)])),
  ];
}

function runSection(result: RunResult, charts: ChartSpec[], heading: boolean): string {
  const latency = result.totals.latencyMs;
  const cards: [string, string][] = [
    ['requests', count(result.totals.requests)],
    ['errors', `${count(result.totals.errors)} (${percent(result.totals.errorRate)})`],
    ['achieved', rate(result.totals.achievedRps)],
    ['planned', rate(result.totals.plannedRps)],
    ['p50', ms(latency?.p50)],
    [`p95 (${WHOLE_RUN})`, ms(latency?.p95)],
    ['p99', ms(latency?.p99)],
    ['max users', count(result.totals.maxActiveUsers)],
  ];
  const parts: string[] = [];
  if (heading) parts.push(`<h2>${escapeHtml(resultLabel(result))} <span class="badge ${result.verdict}">${result.verdict.toUpperCase()}</span></h2>`);
  parts.push(`<div class="cards">${cards.map(([label, value]) => `<div class="card"><div class="label">${label}</div><div class="value">${escapeHtml(value)}</div></div>`).join('')}</div>`);
  for (const warning of generatorWarnings(result)) parts.push(`<div class="warn">⚠ ${escapeHtml(warning)}</div>`);
  parts.push(...limitSection(result));
  if (result.slos.length > 0) {
    parts.push('<h2>SLO verdicts</h2>');
    parts.push(
      table(
        ['objective', 'metric', 'threshold', 'observed', 'verdict'],
        result.slos.map((slo) => [escapeHtml(slo.name + (slo.endpoint ? ` (${slo.endpoint})` : '')), slo.metric, escapeHtml(sloThreshold(slo)), escapeHtml(sloObserved(slo)), `<span class="badge ${slo.pass ? 'pass' : 'fail'}">${slo.pass ? 'pass' : 'fail'}</span>`]),
      ),
    );
  }
  parts.push('<h2>Charts</h2>');
  parts.push(`<div class="charts">${charts.map((chart) => `<div class="chart"><canvas id="chart-${chart.id}" aria-label="${escapeHtml(chart.title)}" role="img"></canvas></div>`).join('')}</div>`);
  if (result.endpoints.length > 0) {
    parts.push('<h2>Endpoints</h2>');
    parts.push(
      table(
        ['name', 'request', 'requests', 'errors', 'p50', 'p95', 'p99'],
        result.endpoints.map((endpoint) => [escapeHtml(endpoint.name), escapeHtml(`${endpoint.method} ${endpoint.path}`), count(endpoint.requests), count(endpoint.errors), ms(endpoint.latencyMs?.p50), ms(endpoint.latencyMs?.p95), ms(endpoint.latencyMs?.p99)]),
      ),
    );
  }
  const calibration = result.calibration;
  if (calibration) {
    parts.push('<h2>Calibration</h2>');
    parts.push(
      `<p class="meta">Window ${calibration.window.fromS}–${calibration.window.toS} s, ${rate(calibration.throughputRps)}${calibration.usl ? `; USL σ = ${calibration.usl.sigma.toFixed(4)}, κ = ${calibration.usl.kappa.toExponential(2)}, λ = ${calibration.usl.lambda.toFixed(1)} req/s, N* = ${calibration.usl.nStar === null ? 'none' : calibration.usl.nStar.toFixed(1)}` : ''}</p>`,
    );
    parts.push(
      table(
        ['tier', 'instances', 'CPU-seconds per request', 'cores busy', 'memory per instance'],
        calibration.tiers.map((tier) => [escapeHtml(tier.tier), String(tier.instances), `${(tier.cpuSecondsPerRequest.value * 1000).toFixed(3)} ms (±${(tier.cpuSecondsPerRequest.stdev * 1000).toFixed(3)})`, tier.coresBusy.toFixed(3), `${(tier.memoryBytesPerInstance / 1048576).toFixed(0)} MiB`]),
      ),
    );
  }
  parts.push(
    `<p class="meta">Engine ${escapeHtml(`${result.engine.name} ${result.engine.version}`)} (percentiles: ${result.engine.percentileSource}) · machine ${escapeHtml(result.machine.hostname)}, ${result.machine.cpus} CPU, ${escapeHtml(result.machine.cpuModel)} · Node ${escapeHtml(result.machine.node)}</p>`,
  );
  for (const note of result.engine.notes) parts.push(`<p class="meta">note: ${escapeHtml(note)}</p>`);
  return parts.join('\n');
}

export async function renderHtml(results: readonly RunResult[]): Promise<string> {
  const first = results[0];
  if (!first) throw new RangeError('renderHtml needs at least one result');
  const charts = reportCharts(results);
  const chartJs = await readChartJsBundle();
  const scenarios = [...new Set(results.map((result) => result.scenario.name))].join(', ');
  const body: string[] = [
    `<h1>capacity report: ${escapeHtml(scenarios)}${results.length === 1 ? ` <span class="badge ${first.verdict}">${first.verdict.toUpperCase()}</span>` : ''}</h1>`,
    `<p class="meta">${results.length === 1 ? `Run ${escapeHtml(first.id)} · ${escapeHtml(first.window.startedAt)} · ${first.window.durationS.toFixed(0)} s · target ${escapeHtml(first.target.baseUrl)} (${first.target.kind}) · ${first.status}` : `${results.length} runs`}</p>`,
  ];
  if (results.length === 1) {
    body.push(runSection(first, charts, false));
  } else {
    body.push('<h2>Runs side by side</h2>');
    body.push(
      table(
        ['run', 'scenario', 'requests', 'error rate', 'achieved', 'p50', 'p95', 'p99', 'limited by', 'verdict'],
        results.map((result) => [escapeHtml(resultLabel(result)), escapeHtml(result.scenario.name), count(result.totals.requests), percent(result.totals.errorRate), rate(result.totals.achievedRps), ms(result.totals.latencyMs?.p50), ms(result.totals.latencyMs?.p95), ms(result.totals.latencyMs?.p99), result.generator?.limit ? escapeHtml(LIMIT_LABELS[result.generator.limit.verdict]) : '–', `<span class="badge ${result.verdict}">${result.verdict}</span>`]),
      ),
    );
    const engines = charts.find((chart) => chart.id === 'engines');
    if (engines) body.push(`<div class="charts"><div class="chart"><canvas id="chart-engines" aria-label="${escapeHtml(engines.title)}" role="img"></canvas></div></div>`);
    results.forEach((result, index) => {
      const prefix = `${index + 1}-`;
      body.push(runSection(result, charts.filter((chart) => chart.id.startsWith(prefix)), true));
    });
  }
  body.push(`<footer>Rendered by capacity from result.json alone; opens offline (Chart.js is inlined).</footer>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>capacity report: ${escapeHtml(scenarios)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
${body.join('\n')}
<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var specs = ${scriptJson(charts.map((chart) => ({ id: chart.id, config: chart.config })))};
  var drawn = 0;
  specs.forEach(function (spec) {
    var canvas = document.getElementById('chart-' + spec.id);
    if (!canvas) return;
    new Chart(canvas, spec.config);
    drawn += 1;
  });
  window.__capacityCharts = { expected: specs.length, drawn: drawn };
})();
</script>
</body>
</html>
`;
}

export const htmlReporter: Reporter = {
  format: 'html',
  description: 'one self-contained HTML file with charts (opens offline)',
  printsByDefault: false,
  async render(results) {
    return [{ name: 'report.html', content: await renderHtml(results) }];
  },
};
