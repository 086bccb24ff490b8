/**
 * A Plan is what a scenario becomes once validated, overridden and resolved against a target:
 * plain data that every engine executes the same way. Built by plan.ts (pure), printed by
 * `capacity plan`, stored in RunResult.plan.
 */
export type WorkloadModel = 'open' | 'closed';

export interface PlanStage {
  name?: string;
  durationS: number;
  /** Open model: arrival rate (req/s) reached at the end of the stage. Closed: users. */
  target: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** A request body: JSON (strings may hold {{variables}}), a URL-encoded form, or raw text. */
export type PlanBody = { json: unknown } | { form: Record<string, string> } | { raw: string; contentType: string };

/** A per-user variable set from a response: a JSON path, a header, or a regex's first group. */
export type PlanCapture = { variable: string } & ({ json: string } | { header: string } | { regex: string });

/** A condition on a response; a failed one makes the response an error of kind `check`. */
export type PlanCheck = { status: number[] } | { jsonPath: string; exists: boolean; equals?: unknown } | { bodyContains: string };

/**
 * One entry of the mix, a flow step or the sign-in. `path`, `query` and `headers` values and the
 * body's strings may hold {{name}} references filled per iteration (see PlanVariable).
 */
export interface PlanRequest {
  name: string;
  method: HttpMethod;
  path: string;
  /** Mix entries: relative share. Flow steps and the sign-in: 1. */
  weight: number;
  /** Added to the path as ?key=value (values URL-encoded after filling). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: PlanBody;
  /** Statuses that count as success (default: 2xx and 3xx). */
  expectStatus?: number[];
  checks?: PlanCheck[];
  captures?: PlanCapture[];
  /** Flow steps: pause after the step. */
  thinkTimeS?: number;
  /** Plans stored before schema 2 (reference-app placeholders): signed-in request. Read only. */
  auth?: boolean;
}

export type DataOrder = 'sequential' | 'random' | 'unique';

/**
 * A variable's source. Values are drawn once per iteration (a request of the mix, a pass through
 * the flow); `env` values are read by the engine from its environment at run time and never
 * stored; data files are read by the engine from `file` (absolute) at run time.
 */
export type PlanVariable =
  | { name: string; kind: 'literal'; value: string | number | boolean }
  | { name: string; kind: 'list'; values: Array<string | number | boolean> }
  | { name: string; kind: 'range'; low: number; high: number; order: 'random' | 'sequential' }
  | { name: string; kind: 'uuid' }
  | { name: string; kind: 'env'; env: string }
  | { name: string; kind: 'data'; format: 'csv' | 'json'; file: string; order: DataOrder };

/** Sign-in: per virtual user (a counted request, again once after a 401) or a pool before the load. */
export interface PlanAuth {
  login: PlanRequest;
  per: 'user' | 'pool';
  poolSize: number;
}

export interface PlanSlo {
  name: string;
  metric: 'p50' | 'p90' | 'p95' | 'p99' | 'errorRate' | 'minRps';
  /** ms for latency, a fraction (0.001) for errorRate, req/s for minRps. */
  threshold: number;
  /** Request name from the mix; absent = global. */
  endpoint?: string;
  /** Not stated by the scenario: the default error-rate objective. */
  default?: true;
}

/** Plans stored before schema 2 carried the reference app's data ranges; read only. */
export interface PlanData {
  userIdRange: [number, number];
  productIdRange: [number, number];
  password: string;
  searchTerms: string[];
  pageRange?: [number, number];
}

export interface Plan {
  scenario: string;
  model: WorkloadModel;
  baseUrl: string;
  /** Open: initial arrival rate; closed: initial users. */
  startTarget: number;
  stages: PlanStage[];
  /** Closed model: pause between a user's requests. */
  thinkTimeS: number;
  /** Cap on virtual users / connections the engine may use. */
  maxUsers: number;
  requestTimeoutS: number;
  /** Reporting interval of the per-interval series. */
  intervalS: number;
  /** The weighted mix, or (flow: true) the steps each virtual user sends in order. */
  requests: PlanRequest[];
  /** Each virtual user sends `requests` in order, again and again (a user flow). */
  flow?: boolean;
  /** Headers sent with every request (a request's own win). */
  headers?: Record<string, string>;
  variables?: PlanVariable[];
  auth?: PlanAuth;
  /** Plans stored before schema 2 only. */
  data?: PlanData;
  /** The plan's shape: 2 since variables, flows and checks (absent before). */
  planVersion?: 2;
  slos: PlanSlo[];
  totalDurationS: number;
  /** Highest stage target (req/s or users). */
  peakTarget: number;
  /** Failover scenario: stop this app instance at this second, start it again at `restoreAtS`. */
  failover?: { atS: number; restoreAtS: number; instance: string };
}
