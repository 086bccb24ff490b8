/**
 * Every input of the sizing that is not measured: one table, as data. Each has a name (also its
 * CLI flag: --set name=value overrides any of them), a default, a unit and the reason for the
 * default. The report prints the table with the values used and where each came from.
 */
export interface AssumptionSpec {
  name: string;
  default: number;
  unit: string;
  reason: string;
  /** Inclusive bounds a value must respect. */
  min?: number;
  max?: number;
  integer?: boolean;
}

export const ASSUMPTIONS = [
  { name: 'concurrencyRatio', default: 0.01, unit: 'fraction', min: 0, max: 1, reason: "share of all users active at the busiest time; the seeds' 10,000 concurrent of 1,000,000 (1 %)" },
  { name: 'thinkTimeS', default: 1, unit: 's', min: 0, reason: "time a user waits between requests; DESIGN.md's Little's-law example (Z = 1 s) gives the seeds' ~10k req/s for 10k users" },
  { name: 'responseTimeS', default: 0.05, unit: 's', min: 0, reason: "mean response time in Little's law N = X(R+Z); DESIGN.md's example (R = 50 ms)" },
  { name: 'peakFactor', default: 1, unit: '×', min: 1, reason: 'bursts above the busiest-hour concurrency; 1 because the 1 % ratio already describes the peak' },
  { name: 'averageToPeak', default: 0.3, unit: 'fraction', min: 0, max: 1, reason: 'monthly mean request rate over the peak rate, for usage-priced lines (egress, LCUs); a diurnal web profile averages about a third of its peak. Replace with --daily-profile' },
  { name: 'growthPerMonth', default: 0, unit: 'fraction/month', min: 0, reason: 'user growth per month; 0 sizes for the users given' },
  { name: 'horizonMonths', default: 12, unit: 'months', min: 0, integer: true, reason: 'months of growth and of accumulated data the database storage is sized for' },
  { name: 'sloP95Ms', default: 200, unit: 'ms', min: 1, reason: "the seeds' objective: p95 < 200 ms" },
  { name: 'sloErrorRate', default: 0.001, unit: 'fraction', min: 0, max: 1, reason: "the seeds' 99.9 % availability read as an error budget; reported, and the reason for N+1 and standbys" },
  { name: 'appP95Share', default: 0.5, unit: 'fraction', min: 0.01, max: 1, reason: "share of the p95 objective the app tier's CPU queue may use; the rest is left to the network, Redis and PostgreSQL" },
  { name: 'targetUtilization', default: 0.7, unit: 'fraction', min: 0.05, max: 1, reason: "the seeds' scale-out threshold (70 % CPU)" },
  { name: 'appSpareNodes', default: 1, unit: 'nodes', min: 0, integer: true, reason: 'N+1: one node can fail or be redeployed at peak without breaking the objective' },
  { name: 'appMinNodes', default: 2, unit: 'nodes', min: 1, integer: true, reason: 'two nodes at least, in two zones, for the 99.9 % objective' },
  { name: 'burstableForPeak', default: 0, unit: '0/1', min: 0, max: 1, integer: true, reason: 'burstable (CPU-credit) offers such as t3/t4g on peak-sized tiers. 0: those whose credit baseline and surplus price are sourced carry their credit charge (unlimited mode) as a bill line; the others are left out, the reason printed. 1: every burstable offer, credit charges not priced where unsourced (flagged). --dedicated-cpu leaves them all out' },
  { name: 'nodeOverheadGiB', default: 0.5, unit: 'GiB', min: 0, reason: 'memory the OS, agents and the runtime take on each server before the app' },
  { name: 'dbStandby', default: 1, unit: 'standbys', min: 0, integer: true, reason: 'a standby (Multi-AZ) so a database failure does not break 99.9 %' },
  { name: 'dbReadReplicas', default: 0, unit: 'replicas', min: 0, integer: true, reason: 'read replicas; none until the measured read share needs them' },
  { name: 'redisReplicas', default: 1, unit: 'replicas', min: 0, integer: true, reason: 'one replica so sessions survive a cache node failure' },
  { name: 'dailyActiveRatio', default: 0.2, unit: 'fraction', min: 0, max: 1, reason: 'share of users with a live session on a given day (sessions live 24 h)' },
  { name: 'sessionBytes', default: 1024, unit: 'B', min: 0, reason: 'one server-side session in Redis (id, user id, key, Redis overhead) for a system that stores sessions; the reference app stores none (stateless JWT; its per-user keys are cache entries), so this is an input, never the calibration\'s memory growth' },
  { name: 'cacheBytesPerUser', default: 400, unit: 'B', min: 0, reason: 'cache working set grows with the catalog; the reference seed has users/10 products of ~2 KB each, 200 B per user, doubled for keys and overhead' },
  { name: 'redisMaxFill', default: 0.75, unit: 'fraction', min: 0.05, max: 1, reason: 'Redis memory filled at most to 75 %: fragmentation, replication buffers, fork for persistence' },
  { name: 'redisOpsPerRequest', default: 1.5, unit: 'ops', min: 0, reason: 'Redis commands per request (session check plus cache lookups) for the operations figure' },
  { name: 'rowsPerUser', default: 3.1, unit: 'rows', min: 0, reason: 'the reference seed: 1 user row, 2 orders, 0.1 product per user' },
  { name: 'rowsPerUserPerMonth', default: 2, unit: 'rows/month', min: 0, reason: 'new rows (orders) per active user per month' },
  { name: 'bytesPerRow', default: 250, unit: 'B', min: 1, reason: 'an average row with tuple header and alignment' },
  { name: 'indexOverhead', default: 0.6, unit: 'fraction', min: 0, reason: 'indexes as a share of table size (primary keys, foreign keys, the search index)' },
  { name: 'walGiB', default: 8, unit: 'GiB', min: 0, reason: 'WAL kept on disk (max_wal_size plus replication slots)' },
  { name: 'storageMaxFill', default: 0.8, unit: 'fraction', min: 0.05, max: 1, reason: 'disks filled at most to 80 % so vacuum and growth have room' },
  { name: 'dbHotShare', default: 0.25, unit: 'fraction', min: 0, max: 1, reason: 'share of the database (tables + indexes) that is hot and must fit in RAM' },
  { name: 'dbRamForCache', default: 0.75, unit: 'fraction', min: 0.05, max: 1, reason: 'share of database RAM that serves as cache (shared_buffers + OS page cache)' },
  { name: 'dbPoolPerProcess', default: 10, unit: 'connections', min: 1, integer: true, reason: 'PG_POOL_SIZE of the reference app (architecture.md)' },
  { name: 'dbMaxConnections', default: 100, unit: 'connections', min: 1, integer: true, reason: "PostgreSQL's default max_connections" },
  { name: 'lbConnectionReuseS', default: 60, unit: 's', min: 1, reason: 'a client keeps its connection alive this long, so new connections/s = concurrent users / this' },
  { name: 'lbRules', default: 5, unit: 'rules', min: 0, integer: true, reason: 'listener rules evaluated per request (ALB: the first 10 are free)' },
  { name: 'bytesPerRequest', default: 800, unit: 'B', min: 0, reason: 'request headers and body processed by the load balancer (counts toward ALB processed bytes)' },
  { name: 'cwMetricsPerServer', default: 10, unit: 'metrics', min: 0, integer: true, reason: 'custom CloudWatch metrics per server (AWS only)' },
  { name: 'cwAlarmsPerServer', default: 2, unit: 'alarms', min: 0, integer: true, reason: 'alarms per server (AWS only)' },
  { name: 'cwDashboards', default: 1, unit: 'dashboards', min: 0, integer: true, reason: 'one dashboard (AWS only)' },
  { name: 'uslSigma', default: 0.03, unit: '', min: 0, max: 0.99, reason: 'USL contention σ when the calibration has no stepped-run fit: mild, not measured' },
  { name: 'uslKappa', default: 0.0001, unit: '', min: 0, max: 1, reason: 'USL coherency κ when the calibration has no stepped-run fit: small, not measured (N* ≈ 98)' },
] as const satisfies readonly AssumptionSpec[];

