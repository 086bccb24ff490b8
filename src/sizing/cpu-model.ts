/**
 * How a tier's CPU grows with throughput, fitted from several rates (the steps of a run, or
 * several runs): U(X) = U0 + a·X^b busy cores at X req/s. One demand D (U = X·D) cannot
 * extrapolate: per-request CPU falls as the rate rises (a fixed floor of timers, scrapes and GC,
 * and batching in the event loop), so a prediction from one low rate overshoots.
 *
 * Forms on the rate, simplest first: proportional (U = D·X), affine (U = U0 + D·X), power law
 * (U = a·X^b: per-request CPU falling with the rate, as batching in event loops makes it) and
 * power with a floor (U = U0 + a·X^b), fitted by least squares (see chooseForm). Where the tier's
 * wake-ups were counted, one more: U = c·W(X), the CPU following the wake-ups (WakeupDriver),
 * chosen when it describes the measured CPU better than one demand per request does. Each form's
 * forward held-out error (fitted on the lower rates, predicting the higher ones) is reported.
 * Pure.
 */

import { CPU_MODEL_KINDS, type CpuModelKind } from '../results/schema.js';

export type { CpuModelKind } from '../results/schema.js';
type RateForm = Exclude<CpuModelKind, 'wake-ups'>;

/**
 * Wake-ups as what drives a tier's CPU. An event-driven server (Redis) sleeps in epoll_wait
 * and handles, at each wake-up, every event that came meanwhile. When its work per event is small
 * next to the cost of waking up, its CPU follows the wake-ups rather than the requests, and the
 * wake-ups batch up as the rate rises: the requests per wake-up, X/W, grow along a straight line
 * in X (W = X/(base + slope·X)). So U = c·W(X) bends where a fit on the requests alone, over rates
 * below the batching, goes on straight (docs/sizing.md, Prediction check). Counted by the /proc
 * sampler of the local stack; other sources have no wake-ups and keep U(X).
 */
export interface WakeupDriver {
  /** Requests per wake-up at no load (X/W at X = 0). */
  base: number;
  /** Growth of the requests per wake-up with the rate, per req/s. */
  slope: number;
  /** c: CPU-seconds per wake-up (least squares of U on the measured wake-ups, through 0). */
  cpuSecondsPerWakeup: number;
  /** RMS relative residual of U = c·W on the measured wake-ups. */
  fitError: number;
  /** The same for U = D·X: the tier follows its wake-ups when fitError is the lower of the two. */
  requestFitError: number;
  /** [req/s, wake-ups/s of the tier] measured. */
  points: Array<[number, number]>;
}

export interface CpuModel {
  kind: CpuModelKind;
  /** U0: cores busy at no load, for the tier as measured (all its instances). */
  floorCores: number;
  /** a (D for the linear forms), in cores per (req/s)^b. */
  coefficient: number;
  /** b: 1 for the linear forms. */
  exponent: number;
  /** Instances of the tier when measured: the floor is per instance. */
  instances: number;
  /** Lowest and highest rate of the points, req/s. */
  rateRangeRps: [number, number];
  /** Root mean square of the relative residuals on all points. */
  fitError: number;
  /** Mean |predicted − measured| / measured of each higher rate, fitted on the lower ones (forward held-out); null when too few points. */
  heldOutError: number | null;
  /** Every form tried, with its held-out error (null: too few points for that form). */
  alternatives: Array<{ kind: CpuModelKind; heldOutError: number | null }>;
  /** [req/s, busy cores] the fit used. */
  points: Array<[number, number]>;
  /** Present when the tier's wake-ups were counted at three or more rates; used when kind is 'wake-ups'. */
  wakeups?: WakeupDriver;
}

/** Beyond this multiple of the highest measured rate the curve is not followed: the CPU per request stays at its value there. */
export const EXTRAPOLATION_LIMIT = 4;
const PARAMETERS: Record<CpuModelKind, number> = { proportional: 1, affine: 2, 'power-law': 2, power: 3, 'wake-ups': 3 };
/**
 * Bounds of the exponent b. Above 1 the CPU per request would rise with the rate: that happens
 * only near saturation (contention), never in the range a calibration extrapolates from, and a
 * convex fit to four noisy steps predicted +160 % at 3R (docs/sizing.md, Prediction check).
 */
