/**
 * The stack under test, as every other module sees it. Drivers (local processes, docker compose,
 * an external URL) produce a StackState; engines, collectors and reports read it.
 */
export type Tier = 'lb' | 'app' | 'redis' | 'postgres' | 'prometheus' | 'grafana' | 'exporter';

export interface StackComponent {
  /** Unique name, e.g. "app1", "nginx", "postgres". */
  name: string;
  tier: Tier;
  /** PID of the process we started (local driver); absent for compose/external. */
  pid?: number;
  host: string;
  port: number;
  /** Base URL for HTTP components. */
  url?: string;
  /** Prometheus exposition endpoint, when the component has one. */
  metricsUrl?: string;
  logFile?: string;
  /** A non-Prometheus status endpoint (nginx stub_status). */
  statusUrl?: string;
  /**
   * Local driver: the process start time (clock ticks since boot, /proc/<pid>/stat field 22) and
   * the command name expected in /proc/<pid>/cmdline, so a recycled PID is never signalled.
   */
  startTime?: number;
  command?: string;
}

export interface StackState {
  driver: 'local' | 'compose' | 'external';
  startedAt: string;
  stateDir: string;
  /** Where load goes: the load balancer. */
  baseUrl: string;
  prometheusUrl?: string;
  /** Connection strings for the reference app's data tiers (seeding, checks). */
  databaseUrl?: string;
  redisUrl?: string;
  components: StackComponent[];
  /** 'starting' while `up` is still bringing components up; 'ready' once all are healthy. */
  phase?: 'starting' | 'ready';
  /** Prometheus scrape interval, seconds (local driver). */
  scrapeIntervalSeconds?: number;
}

export interface ComponentHealth {
  name: string;
  tier: Tier;
  healthy: boolean;
  detail: string;
  url?: string;
  pid?: number;
}

export interface UpOptions {
  stateDir: string;
  apps: number;
  /** Users to seed into a fresh database (the seeder's default is small). */
  seedUsers?: number;
  signal?: AbortSignal;
  /** Progress lines ("starting postgres", ...). */
  onProgress?: (message: string) => void;
  /** Fixed ports instead of free ones; a taken fixed port is bad input. */
  ports?: { lb?: number; postgres?: number; redis?: number; prometheus?: number };
  /** Extra environment for every app instance (e.g. FAULT_LATENCY_MS for regression demos). */
  appEnv?: Record<string, string>;
  /** PATH used to find binaries (the caller's environment; library code never reads process.env). */
  path?: string;
  /** Explicit binaries, overriding the PATH lookup. */
  binaries?: { postgresBinDir?: string; redisServer?: string; nginx?: string; prometheus?: string };
  /** PostgreSQL pool size per app instance. */
  pgPoolSize?: number;
  /** Upper bound for the whole `up` to reach healthy (seeding excluded), ms. */
  timeoutMs?: number;
  /** The capacity installation (holds reference-app/ and infra/compose/), from ProcessContext. */
  projectRoot: string;
  /** The reference app's package folder (default: reference-app/ of the installation). */
  referenceAppDir?: string;
}

export interface DownOptions {
  stateDir: string;
  /** Delete data directories too. */
  purge: boolean;
  /** Progress lines ("stopped nginx (pid 123)", ...). */
  onProgress?: (message: string) => void;
}

/** Stops and starts single app instances of a running stack (the failover scenario). */
export interface InstanceController {
  stop(instance: string): Promise<{ ok: boolean; detail: string }>;
  start(instance: string): Promise<{ ok: boolean; detail: string }>;
}

/** Small adapter interface: one per driver. */
export interface StackDriver {
  readonly name: StackState['driver'];
  up(options: UpOptions): Promise<StackState>;
  status(state: StackState): Promise<ComponentHealth[]>;
  down(state: StackState, options: DownOptions): Promise<void>;
  /** Instance control, where the driver can stop and start one instance (local only). */
  instances?(stateDir: string, options: { readyTimeoutMs?: number; signal?: AbortSignal }): InstanceController;
}
