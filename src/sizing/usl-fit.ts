import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { uslPeak, uslThroughput, type UslParameters } from './usl.js';

export interface UslFit extends UslParameters {
  nStar: number | null;
  /** Coefficient of determination of the fit on the given points. */
  rSquared: number;
}

/**
 * Least-squares USL fit. Starts from the linearized form (Gunther's: N/C(N) − 1 = σ(N−1) + κN(N−1),
 * with C(N) = X(N)/λ and λ from the smallest-N point), then refines σ, κ and λ together with
 * Levenberg–Marquardt on relative residuals so that small and large N weigh alike.
 */
export function fitUsl(points: ReadonlyArray<readonly [number, number]>): UslFit {
  const usable = points.filter(([n, x]) => Number.isFinite(n) && Number.isFinite(x) && n > 0 && x > 0);
  if (usable.length < 3) throw new RangeError(`a USL fit needs at least 3 points with N > 0 and X > 0, got ${usable.length}`);
  const sorted = [...usable].sort((a, b) => a[0] - b[0]);
  const first = sorted[0]!;
  const lambda0 = first[1] / first[0];

  // Linear least squares through the origin on two regressors: a = N−1, b = N(N−1).
  let saa = 0, sab = 0, sbb = 0, say = 0, sby = 0;
  for (const [n, x] of sorted) {
    const y = (n * lambda0) / x - 1;
    const a = n - 1;
    const b = n * (n - 1);
    saa += a * a; sab += a * b; sbb += b * b; say += a * y; sby += b * y;
  }
  const det = saa * sbb - sab * sab;
  const sigma0 = det !== 0 ? (say * sbb - sby * sab) / det : 0;
  const kappa0 = det !== 0 ? (saa * sby - sab * say) / det : 0;

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
  return { ...fitted, nStar: uslPeak(fitted), rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}