export const MAX_EXPONENT = 1;
const MIN_EXPONENT = 0.1;

export interface Curve {
  floorCores: number;
  coefficient: number;
  exponent: number;
}

export function evaluate(curve: Curve, rateRps: number): number {
  return curve.floorCores + curve.coefficient * Math.pow(Math.max(0, rateRps), curve.exponent);
}

/**
 * Least squares of U on (1, X^b) with relative weights (1/U²), floor and coefficient held ≥ 0.
 * `withFloor` false forces U0 = 0.
 */
function linearIn(points: ReadonlyArray<readonly [number, number]>, exponent: number, withFloor: boolean): Curve & { loss: number } {
  const weighted = points.map(([x, u]) => ({ x, z: Math.pow(x, exponent), u, w: 1 / Math.max(u * u, 1e-12) }));
  const through = (): Curve => {
    const num = weighted.reduce((s, p) => s + p.w * p.z * p.u, 0);
    const den = weighted.reduce((s, p) => s + p.w * p.z * p.z, 0);
    return { floorCores: 0, coefficient: den > 0 ? Math.max(0, num / den) : 0, exponent };
  };
  let curve: Curve;
  if (!withFloor) curve = through();
  else {
    const sw = weighted.reduce((s, p) => s + p.w, 0);
    const sz = weighted.reduce((s, p) => s + p.w * p.z, 0);
    const su = weighted.reduce((s, p) => s + p.w * p.u, 0);
    const szz = weighted.reduce((s, p) => s + p.w * p.z * p.z, 0);
    const szu = weighted.reduce((s, p) => s + p.w * p.z * p.u, 0);
    const det = sw * szz - sz * sz;
    const slope = det > 0 ? (sw * szu - sz * su) / det : 0;
    const floor = det > 0 ? (su - slope * sz) / sw : 0;
    if (floor < 0) curve = through();
    else if (slope < 0) curve = { floorCores: su / sw, coefficient: 0, exponent };
    else curve = { floorCores: floor, coefficient: slope, exponent };
  }
  const loss = weighted.reduce((s, p) => s + p.w * (p.u - evaluate(curve, p.x)) ** 2, 0);
  return { ...curve, loss };
}

/** One form fitted to the points (for comparing methods offline; fitCpuModel chooses among them). */
export function fitForm(kind: RateForm, points: ReadonlyArray<readonly [number, number]>): Curve {
  if (kind === 'proportional') return linearIn(points, 1, false);
  if (kind === 'affine') return linearIn(points, 1, true);
  // Power forms: the exponent by a grid search (the loss is smooth and one-dimensional), then refined.
  const withFloor = kind === 'power';
  let best = linearIn(points, MAX_EXPONENT, withFloor);
  for (let b = MIN_EXPONENT; b <= MAX_EXPONENT + 1e-9; b += 0.01) {
    const candidate = linearIn(points, b, withFloor);
    if (candidate.loss < best.loss) best = candidate;
  }
  for (let step = 0.005; step > 1e-5; step /= 2) {
    for (const b of [best.exponent - step, best.exponent + step]) {
      if (b < MIN_EXPONENT || b > MAX_EXPONENT) continue;
      const candidate = linearIn(points, b, withFloor);
      if (candidate.loss < best.loss) best = candidate;
    }
  }
  return best;
}

function relativeError(predicted: number, measured: number): number {
  return measured > 0 ? Math.abs(predicted - measured) / measured : predicted === 0 ? 0 : Infinity;
}

/**
 * Forward held-out error: fitted on the lowest k rates (every k from the form's parameter count
 * up), the mean relative error predicting each higher rate. Long extrapolations weigh in, the use
 * the model is for. Null when the points cannot hold out any rate for the form.
 */
