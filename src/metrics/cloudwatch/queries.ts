/**
 * Pure parts of the CloudWatch collector: which GetMetricData queries a config asks for, how
 * pages of results merge and turn into ServerSeries, how errors are classified and how long to
 * back off. No SDK client, sockets or clocks here.
 */
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { ServerSeries } from '../../results/schema.js';
import { METRICS } from '../series.js';
import type { CloudWatchConfig } from './config.js';

/** One series a query feeds: value × scale, or value ÷ period for per-period sums. */
export interface SeriesOutput {
  metric: string;
  unit: string;
  /** Multiplier applied to every value (e.g. vCPUs / 100 to turn % into cores). */
  scale: number;
  /** Sums over a period become rates: divide by the period. */
  perSecond: boolean;
}

export interface QuerySpec {
  id: string;
  tier: 'lb' | 'app' | 'postgres' | 'redis';
  instance: string;
  namespace: string;
  metricName: string;
  dimension: { name: string; value: string };
  stat: string;
  outputs: SeriesOutput[];
}

/** GetMetricData takes at most 500 queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;

const CPU_PERCENT = { metric: 'cpu_utilization_percent', unit: 'percent' } as const;

function plain(metric: { metric: string; unit: string }, scale = 1): SeriesOutput {
  return { metric: metric.metric, unit: metric.unit, scale, perSecond: false };
}
function rate(metric: { metric: string; unit: string }): SeriesOutput {
  return { metric: metric.metric, unit: metric.unit, scale: 1, perSecond: true };
}
function cpuOutputs(vcpus: number | undefined): SeriesOutput[] {
  // CPUUtilization is a percentage of the instance's vCPUs; cores busy need the vCPU count.
  return vcpus === undefined ? [plain(CPU_PERCENT)] : [plain(CPU_PERCENT), plain(METRICS.cpu, vcpus / 100)];
}

/** Every query the config asks for, with stable ids q0, q1, ... (ids must start lowercase). */
export function buildQuerySpecs(config: CloudWatchConfig): QuerySpec[] {
  const specs: Omit<QuerySpec, 'id'>[] = [];
  const add = (spec: Omit<QuerySpec, 'id'>) => specs.push(spec);

  for (const instanceId of config.ec2?.instanceIds ?? []) {
    add({
      tier: 'app', instance: instanceId, namespace: 'AWS/EC2', metricName: 'CPUUtilization',
      dimension: { name: 'InstanceId', value: instanceId }, stat: 'Average', outputs: cpuOutputs(config.ec2?.vcpus),
    });
  }
  for (const group of config.ec2?.autoScalingGroupNames ?? []) {
    // A group's CPUUtilization is the mean over its instances: without the instance count it
    // cannot become cores, so only the percentage is reported.
    add({
      tier: 'app', instance: group, namespace: 'AWS/EC2', metricName: 'CPUUtilization',
      dimension: { name: 'AutoScalingGroupName', value: group }, stat: 'Average', outputs: [plain(CPU_PERCENT)],
    });
  }
  for (const lb of config.alb?.loadBalancers ?? []) {
    const dimension = { name: 'LoadBalancer', value: lb };
    const base = { tier: 'lb' as const, instance: lb, namespace: 'AWS/ApplicationELB', dimension };
    add({ ...base, metricName: 'RequestCount', stat: 'Sum', outputs: [rate(METRICS.requestRate)] });
    add({ ...base, metricName: 'TargetResponseTime', stat: 'Average', outputs: [plain({ metric: 'latency_mean_seconds', unit: 's' })] });
    add({ ...base, metricName: 'TargetResponseTime', stat: 'p95', outputs: [plain(METRICS.latencyP95)] });
    add({ ...base, metricName: 'HTTPCode_Target_5XX_Count', stat: 'Sum', outputs: [rate(METRICS.errorRate)] });
  }
  for (const db of config.rds?.dbInstanceIdentifiers ?? []) {
    const dimension = { name: 'DBInstanceIdentifier', value: db };
    const base = { tier: 'postgres' as const, instance: db, namespace: 'AWS/RDS', dimension };
    add({ ...base, metricName: 'CPUUtilization', stat: 'Average', outputs: cpuOutputs(config.rds?.vcpus) });
    add({ ...base, metricName: 'DatabaseConnections', stat: 'Average', outputs: [plain({ metric: 'db_connections', unit: 'connections' })] });
    add({ ...base, metricName: 'ReadIOPS', stat: 'Average', outputs: [plain({ metric: 'read_iops', unit: 'ops/s' })] });
    add({ ...base, metricName: 'WriteIOPS', stat: 'Average', outputs: [plain({ metric: 'write_iops', unit: 'ops/s' })] });
  }
  for (const cluster of config.elasticache?.cacheClusterIds ?? []) {
    const dimension = { name: 'CacheClusterId', value: cluster };
    const base = { tier: 'redis' as const, instance: cluster, namespace: 'AWS/ElastiCache', dimension };
    add({ ...base, metricName: 'CPUUtilization', stat: 'Average', outputs: cpuOutputs(config.elasticache?.vcpus) });
    add({ ...base, metricName: 'CacheHits', stat: 'Sum', outputs: [rate(METRICS.cacheHits)] });
    add({ ...base, metricName: 'CacheMisses', stat: 'Sum', outputs: [rate(METRICS.cacheMisses)] });
    add({
      ...base, metricName: 'DatabaseMemoryUsagePercentage', stat: 'Average',
      outputs: [plain({ metric: 'memory_usage_percent', unit: 'percent' })],
    });
  }
  return specs.map((spec, index) => ({ ...spec, id: `q${index}` }));
}

