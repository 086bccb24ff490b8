/**
 * M/M/c queueing (Erlang C). c identical servers, Poisson arrivals λ, exponential service with
 * rate μ per server; offered load a = λ/μ (Erlangs), utilization ρ = a/c < 1 for a stable queue.
 */

/** Erlang B blocking probability by the stable recursion B(0)=1, B(k) = a·B(k−1) / (k + a·B(k−1)). */
export function erlangB(servers: number, offeredLoad: number): number {
  if (!Number.isInteger(servers) || servers < 1) throw new RangeError(`servers must be a positive integer, got ${servers}`);
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/** Erlang C: the probability that an arrival waits. 1 when the queue is unstable (a ≥ c). */
export function erlangC(servers: number, offeredLoad: number): number {
  if (offeredLoad >= servers) return 1;
  const b = erlangB(servers, offeredLoad);
  const rho = offeredLoad / servers;
  return b / (1 - rho * (1 - b));
}

export interface MmcQueue {
  servers: number;
  /** Arrivals per second. */
  arrivalRate: number;
  /** Mean service time per request on one server, seconds (1/μ). */
  serviceTimeS: number;
}

export interface MmcFigures {
  utilization: number;
  probabilityOfWait: number;
  meanWaitS: number;
  meanResponseS: number;
  stable: boolean;
}

export function mmc({ servers, arrivalRate, serviceTimeS }: MmcQueue): MmcFigures {
  const a = arrivalRate * serviceTimeS;
  const utilization = a / servers;
  if (utilization >= 1) {
    return { utilization, probabilityOfWait: 1, meanWaitS: Infinity, meanResponseS: Infinity, stable: false };
  }
  const c = erlangC(servers, a);
  const mu = 1 / serviceTimeS;
  const meanWaitS = c / (servers * mu - arrivalRate);
  return { utilization, probabilityOfWait: c, meanWaitS, meanResponseS: meanWaitS + serviceTimeS, stable: true };
}

/**
 * P(T > t) for the M/M/c response time T = W + S (FCFS): W is 0 with probability 1 − C, else
 * exponential with rate θ = cμ − λ; S is exponential with rate μ. The sum of two exponentials is
 * hypoexponential: P(W+S > t) = (θe^{−μt} − μe^{−θt}) / (θ − μ), or (1 + μt)e^{−μt} when θ = μ.
 */
export function mmcResponseTail(queue: MmcQueue, t: number): number {
  const { servers, arrivalRate, serviceTimeS } = queue;
  const mu = 1 / serviceTimeS;
  const theta = servers * mu - arrivalRate;
  if (theta <= 0) return 1;
  const c = erlangC(servers, arrivalRate * serviceTimeS);
  const serviceOnly = Math.exp(-mu * t);
  const waited = Math.abs(theta - mu) < 1e-12 * mu
    ? (1 + mu * t) * Math.exp(-mu * t)
    : (theta * Math.exp(-mu * t) - mu * Math.exp(-theta * t)) / (theta - mu);
  return (1 - c) * serviceOnly + c * waited;
}

/** The q-quantile of the M/M/c response time (e.g. q = 0.95 for p95), by bisection on the tail. */
export function mmcResponsePercentile(queue: MmcQueue, q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
  const target = 1 - q;
  let hi = queue.serviceTimeS;
  while (mmcResponseTail(queue, hi) > target) {
    hi *= 2;
    if (!Number.isFinite(hi) || hi > 1e12) return Infinity;
  }
  let lo = 0;
  for (let i = 0; i < 100 && hi - lo > 1e-10 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (mmcResponseTail(queue, mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