function forwardError(kind: CpuModelKind, sorted: ReadonlyArray<readonly [number, number]>, wakeups: ReadonlyArray<readonly [number, number]> = []): number | null {
  const errors: number[] = [];
  for (let k = 1; k < sorted.length; k++) {
    const training = sorted.slice(0, k);
    if (new Set(training.map(([x]) => x)).size < PARAMETERS[kind]) continue;
    const predict = predictorFor(kind, training, wakeups);
    if (!predict) continue;
    for (const [x, u] of sorted.slice(k)) if (x > training[training.length - 1]![0]) errors.push(relativeError(predict(x), u));
  }
  return errors.length > 0 ? errors.reduce((a, b) => a + b, 0) / errors.length : null;
}

/** Busy cores against the rate for one form fitted on `points` (the wake-ups form on the wake-ups at those rates); null when it cannot be fitted. */
function predictorFor(kind: CpuModelKind, points: ReadonlyArray<readonly [number, number]>, wakeups: ReadonlyArray<readonly [number, number]>): ((x: number) => number) | null {
  if (kind !== 'wake-ups') {
    const curve = fitForm(kind, points);
    return (x) => evaluate(curve, x);
  }
  const driver = fitWakeupDriver(points, wakeups);
  return driver ? (x) => wakeupCores(driver, x, 1) : null;
}

/** The wake-ups driver when the model uses it. */
function driverInUse(model: CpuModel): WakeupDriver | undefined {
  return model.kind === 'wake-ups' ? model.wakeups : undefined;
}

/** Busy cores of one of `instances` instances at x req/s through it: c·x/(base + slope·instances·x). */
function wakeupCores(driver: WakeupDriver, rateRps: number, instances: number): number {
  const x = Math.max(0, rateRps);
  return (driver.cpuSecondsPerWakeup * x) / (driver.base + driver.slope * instances * x);
}

function rmsRelative(pairs: Array<[predicted: number, measured: number]>): number {
  const residuals = pairs.filter(([, u]) => u > 0).map(([p, u]) => (p - u) / u);
  return residuals.length > 0 ? Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / residuals.length) : 0;
}

/**
 * The wake-ups driver from [req/s, cores] and [req/s, wake-ups/s] at the same rates: X/W on X by
 * least squares (slope held ≥ 0: wake-ups never gain on requests in this model), c by relative
 * least squares of U on the measured W through 0. Null with fewer than three rates where both were
 * measured, or when the line gives no positive requests per wake-up at X = 0 (wake-ups that do not
 * grow with the requests, as a process woken by its own timers).
 */
export function fitWakeupDriver(points: ReadonlyArray<readonly [number, number]>, wakeups: ReadonlyArray<readonly [number, number]>): WakeupDriver | null {
  const wakeupsAt = new Map(wakeups.filter(([x, w]) => x > 0 && w > 0 && Number.isFinite(w)).map(([x, w]) => [x, w]));
  const both = points.filter(([x, u]) => u > 0 && wakeupsAt.has(x)).map(([x, u]) => ({ x, u, w: wakeupsAt.get(x)! }));
  if (new Set(both.map((p) => p.x)).size < 3) return null;
  const n = both.length;
  const meanX = both.reduce((s, p) => s + p.x, 0) / n;
  const meanY = both.reduce((s, p) => s + p.x / p.w, 0) / n;
  const sxx = both.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const slope = Math.max(0, both.reduce((s, p) => s + (p.x - meanX) * (p.x / p.w - meanY), 0) / sxx);
  const base = meanY - slope * meanX;
  // No positive intercept: the wake-ups do not come from the requests (timers, a scrape loop).
  if (!(base > 0)) return null;
  // Both by the proportional form's relative least squares: U on W, and U on X.
  const c = fitForm('proportional', both.map((p) => [p.w, p.u])).coefficient;
  const d = fitForm('proportional', both.map((p) => [p.x, p.u])).coefficient;
  return {
    base,
    slope,
    cpuSecondsPerWakeup: c,
    fitError: rmsRelative(both.map((p) => [c * p.w, p.u])),
    requestFitError: rmsRelative(both.map((p) => [d * p.x, p.u])),
    points: both.map((p) => [p.x, p.w]),
  };
}

