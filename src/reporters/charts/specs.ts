/**
 * Chart definitions (Chart.js configurations) built from results alone. Pure: the HTML
 * reporter inlines them for the browser, the PNG reporter renders them with chartjs-node-canvas.
 */
import type { ChartConfiguration } from 'chart.js';
import type { RunResult } from '../../results/schema.js';
import { isPartialInterval, usualIntervalS } from '../../results/intervals.js';
import { cpuByTier, resultLabel, uslThroughput } from '../summary.js';

export interface ChartSpec {
  /** File-name friendly id, unique within a report. */
  id: string;
  title: string;
  config: ChartConfiguration;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
export const colour = (index: number): string => PALETTE[index % PALETTE.length] as string;

type Point = { x: number; y: number };

interface LineDataset {
  label: string;
  data: Point[];
  dashed?: boolean;
  fill?: boolean;
  /** Drawn in the colour of another dataset (the partial tail of a series), lighter. */
  colourOf?: number;
  /** Marks its points (a lone partial interval would otherwise be invisible). */
  points?: boolean;
}

/** Which run a chart shows, under its title: a PNG is often looked at alone. */
export function runSubtitle(results: readonly RunResult[]): string {
  const scenarios = [...new Set(results.map((result) => result.scenario.name))].join(', ');
  return `${results.length === 1 ? 'run' : 'runs'} ${results.map((result) => result.id).join(', ')} · scenario ${scenarios}`;
}

/** The title and subtitle plugins every chart carries. */
function titles(title: string, subtitle: string) {
  return { title: { display: true, text: title }, subtitle: { display: true, text: subtitle, padding: { bottom: 8 } }, legend: { position: 'bottom' as const } };
}

function lineChart(title: string, subtitle: string, xTitle: string, yTitle: string, datasets: LineDataset[]): ChartConfiguration {
  return {
    type: 'line',
    data: {
      datasets: datasets.map((dataset, index) => {
        const base = colour(dataset.colourOf ?? index);
        return {
          label: dataset.label,
          data: dataset.data,
          borderColor: dataset.colourOf === undefined ? base : `${base}88`,
          backgroundColor: `${base}33`,
          borderWidth: 2,
          pointRadius: dataset.points ? 3 : 0,
          tension: 0.2,
          fill: dataset.fill ?? false,
          ...(dataset.dashed ? { borderDash: [6, 4] } : {}),
        };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      plugins: titles(title, subtitle),
      scales: {
        x: { type: 'linear', title: { display: true, text: xTitle } },
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: yTitle } },
      },
    },
  };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Charts of one run: latency percentiles, throughput, errors, server CPU per tier, USL. */
export function runCharts(result: RunResult, prefix = ''): ChartSpec[] {
  const specs: ChartSpec[] = [];
  const subtitle = runSubtitle([result]);
  const withLatency = result.intervals.filter((interval) => interval.latencyMs);
  specs.push({
    id: `${prefix}latency`,
    title: 'Latency percentiles over time',
    config: lineChart(
      'Latency percentiles per interval',
      subtitle,
      'seconds since start',
      'milliseconds',
      (['p50', 'p95', 'p99'] as const).map((key) => ({ label: key, data: withLatency.map((interval) => ({ x: interval.t, y: interval.latencyMs?.[key] ?? 0 })) })),
    ),
  });
  const planned = result.intervals.filter((interval) => interval.plannedRps !== undefined);
  // The last interval, when the end of the run cut it short, is drawn apart (dashed, lighter,
  // labelled) from the previous point: its rate covers a fraction of an interval, not a drop.
  const usualS = usualIntervalS(result.intervals);
  const last = result.intervals.at(-1);
  const tail = last && result.intervals.length > 1 && isPartialInterval(last, usualS) ? last : undefined;
  const full = tail ? result.intervals.slice(0, -1) : result.intervals;
  const achieved = (interval: (typeof result.intervals)[number]) => ({ x: interval.t, y: interval.achievedRps });
  specs.push({
    id: `${prefix}throughput`,
    title: 'Achieved vs planned throughput',
    config: lineChart('Throughput: achieved vs planned', subtitle, 'seconds since start', 'requests per second', [
      { label: 'achieved', data: full.map(achieved), fill: true },
      ...(planned.length > 0 ? [{ label: 'planned', data: planned.map((interval) => ({ x: interval.t, y: interval.plannedRps ?? 0 })), dashed: true }] : []),
      ...(tail ? [{ label: `last interval: partial (${Number(tail.durationS.toFixed(2))} s of ${Number(usualS.toFixed(2))} s)`, data: [achieved(full.at(-1) ?? tail), achieved(tail)], dashed: true, colourOf: 0, points: true }] : []),
    ]),
  });
  specs.push({
    id: `${prefix}errors`,
    title: 'Errors per interval',
    config: {
      type: 'bar',
      data: {
        labels: result.intervals.map((interval) => String(interval.t)),
        datasets: [
          { label: 'errors', data: result.intervals.map((interval) => interval.errors), backgroundColor: colour(1), yAxisID: 'y' },
          {
            type: 'line',
            label: 'error rate (%)',
            data: result.intervals.map((interval) => (interval.requests > 0 ? (interval.errors / interval.requests) * 100 : 0)),
            borderColor: colour(3),
            backgroundColor: colour(3),
            pointRadius: 0,
            borderWidth: 2,
            yAxisID: 'rate',
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: titles(`Errors per interval (total ${result.totals.errors})`, subtitle),
        scales: {
          x: { title: { display: true, text: 'seconds since start' } },
          y: { beginAtZero: true, suggestedMax: 1, ticks: { precision: 0 }, title: { display: true, text: 'errors' } },
          rate: { position: 'right', beginAtZero: true, suggestedMax: 1, grid: { drawOnChartArea: false }, title: { display: true, text: 'error rate %' } },
        },
      },
    } as ChartConfiguration,
  });
  const tiers = cpuByTier(result);
  if (tiers.length > 0) {
    specs.push({
      id: `${prefix}server-cpu`,
      title: 'Server CPU per tier',
      config: lineChart(
        'Server CPU per tier (cores busy, instances summed)',
        subtitle,
        'seconds since start',
        'cores',
        tiers.map((tier) => ({ label: tier.tier, data: tier.points.map(([x, y]) => ({ x, y })) })),
      ),
    });
  }
  const generatorCpu = generatorCpuChart(result, prefix, subtitle);
  if (generatorCpu) specs.push(generatorCpu);
  const usl = result.calibration?.usl;
  if (usl) {
    const maxUsers = Math.max(...usl.points.map(([users]) => users), usl.nStar ?? 0, 1) * 1.2;
    const curve: Point[] = [];
    for (let step = 0; step <= 60; step += 1) {
      const users = 1 + ((maxUsers - 1) * step) / 60;
      curve.push({ x: users, y: uslThroughput(usl, users) });
    }
    specs.push({
      id: `${prefix}usl`,
      title: 'Universal Scalability Law fit',
      config: {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'measured', data: usl.points.map(([x, y]) => ({ x, y })), backgroundColor: colour(0), pointRadius: 4 },
            { type: 'line', label: `USL σ=${usl.sigma.toFixed(4)} κ=${usl.kappa.toExponential(2)} λ=${usl.lambda.toFixed(1)}`, data: curve, borderColor: colour(1), pointRadius: 0, borderWidth: 2 },
          ],
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: titles(`Throughput vs concurrency${usl.nStar === null ? '' : ` (peak at N* ≈ ${usl.nStar.toFixed(1)})`}`, subtitle),
          scales: {
            x: { type: 'linear', title: { display: true, text: 'concurrent users N' } },
            y: { beginAtZero: true, title: { display: true, text: 'throughput X(N), req/s' } },
          },
        },
      } as ChartConfiguration,
    });
  }
  return specs;
}

/**
 * The generator's CPU beside the whole machine's, in cores, with the lines they cannot pass: the
 * cores the generator may use and the machine's cores. Absent for results without the series.
 */
function generatorCpuChart(result: RunResult, prefix: string, subtitle: string): ChartSpec | undefined {
  const points = result.generator?.cpu ?? [];
  const limit = result.generator?.limit;
  if (points.length === 0 || !limit) return undefined;
  const first = points[0]?.t ?? 0;
  const last = points.at(-1)?.t ?? first;
  const flat = (y: number): Point[] => [{ x: first, y }, { x: last, y }];
  const machine = points.filter((point) => point.machineBusyCores !== undefined);
  const datasets: LineDataset[] = [
    { label: 'generator (cores)', data: points.map((point) => ({ x: point.t, y: point.generatorCores })), fill: true },
    ...(machine.length > 0 ? [{ label: 'machine, every process (cores)', data: machine.map((point) => ({ x: point.t, y: point.machineBusyCores ?? 0 })) }] : []),
    { label: `generator may use: ${Number(limit.coresUsable.toFixed(2))} (${limit.coresUsableBecause})`, data: flat(limit.coresUsable), dashed: true, colourOf: 0 },
    ...(machine.length > 0 ? [{ label: `machine cores: ${limit.machineCores}`, data: flat(limit.machineCores), dashed: true, colourOf: 1 }] : []),
  ];
  return {
    id: `${prefix}generator-cpu`,
    title: 'Generator and machine CPU',
    config: lineChart(`Generator and machine CPU (verdict: ${limit.verdict})`, subtitle, 'seconds since start', 'cores busy', datasets),
  };
}

/** Several runs (e.g. one per engine) side by side: percentiles and throughput. */
export function enginesChart(results: readonly RunResult[]): ChartSpec {
  const labels = results.map(resultLabel);
  return {
    id: 'engines',
    title: 'Engines side by side',
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          ...(['p50', 'p95', 'p99'] as const).map((key, index) => ({ label: `${key} (ms)`, data: results.map((result) => result.totals.latencyMs?.[key] ?? 0), backgroundColor: colour(index), yAxisID: 'y' })),
          { label: 'throughput (req/s)', data: results.map((result) => result.totals.achievedRps), backgroundColor: colour(3), yAxisID: 'rps' },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: titles('Runs side by side: latency percentiles and throughput', runSubtitle(results)),
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'milliseconds' } },
          rps: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'req/s' } },
        },
      },
    },
  };
}

/** Every chart of a report: the side-by-side chart first when there are several runs. */
export function reportCharts(results: readonly RunResult[]): ChartSpec[] {
  if (results.length === 1) return runCharts(results[0] as RunResult);
  return [enginesChart(results), ...results.flatMap((result, index) => runCharts(result, `${index + 1}-${slug(result.engine.name)}-`))];
}
