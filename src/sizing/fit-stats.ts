/**
 * Small statistics helpers for the model fits (USL, CPU growth): Student's t quantiles for 95 %
 * intervals, a symmetric matrix inverse for parameter covariances. Pure, plain numbers.
 */

// Two-sided 95 % quantiles of Student's t, t(0.975; dof) for dof 1..30 (standard table values).
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t(0.975; dof): the half-width multiplier of a 95 % interval; the normal 1.96 above 30 degrees of freedom. */
export function studentT975(dof: number): number {
  if (!(dof >= 1)) throw new RangeError(`degrees of freedom must be ≥ 1, got ${dof}`);
  const whole = Math.floor(dof);
  return whole <= T975.length ? T975[whole - 1]! : 1.96;
}

/** Inverse of a small square matrix by Gauss–Jordan with partial pivoting; null when singular. */
export function invert(matrix: number[][]): number[][] | null {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    const scale = Math.max(...matrix.map((row) => Math.abs(row[col]!)), 1e-300);
    if (Math.abs(a[pivot]![col]!) <= scale * 1e-14) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const pivotRow = a[col]!;
    const p = pivotRow[col]!;
    for (let j = 0; j < 2 * n; j++) pivotRow[j] = pivotRow[j]! / p;
    for (let row = 0; row < n; row++) {
      const target = a[row]!;
      const factor = target[col]!;
      if (row === col || factor === 0) continue;
      for (let j = 0; j < 2 * n; j++) target[j] = target[j]! - factor * pivotRow[j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/** A 95 % interval: the estimate ± t·standard error, clipped to the parameter's lower bound. */
export interface Interval95 {
  low: number;
  high: number;
}

export function interval95(estimate: number, standardError: number, dof: number, lowerBound = -Infinity): Interval95 {
  const half = studentT975(dof) * standardError;
  return { low: Math.max(lowerBound, estimate - half), high: estimate + half };
}
