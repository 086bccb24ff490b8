/**
 * Pure reading of k6's handleSummary data (the JSON k6 passes to handleSummary): the figures
 * we cross-check the sample stream against.
 */
export interface K6SummaryFigures {
  requests: number;
  durationS?: number;
  droppedIterations?: number;
  p95Ms?: number;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function metricValue(metrics: Record<string, unknown>, metric: string, stat: string): number | undefined {
  const value = record(record(metrics[metric])['values'])[stat];
  return typeof value === 'number' ? value : undefined;
}

export function k6SummaryFigures(data: unknown): K6SummaryFigures {
  const root = record(data);
  const metrics = record(root['metrics']);
  const durationMs = record(root['state'])['testRunDurationMs'];
  const dropped = metricValue(metrics, 'dropped_iterations', 'count');
  const p95 = metricValue(metrics, 'http_req_duration', 'p(95)');
  return {
    requests: metricValue(metrics, 'http_reqs', 'count') ?? 0,
    ...(typeof durationMs === 'number' ? { durationS: durationMs / 1000 } : {}),
    ...(dropped === undefined ? {} : { droppedIterations: dropped }),
    ...(p95 === undefined ? {} : { p95Ms: p95 }),
  };
}