export type AssumptionName = (typeof ASSUMPTIONS)[number]['name'];
export type Assumptions = Record<AssumptionName, number>;

export interface AssumptionValue {
  name: AssumptionName;
  value: number;
  default: number;
  unit: string;
  reason: string;
  /** default: the table's default; option: set on the command line; calibration: measured. */
  origin: 'default' | 'option' | 'calibration';
}

export function defaultAssumptions(): Assumptions {
  return Object.fromEntries(ASSUMPTIONS.map((a) => [a.name, a.default])) as Assumptions;
}

export function isAssumptionName(name: string): name is AssumptionName {
  return ASSUMPTIONS.some((a) => a.name === name);
}

/** Checks values against the table's bounds; returns every problem (empty when all are fine). */
export function checkAssumptions(values: Partial<Assumptions>): string[] {
  const problems: string[] = [];
  for (const spec of ASSUMPTIONS as readonly AssumptionSpec[]) {
    const value = values[spec.name as AssumptionName];
    if (value === undefined) continue;
    if (!Number.isFinite(value)) problems.push(`${spec.name}: must be a finite number, got ${value}`);
    else if (spec.min !== undefined && value < spec.min) problems.push(`${spec.name}: must be ≥ ${spec.min}, got ${value}`);
    else if (spec.max !== undefined && value > spec.max) problems.push(`${spec.name}: must be ≤ ${spec.max}, got ${value}`);
    else if (spec.integer && !Number.isInteger(value)) problems.push(`${spec.name}: must be a whole number, got ${value}`);
  }
  return problems;
}

export function assumptionTable(values: Assumptions, origins: Partial<Record<AssumptionName, AssumptionValue['origin']>>): AssumptionValue[] {
  return ASSUMPTIONS.map((spec) => ({
    name: spec.name,
    value: values[spec.name],
    default: spec.default,
    unit: spec.unit,
    reason: spec.reason,
    origin: origins[spec.name] ?? 'default',
  }));
}
