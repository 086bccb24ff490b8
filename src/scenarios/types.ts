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

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One entry of the request mix. `path` and string values in `body` may hold placeholders that
 * engines fill per request: {userId}, {productId}, {page}, {query} — drawn from `Plan.data`.
 */
export interface PlanRequest {
  name: string;
  method: HttpMethod;
  path: string;
  weight: number;
  /** Needs a signed-in virtual user: it logs in once and reuses its token. */
  auth: boolean;
  body?: unknown;
  /** Statuses that count as success (default: 2xx and 3xx). */
  expectStatus?: number[];
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

export interface PlanData {
  /** Seeded user ids, inclusive; email user<id>@capacity.test. */
  userIdRange: [number, number];
  productIdRange: [number, number];
  password: string;
  searchTerms: string[];
  /** Page numbers for {page}, inclusive (absent in older plans: engines use 1..5). */
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
  requests: PlanRequest[];
  data: PlanData;
  slos: PlanSlo[];
  totalDurationS: number;
  /** Highest stage target (req/s or users). */
  peakTarget: number;
  /** Failover scenario: stop this app instance at this second, start it again at `restoreAtS`. */
  failover?: { atS: number; restoreAtS: number; instance: string };
}
