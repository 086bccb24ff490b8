import { badInput } from '../core/errors.js';
import type { EngineInfo } from '../results/schema.js';
import type { Plan } from '../scenarios/types.js';

/**
 * How much memory the load generator needs for a plan's peak, estimated before any load so a run
 * that cannot fit is refused (exit 2) instead of swapping or being OOM-killed after the stack is
 * up. Pure: the caller brings the machine's free memory (`os.freemem()`).
 *
 * Estimate = base (the engine's process) + bytes per virtual user / connection x peak users.
 */

export type EngineName = EngineInfo['name'];

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface EngineMemoryCost {
  /** Memory of one virtual user (k6, Artillery) or one connection (autocannon). */
  bytesPerUser: number;
  /** The engine's process before any user: runtime, metrics, our histograms. */
  baseBytes: number;
}

export const ENGINE_MEMORY: Readonly<Record<EngineName, EngineMemoryCost>> = {
  // k6: its docs ("Running large tests") put a simple script at roughly 1-5 MB per VU, and its
  // maintainers ~3 MB per VU for small scripts that keep response bodies. Each VU is its own JS
  // runtime holding our script and the parsed plan; the script discards response bodies and loads
  // no modules, so it sits at the low end: 2 MiB. Base: the Go runtime, CSV output, thresholds.
  k6: { bytesPerUser: 2 * MiB, baseBytes: 100 * MiB },
  // autocannon: a connection is a socket, an HTTP parser and its read/write buffers, tens of KB.
  // Measured here (autocannon 8, Node 20, loopback): ~40 KiB per connection at 1,000-3,000
  // connections over a ~70 MiB process; 64 KiB leaves room for bigger responses and the mix's
  // prebuilt requests. Base: the capacity process with autocannon, histograms, the live view.
  autocannon: { bytesPerUser: 64 * KiB, baseBytes: 128 * MiB },
  // Artillery: a VU is a small JS context plus its own socket, the same order as an autocannon
  // connection. Measured here (Artillery 2.0.21): ~240 MiB for the process tree at rest, +75 MiB
  // with 2,000 VUs in flight (~38 KiB each); 64 KiB per VU, 256 MiB base.
  artillery: { bytesPerUser: 64 * KiB, baseBytes: 256 * MiB },
  // Locust: a user is a greenlet with its own FastHttp connection pool, of the order of an
  // Artillery VU; 128 KiB leaves room for Python's larger objects. Base: the master and one
  // worker, two Python processes with gevent, zmq and the plan (~60 MiB each at 10-20 users, measured here with Locust 2.47).
  locust: { bytesPerUser: 128 * KiB, baseBytes: 160 * MiB },
};

/** What the estimate needs from a plan. */
export type PlanForMemory = Pick<Plan, 'model' | 'maxUsers' | 'peakTarget'>;

/**
 * The most virtual users / connections the engine may hold at once. Closed model: the peak user
 * count (never above maxUsers). Open model: the arrival rate is kept by a pool of at most
 * maxUsers (k6's maxVUs, the cap on autocannon connections); when responses slow down the
 * engine grows toward it, so the estimate takes the whole pool.
 */
export function peakUsers(plan: PlanForMemory): number {
  if (plan.model === 'closed') return Math.max(0, Math.min(plan.maxUsers, Math.ceil(plan.peakTarget)));
  return Math.max(0, plan.maxUsers);
}

export interface MemoryEstimate {
  engine: EngineName;
  users: number;
  bytesPerUser: number;
  baseBytes: number;
  totalBytes: number;
}

export function estimateGeneratorMemory(plan: PlanForMemory, engine: EngineName): MemoryEstimate {
  const cost = ENGINE_MEMORY[engine];
  const users = peakUsers(plan);
  return { engine, users, bytesPerUser: cost.bytesPerUser, baseBytes: cost.baseBytes, totalBytes: cost.baseBytes + users * cost.bytesPerUser };
}

/** "512 KiB", "64.0 MiB", "19.6 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${Math.round(bytes / KiB)} KiB`;
}

const thousands = (value: number): string => value.toLocaleString('en-US');

/** "k6: about 19.6 GiB for 10,000 virtual users (2.0 MiB each + 100.0 MiB)". */
export function describeEstimate(estimate: MemoryEstimate): string {
  const unit = estimate.engine === 'autocannon' ? 'connections' : 'virtual users';
  return `${estimate.engine}: about ${formatBytes(estimate.totalBytes)} for ${thousands(estimate.users)} ${unit} (${formatBytes(estimate.bytesPerUser)} each + ${formatBytes(estimate.baseBytes)})`;
}

/**
 * Estimates for every engine of the run (they run one after another, so each must fit on its
 * own) and throws exit 2 when one needs more than the machine's free memory.
 */
export function checkGeneratorMemory(plan: PlanForMemory, engines: readonly EngineName[], freeBytes: number): MemoryEstimate[] {
  const estimates = engines.map((engine) => estimateGeneratorMemory(plan, engine));
  const tooBig = estimates.filter((estimate) => estimate.totalBytes > freeBytes);
  const [first] = tooBig;
  if (first) {
    const fitting = (estimate: MemoryEstimate) => Math.max(0, Math.floor((freeBytes - estimate.baseBytes) / estimate.bytesPerUser));
    const lighter = tooBig.some((estimate) => estimate.engine !== 'autocannon') ? ', --engine autocannon (about 64 KiB per connection)' : '';
    throw badInput(
      `the load generator would need about ${formatBytes(first.totalBytes)} of memory for ${thousands(first.users)} users, but ${formatBytes(freeBytes)} is free`,
      tooBig.map((estimate) => `${describeEstimate(estimate)}; free ${formatBytes(freeBytes)}: about ${thousands(fitting(estimate))} fit`),
      `use fewer users (--users N sets the cap)${lighter}, or split the load over more generator machines`,
    );
  }
  return estimates;
}
