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
}

export interface DownOptions {
  stateDir: string;
  /** Delete data directories too. */
  purge: boolean;
}

/** Small adapter interface: one per driver. */
export interface StackDriver {
  readonly name: StackState['driver'];
  up(options: UpOptions): Promise<StackState>;
  status(state: StackState): Promise<ComponentHealth[]>;
  down(state: StackState, options: DownOptions): Promise<void>;
}
