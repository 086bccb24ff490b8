/**
 * Universal Scalability Law (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)).
 * σ is contention (serialization), κ is coherency (crosstalk), λ the throughput of one unit.
 * The fit lives in usl-fit.ts so that callers needing only the curve stay light.
 */
export interface UslParameters {
  sigma: number;
  kappa: number;
  lambda: number;
}

export function uslThroughput(n: number, { sigma, kappa, lambda }: UslParameters): number {
  return (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** Efficiency of N units relative to N independent ones: X(N) / (N · λ). */
export function uslEfficiency(n: number, { sigma, kappa }: Pick<UslParameters, 'sigma' | 'kappa'>): number {
  return 1 / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** Where throughput peaks: N* = sqrt((1 − σ) / κ); null when κ ≤ 0 (no peak, throughput keeps rising). */
export function uslPeak({ sigma, kappa }: Pick<UslParameters, 'sigma' | 'kappa'>): number | null {
  if (!(kappa > 0) || sigma >= 1) return null;
  return Math.sqrt((1 - sigma) / kappa);
}

/**
 * The fewest units n whose combined capacity n · eff(n) reaches `requiredUnits` (needed capacity in
 * units of one perfectly scaling node). Returns null when even the peak N* cannot reach it.
 */
export function unitsForCapacity(requiredUnits: number, params: Pick<UslParameters, 'sigma' | 'kappa'>, limit = 100_000): number | null {
  if (!(requiredUnits > 0)) return 0;
  const peak = uslPeak(params);
  const ceiling = peak === null ? limit : Math.min(limit, Math.floor(peak) + 1);
  for (let n = Math.max(1, Math.ceil(requiredUnits)); n <= ceiling; n++) {
    if (n * uslEfficiency(n, params) >= requiredUnits - 1e-9) return n;
  }
  return null;
}

/** Points of the curve for charts: [N, X(N)] for N = 1..maxN (at most `samples` points). */
export function uslCurve(params: UslParameters, maxN: number, samples = 40): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const step = Math.max(1, Math.ceil(maxN / samples));
  for (let n = 1; n <= maxN; n += step) points.push([n, uslThroughput(n, params)]);
  const last = points[points.length - 1];
  if (last && last[0] !== maxN) points.push([maxN, uslThroughput(maxN, params)]);
  return points;
}
