import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { interval95, invert, type Interval95 } from './fit-stats.js';
import { uslPeak, uslThroughput, type UslParameters } from './usl.js';

export interface UslFit extends UslParameters {
  nStar: number | null;
  /** Coefficient of determination of the fit on the given points. */
  rSquared: number;
  /**
   * 95 % intervals of σ, κ, λ from the parameters' covariance at the optimum (Jacobian of the
   * relative residuals), and of N* from the corners of the σ and κ intervals (high: null when κ's
   * interval reaches 0, i.e. no peak is ruled out). Null with 3 points: nothing is left to judge
   * the fit's error by.
   */
  intervals: { sigma: Interval95; kappa: Interval95; lambda: Interval95; nStar: { low: number | null; high: number | null } } | null;
  /** Points the fit used. */
  pointCount: number;
}

/** ∂X/∂(σ, κ, λ) at N: the Jacobian row of the USL. */
function uslGradient(n: number, { sigma, kappa, lambda }: UslParameters): [number, number, number] {
  const denominator = 1 + sigma * (n - 1) + kappa * n * (n - 1);
  const squared = denominator * denominator;
  return [(-lambda * n * (n - 1)) / squared, (-lambda * n * n * (n - 1)) / squared, n / denominator];
}

/** Covariance-based 95 % intervals of a relative-residual least-squares fit; null when undetermined. */
function uslIntervals(points: ReadonlyArray<readonly [number, number]>, fitted: UslParameters): UslFit['intervals'] {
  const dof = points.length - 3;
  if (dof < 1) return null;
  const jtj = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  let squaredResiduals = 0;
  for (const [n, x] of points) {
    const row = uslGradient(n, fitted).map((g) => g / x);
    for (let i = 0; i < 3; i++) {
      const target = jtj[i]!;
      for (let j = 0; j < 3; j++) target[j] = target[j]! + row[i]! * row[j]!;
    }
    squaredResiduals += ((x - uslThroughput(n, fitted)) / x) ** 2;
  }
  const inverse = invert(jtj);
  if (!inverse) return null;
  const variance = squaredResiduals / dof;
  const se = [0, 1, 2].map((i) => Math.sqrt(Math.max(0, inverse[i]![i]! * variance)));
  const sigma = interval95(fitted.sigma, se[0]!, dof, 0);
  const kappa = interval95(fitted.kappa, se[1]!, dof, 0);
  const lambda = interval95(fitted.lambda, se[2]!, dof, 0);
  // N* = sqrt((1 − σ)/κ) falls as σ and κ rise: its bounds sit at opposite corners of the box.
  const low = uslPeak({ sigma: Math.min(sigma.high, 0.999999), kappa: kappa.high });
  const high = kappa.low > 0 ? uslPeak({ sigma: sigma.low, kappa: kappa.low }) : null;
  return { sigma, kappa, lambda, nStar: { low, high } };
}

/**
 * Least-squares USL fit. Starts from the linearized form: N/X(N) = c0 + c1·N + c2·N² with
 * c0 = (1 − σ)/λ, c1 = (σ − κ)/λ, c2 = κ/λ, a weighted quadratic regression that needs no point at
 * N = 1 (a stress run starts at 25 users); then refines σ, κ and λ together with
 * Levenberg–Marquardt on relative residuals so that small and large N weigh alike.
 */
export function fitUsl(points: ReadonlyArray<readonly [number, number]>): UslFit {
  const usable = points.filter(([n, x]) => Number.isFinite(n) && Number.isFinite(x) && n > 0 && x > 0);
  if (usable.length < 3) throw new RangeError(`a USL fit needs at least 3 points with N > 0 and X > 0, got ${usable.length}`);
  const sorted = [...usable].sort((a, b) => a[0] - b[0]);
  const first = sorted[0]!;

  // Weighted least squares of q = N/X on (1, N, N²), weight (X/N)² so each point counts relatively.
  const normal = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const rhs = [0, 0, 0];
  for (const [n, x] of sorted) {
    const q = n / x;
    const w = 1 / (q * q);
    const row = [1, n, n * n];
    for (let i = 0; i < 3; i++) {
      rhs[i] = rhs[i]! + w * row[i]! * q;
      const target = normal[i]!;
      for (let j = 0; j < 3; j++) target[j] = target[j]! + w * row[i]! * row[j]!;
    }
  }
  const inverse = invert(normal);
  const c = inverse ? inverse.map((r) => r.reduce((sum, v, j) => sum + v * rhs[j]!, 0)) : undefined;
  const linearLambda = c ? 1 / (c[0]! + c[1]! + c[2]!) : NaN;
  const lambda0 = Number.isFinite(linearLambda) && linearLambda > 0 ? linearLambda : first[1] / first[0];
  const sigma0 = c && linearLambda > 0 ? Math.min(0.99, Math.max(0, 1 - c[0]! * lambda0)) : 0;
  const kappa0 = c && linearLambda > 0 ? Math.max(0, c[2]! * lambda0) : 0;

  // Scale parameters to order 1 so one damping and step size suit all three.
  const scale = [Math.max(Math.abs(sigma0), 1e-3), Math.max(Math.abs(kappa0), 1e-6), lambda0];
  const model = (p: number[]) => (n: number) => {
    const params = { sigma: p[0]! * scale[0]!, kappa: p[1]! * scale[1]!, lambda: p[2]! * scale[2]! };
    return uslThroughput(n, params);
  };
  const xs = sorted.map(([n]) => n);
  const ys = sorted.map(([, x]) => x);
  const result = levenbergMarquardt(
    { x: xs, y: ys },
    model,
    {
      initialValues: [Math.max(sigma0, 0) / scale[0]!, Math.max(kappa0, 0) / scale[1]!, 1],
      weights: ys.map((y) => 1 / (y * y)),
      minValues: [0, 0, 1e-9],
      maxValues: [1 / scale[0]!, 1e6, 1e6],
      damping: 1e-3,
      maxIterations: 500,
      errorTolerance: 1e-14,
      gradientDifference: 1e-6,
      centralDifference: true,
    },
  );
  const [ps, pk, pl] = result.parameterValues;
  const fitted: UslParameters = { sigma: ps! * scale[0]!, kappa: pk! * scale[1]!, lambda: pl! * scale[2]! };
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  let ssRes = 0, ssTot = 0;
  sorted.forEach(([n, x]) => {
    ssRes += (x - uslThroughput(n, fitted)) ** 2;
    ssTot += (x - mean) ** 2;
  });
  return { ...fitted, nStar: uslPeak(fitted), rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 1, intervals: uslIntervals(sorted, fitted), pointCount: sorted.length };
}