/**
 * The form the points support, fitted by least squares on all of them: with four or more distinct
 * rates the power with a floor (b ≤ 1, U0 and a ≥ 0), named by the parameters it uses (a bound
 * reached turns it into the affine, power-law or proportional form); with three, the better of the
 * two-parameter forms (three parameters would pass through every point, unchecked); with two, the
 * affine line; with one, proportional. On the recorded bench rounds this beat choosing the form by
 * the forward held-out check, whose choice among four noisy points swung between forms from round
 * to round (bench/cpu-model-offline.mjs).
 */
function chooseForm(points: ReadonlyArray<readonly [number, number]>): RateForm {
  const distinct = new Set(points.map(([x]) => x)).size;
  if (distinct <= 1) return 'proportional';
  if (distinct === 2) return 'affine';
  if (distinct === 3) {
    const loss = (kind: RateForm) => lossOf(fitForm(kind, points), points);
    return loss('power-law') < loss('affine') ? 'power-law' : 'affine';
  }
  const curve = fitForm('power', points);
  const top = Math.max(...points.map(([, u]) => u));
  const hasFloor = curve.floorCores > FLOOR_TOLERANCE * top;
  const linear = curve.exponent >= MAX_EXPONENT - EXPONENT_TOLERANCE;
  if (linear) return hasFloor ? 'affine' : 'proportional';
  return hasFloor ? 'power' : 'power-law';
}

/** A floor below this share of the highest measured cores is none (rounding in the fit). */
const FLOOR_TOLERANCE = 1e-6;
/** An exponent this close to 1 is linear. */
const EXPONENT_TOLERANCE = 1e-3;

function lossOf(curve: Curve, points: ReadonlyArray<readonly [number, number]>): number {
  return points.reduce((s, [x, u]) => s + (u > 0 ? ((evaluate(curve, x) - u) / u) ** 2 : 0), 0);
}

/**
 * Fits a tier's CPU against throughput. Points are [req/s, busy cores], at least one with a
 * positive rate; with one point the model is proportional (U = X·D) and says it was not checked.
 * The held-out errors are reported, not used to choose: each form's forward error, fitted on the
 * lower rates and predicting the higher ones.
 */
