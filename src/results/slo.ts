import type { PlanSlo } from '../scenarios/types.js';
import type { EndpointFigures, LatencySummary, SloVerdict, Totals } from './schema.js';

/**
 * SLO evaluation, pure: the plan's objectives against the run's figures. A figure the run did not
 * produce (no request completed, an engine without p90) fails its objective: unknown is not a pass.
 */
export interface SloFigures {
  totals: Totals;
  endpoints: EndpointFigures[];
  /** Length of the measured window, for per-endpoint throughput. */
  durationS: number;
}

function latencyOf(summary: LatencySummary | undefined, metric: 'p50' | 'p90' | 'p95' | 'p99'): number | null {
  const value = summary?.[metric];
  return value === undefined ? null : value;
}

function observe(slo: PlanSlo, figures: SloFigures): number | null {
  if (slo.endpoint === undefined) {
    const { totals } = figures;
    if (slo.metric === 'errorRate') return totals.requests > 0 ? totals.errorRate : null;
    if (slo.metric === 'minRps') return totals.achievedRps;
    return latencyOf(totals.latencyMs, slo.metric);
  }
  const endpoint = figures.endpoints.find((candidate) => candidate.name === slo.endpoint);
  if (!endpoint) return null;
  if (slo.metric === 'errorRate') return endpoint.requests > 0 ? endpoint.errors / endpoint.requests : null;
  if (slo.metric === 'minRps') return figures.durationS > 0 ? endpoint.requests / figures.durationS : null;
  return latencyOf(endpoint.latencyMs, slo.metric);
}

export function evaluateSlos(slos: readonly PlanSlo[], figures: SloFigures): SloVerdict[] {
  return slos.map((slo) => {
    const observed = observe(slo, figures);
    const pass = observed !== null && (slo.metric === 'minRps' ? observed >= slo.threshold : observed <= slo.threshold);
    return { name: slo.name, metric: slo.metric, ...(slo.endpoint ? { endpoint: slo.endpoint } : {}), threshold: slo.threshold, observed, pass };
  });
}

export function verdictOf(verdicts: readonly SloVerdict[]): 'pass' | 'fail' {
  return verdicts.every((verdict) => verdict.pass) ? 'pass' : 'fail';
}