/** The wire form of the specs, in requests of at most MAX_QUERIES_PER_REQUEST queries. */
export function toMetricDataQueries(specs: readonly QuerySpec[], periodSeconds: number): MetricDataQuery[][] {
  const queries: MetricDataQuery[] = specs.map((spec) => ({
    Id: spec.id,
    MetricStat: {
      Metric: {
        Namespace: spec.namespace,
        MetricName: spec.metricName,
        Dimensions: [{ Name: spec.dimension.name, Value: spec.dimension.value }],
      },
      Period: periodSeconds,
      Stat: spec.stat,
    },
    ReturnData: true,
  }));
  const chunks: MetricDataQuery[][] = [];
  for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_REQUEST) chunks.push(queries.slice(i, i + MAX_QUERIES_PER_REQUEST));
  return chunks;
}

/** Timestamps (ms) and values of one query, merged over every page. */
export interface CollectedPoints {
  timestampsMs: number[];
  values: number[];
}

/** Appends one page of results; pages may split a query's points (NextToken). */
export function mergePage(into: Map<string, CollectedPoints>, page: readonly MetricDataResult[]): void {
  for (const result of page) {
    if (!result.Id) continue;
    const entry = into.get(result.Id) ?? { timestampsMs: [], values: [] };
    const timestamps = result.Timestamps ?? [];
    const values = result.Values ?? [];
    const count = Math.min(timestamps.length, values.length);
    for (let i = 0; i < count; i += 1) {
      entry.timestampsMs.push((timestamps[i] as Date).getTime());
      entry.values.push(values[i] as number);
    }
    into.set(result.Id, entry);
  }
}

/**
 * ServerSeries from collected points. CloudWatch stamps a point with the start of its period;
 * the series convention is the end of the period the value stands for, in seconds since the
 * run started. Periods without data have no point: gaps stay gaps, nothing is zero-filled.
 */
export function toServerSeries(
  specs: readonly QuerySpec[],
  collected: ReadonlyMap<string, CollectedPoints>,
  runStartMs: number,
  periodSeconds: number,
): ServerSeries[] {
  const series: ServerSeries[] = [];
  for (const spec of specs) {
    const points = collected.get(spec.id);
    const byTime = new Map<number, number>();
    if (points) {
      points.timestampsMs.forEach((ms, i) => {
        const value = points.values[i] as number;
        if (Number.isFinite(ms) && Number.isFinite(value)) byTime.set(ms, value); // a repeated timestamp keeps the last page's value
      });
    }
    const sorted = [...byTime.entries()].sort((a, b) => a[0] - b[0]);
    for (const output of spec.outputs) {
      series.push({
        tier: spec.tier,
        instance: spec.instance,
        metric: output.metric,
        unit: output.unit,
        source: 'cloudwatch',
        points: sorted.map(([ms, value]) => [
          (ms - runStartMs) / 1000 + periodSeconds,
          (output.perSecond ? value / periodSeconds : value) * output.scale,
        ]),
      });
    }
  }
  return series;
}

export type AwsErrorKind = 'throttling' | 'auth' | 'server' | 'network' | 'other';

const THROTTLING_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown', 'ProvisionedThroughputExceededException',
]);
const AUTH_CODES = new Set([
  'InvalidClientTokenId', 'UnrecognizedClientException', 'ExpiredToken', 'ExpiredTokenException',
  'SignatureDoesNotMatch', 'InvalidSignatureException', 'IncompleteSignature', 'MissingAuthenticationToken',
  'AccessDenied', 'AccessDeniedException', 'AuthFailure', 'NotAuthorized', 'CredentialsProviderError',
  'InvalidAccessKeyId', 'OptInRequired',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'TimeoutError']);

/** The fields of an SDK error this module looks at. */
export interface AwsErrorLike {
  name?: string;
  code?: string;
  httpStatusCode?: number;
  fault?: string;
}

export function describeAwsError(error: unknown): AwsErrorLike {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { name?: unknown; code?: unknown; Code?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return {
    ...(typeof e.name === 'string' ? { name: e.name } : {}),
    ...(typeof e.Code === 'string' ? { code: e.Code } : typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.$metadata?.httpStatusCode === 'number' ? { httpStatusCode: e.$metadata.httpStatusCode } : {}),
    ...(typeof e.$fault === 'string' ? { fault: e.$fault } : {}),
  };
}

export function classifyAwsError(error: AwsErrorLike): AwsErrorKind {
  const codes = [error.code, error.name].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => THROTTLING_CODES.has(c)) || error.httpStatusCode === 429) return 'throttling';
  if (codes.some((c) => AUTH_CODES.has(c))) return 'auth';
  if (codes.some((c) => NETWORK_CODES.has(c))) return 'network';
  if (error.fault === 'server' || (error.httpStatusCode !== undefined && error.httpStatusCode >= 500)) return 'server';
  return 'other';
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^(retry−1))]. */
export function backoffDelayMs(retry: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
