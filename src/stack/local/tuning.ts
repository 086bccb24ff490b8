/**
 * Settings of the local stack, scaled from the seeds to the machine it runs on. Pure: the
 * machine's facts come in as values, so the arithmetic is unit-tested.
 *
 * The seeds size a dedicated 4 GB database server (shared_buffers 1 GB = 25 %, effective_cache_size
 * 3 GB = 75 %, maintenance_work_mem 256 MB = 1/16, work_mem 2 MB, 50 pool connections per app) and a
 * Redis with maxmemory 1536 MB and allkeys-lru. Here every tier shares one machine, so PostgreSQL's
 * share of memory is a quarter of it and the same ratios apply to that share.
 */
export interface MachineFacts {
  totalMemoryBytes: number;
  cpus: number;
  /** net.core.somaxconn: the kernel caps every listen backlog at this. */
  somaxconn: number;
  /** Hard RLIMIT_NOFILE; only a privileged nginx master may raise its workers above it. */
  nofileHardLimit: number;
  /** Running as root (or with CAP_SYS_RESOURCE). */
  privileged: boolean;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** PostgreSQL memory sizes are written in whole MB. */
function mb(bytes: number): string {
  return `${Math.floor(bytes / MiB)}MB`;
}

/** Connections the tools need beside the apps' pools: psql, migrate, seed, checks, superuser reserve. */
export const POSTGRES_SPARE_CONNECTIONS = 20;

export interface PostgresTuningInput {
  apps: number;
  pgPoolSize: number;
}

/** postgresql.conf settings (name → value), before the per-run ones (port, socket dir). */
export function postgresSettings(machine: MachineFacts, input: PostgresTuningInput): Record<string, string> {
  const share = machine.totalMemoryBytes / 4;
  const cpus = Math.max(1, machine.cpus);
  return {
    max_connections: String(Math.max(100, input.apps * input.pgPoolSize + POSTGRES_SPARE_CONNECTIONS)),
    shared_buffers: mb(clamp(share * 0.25, 128 * MiB, 8 * GiB)),
    effective_cache_size: mb(clamp(share * 0.75, 256 * MiB, 24 * GiB)),
    maintenance_work_mem: mb(clamp(share / 16, 64 * MiB, 2 * GiB)),
    work_mem: '2MB',
    // The seeds' checkpoint and WAL settings; WAL sizes scaled down (a shared disk, short runs).
    checkpoint_completion_target: '0.9',
    wal_buffers: '16MB',
    min_wal_size: '1GB',
    max_wal_size: '4GB',
    random_page_cost: '1.1',
    effective_io_concurrency: '200',
    max_worker_processes: String(Math.max(8, cpus)),
    max_parallel_workers: String(cpus),
    max_parallel_workers_per_gather: String(Math.max(1, Math.floor(cpus / 2))),
    default_statistics_target: '100',
    // A load-test stack: a crash may lose the last few hundred ms of commits (never corrupts:
    // fsync stays on). Without it, commit latency measures the shared disk, not the design.
    synchronous_commit: 'off',
    // JIT compiles plans for short OLTP queries at a cost higher than it saves.
    jit: 'off',
  };
}

export interface RedisSettings {
  maxmemoryBytes: number;
  policy: 'allkeys-lru';
  /** RDB save points, as in the seeds; AOF off. */
  savePoints: Array<[seconds: number, changes: number]>;
}

/** The seeds' Redis: 1536 MB allkeys-lru (a sixteenth of the machine when that is less), RDB snapshots. */
export function redisSettings(machine: MachineFacts): RedisSettings {
  return {
    maxmemoryBytes: Math.floor(Math.min(1536 * MiB, machine.totalMemoryBytes / 16)),
    policy: 'allkeys-lru',
    savePoints: [
      [900, 1],
      [300, 10],
      [60, 10000],
    ],
  };
}

export interface NginxSizing {
  workerConnections: number;
  workerRlimitNofile: number;
  listenBacklog: number;
  /** Idle keepalive connections each worker caches per upstream group. */
  upstreamKeepalive: number;
}

/** Clients the load balancer is sized for: the seeds' 10,000 concurrent users. */
export const DESIGN_CONCURRENT_CLIENTS = 10_000;

/**
 * nginx sized so that one worker alone can hold every client plus its upstream connections
 * (accepts are not spread evenly), and each connection needs a descriptor.
 */
export function nginxSizing(machine: MachineFacts): NginxSizing {
  const workerConnections = 16_384;
  const wanted = 2 * workerConnections + 1024;
  return {
    workerConnections,
    workerRlimitNofile: machine.privileged ? wanted : Math.min(wanted, machine.nofileHardLimit),
    listenBacklog: clamp(machine.somaxconn, 511, 65_535),
    upstreamKeepalive: 128,
  };
}