export function fitCpuModel(points: ReadonlyArray<readonly [number, number]>, instances = 1, wakeups: ReadonlyArray<readonly [number, number]> = []): CpuModel {
  const usable = points
    .filter(([x, u]) => Number.isFinite(x) && Number.isFinite(u) && x > 0 && u >= 0)
    .map(([x, u]) => [x, u] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  if (usable.length === 0) throw new RangeError('a CPU model needs at least one point with a positive rate');
  const highest = usable[usable.length - 1]!;
  const driver = fitWakeupDriver(usable, wakeups);
  const kinds = CPU_MODEL_KINDS.filter((kind) => kind !== 'wake-ups' || driver);
  const alternatives = kinds.map((kind) => ({ kind, heldOutError: forwardError(kind, usable, wakeups) }));
  const kind: CpuModelKind = driver && driver.fitError < driver.requestFitError ? 'wake-ups' : chooseForm(usable);
  const curve: Curve = kind === 'wake-ups' ? { floorCores: 0, coefficient: driver!.cpuSecondsPerWakeup, exponent: 1 } : fitForm(kind, usable);
  const predict = kind === 'wake-ups' ? (x: number) => wakeupCores(driver!, x, 1) : (x: number) => evaluate(curve, x);
  return {
    kind,
    floorCores: curve.floorCores,
    coefficient: curve.coefficient,
    exponent: curve.exponent,
    instances: Math.max(1, instances),
    rateRangeRps: [usable[0]![0], highest[0]],
    fitError: rmsRelative(usable.map(([x, u]) => [predict(x), u])),
    heldOutError: alternatives.find((a) => a.kind === kind)!.heldOutError,
    alternatives,
    points: usable,
    ...(driver ? { wakeups: driver } : {}),
  };
}

/** The single-rate model a calibration without steps implies: U = X·D. */
export function proportionalModel(demandS: number, rateRps: number, instances = 1): CpuModel {
  return {
    kind: 'proportional',
    floorCores: 0,
    coefficient: Math.max(0, demandS),
    exponent: 1,
    instances: Math.max(1, instances),
    rateRangeRps: [rateRps, rateRps],
    fitError: 0,
    heldOutError: null,
    alternatives: [],
    points: rateRps > 0 ? [[rateRps, rateRps * demandS]] : [],
  };
}

/**
 * Busy cores of one instance at `rateRps` through it. The tier was measured with `instances`
 * sharing the load, so U_tier(X) = k·u(X/k): u(x) = U0/k + a·k^(b−1)·x^b. Beyond
 * EXTRAPOLATION_LIMIT × the highest measured per-instance rate the curve is not followed: the
 * CPU per request stays at its value there (u grows in proportion to x), so no saving from
 * batching is assumed that was not measured near; a concave fit would otherwise promise a single
 * process tens of thousands of requests a second.
 */
export function instanceCores(model: CpuModel, rateRps: number): number {
  const k = model.instances;
  const driver = driverInUse(model);
  const perInstance = driver
    ? (x: number) => wakeupCores(driver, x, k)
    : (x: number) => model.floorCores / k + model.coefficient * Math.pow(k, model.exponent - 1) * Math.pow(Math.max(0, x), model.exponent);
  const limit = (model.rateRangeRps[1] / k) * EXTRAPOLATION_LIMIT;
  if (!(rateRps > limit) || !(limit > 0) || (!driver && model.exponent === 1 && model.floorCores === 0)) return perInstance(rateRps);
  return (perInstance(limit) / limit) * rateRps;
}

/** Busy cores of the whole tier, with as many instances as measured, at `rateRps`. */
export function tierCores(model: CpuModel, rateRps: number): number {
  return model.instances * instanceCores(model, rateRps / model.instances);
}

/**
 * The rate at which `cores(rate)` reaches `budget` (cores is non-decreasing); null when it never
 * does (no growth) and 0 when the floor alone is over the budget.
 */
export function rateForCores(cores: (rateRps: number) => number, budget: number): number | null {
  if (!(budget > 0) || cores(0) >= budget) return 0;
  let high = 1;
  for (let guard = 0; cores(high) < budget; guard++) {
    if (guard > 200) return null;
    high *= 2;
  }
  let low = 0;
  for (let i = 0; i < 100 && high - low > high * 1e-9; i++) {
    const mid = (low + high) / 2;
    if (cores(mid) < budget) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * CPU-seconds per request of one instance when it runs at `targetCores` (e.g. 0.7 of one core for a
 * single-threaded process): the demand to size with, floor included. Null when the floor alone
 * exceeds the target or the model has no growth.
 */
export function demandAtInstanceLoad(model: CpuModel, targetCores: number): number | null {
  const rate = rateForCores((x) => instanceCores(model, x), targetCores);
  return rate === null || !(rate > 0) ? null : targetCores / rate;
}

/** The formula, for reports: "U = 0.31 + 2.1e-4·X^0.92" (cores), or "U = 54.0 µs × W(X), W(X) = X/(0.44 + 0.00069·X) wake-ups/s". */
export function describeCpuModel(model: CpuModel): string {
  const driver = driverInUse(model);
  if (driver) return `U = ${(driver.cpuSecondsPerWakeup * 1e6).toPrecision(3)} µs × W(X), W(X) = X/(${driver.base.toPrecision(3)} + ${driver.slope.toPrecision(3)}·X) wake-ups/s`;
  const a = model.coefficient.toPrecision(3);
  const growth = model.exponent === 1 ? `${a}·X` : `${a}·X^${model.exponent.toFixed(2)}`;
  return model.floorCores > 0 ? `U = ${model.floorCores.toFixed(3)} + ${growth}` : `U = ${growth}`;
}
