#!/usr/bin/env node
// Offline evaluator (not a test, runs nothing against a stack): compares ways of fitting the CPU
// models on RECORDED DATA from earlier bench runs, so a method can be chosen before the lead spends
// a quiet machine on it. It uses the product's own code (dist/sizing/cpu-model.js, headroom.js).
//
//   npm run build && node bench/cpu-model-offline.mjs
//
// A. Prediction: the 5 rounds of `bench/prediction-check.mjs` measured 2026-12-01 19:07-19:20 UTC
//    (quiet machine, load average 0.3-1.2): each tier's busy cores at the four calibration steps,
//    and the cores measured in the baseline run at 3R right after. Each candidate fits the steps
//    and predicts 3R; the table gives the median and worst signed error per tier.
// B. Bottleneck: the stepped `stress` run 20261201-191909-414 (2026-12-01 19:19 UTC, closed model,
//    autocannon): each tier's cores and the generator's at 7 steps from 968 to 3,686 req/s (the
//    machine's 2 cores were busy from about 2,000 req/s on). Calibrating on the steps below a
//    ceiling, the machine's saturation rate is predicted with the generator's share as one CPU per
//    request (as before) or as its own CPU model, and set beside what was seen: this run's best 5 s
//    (4,252 req/s) and the `peak` run's best 5 s in bench/bottleneck-check.mjs at 19:24 (4,900 req/s).
// C. Redis and batching: two stepped open runs of the baseline mix at 50 … 1,200 req/s (25 s holds
//    after a 20 s warm-up; 2026-12-01 23:49 and 23:53 UTC, a SHARED machine: load average 0.4 → 6.4,
//    its 2 cores 1.0–2.0 busy), with Redis' INFO counters and its threads' voluntary context
//    switches sampled every second beside them (a throwaway sampler, not part of the product).
//    A third run (23:59, load average 1.0) took steps 100-400 and then a separate baseline run at
//    1,200 req/s, as the prediction check does.
//    Hypothesis: Redis' CPU follows its read events (auto-pipelined commands from one app tick
//    arrive in one read), and a model on the reads would extrapolate where U(X) does not. Each
//    candidate fits the steps up to 400 req/s and predicts the cores at the 1,200 req/s step.
import path from 'node:path';
import { median, root, signed, table } from './lib/stepped-runs.mjs';

const { fitCpuModel, fitForm, evaluate, tierCores } = await import(path.join(root, 'dist/sizing/cpu-model.js'));
const { computeHeadroom, generatorModel } = await import(path.join(root, 'dist/sizing/headroom.js'));

// --- Recorded data A: [3R achieved req/s, step rates, { tier: [cores at each step, cores measured at 3R] }]
const PREDICTION_ROUNDS = [
  [1200, [100, 196, 295, 394], { redis: [[0.010, 0.018, 0.025, 0.027], 0.055], postgres: [[0.012, 0.022, 0.029, 0.035], 0.103], app: [[0.163, 0.237, 0.243, 0.232], 0.491], lb: [[0.011, 0.018, 0.024, 0.028], 0.067], prometheus: [[0.007, 0.008, 0.008, 0.008], 0.008] }],
  [1200, [100, 196, 295, 393], { redis: [[0.009, 0.015, 0.022, 0.029], 0.053], postgres: [[0.012, 0.019, 0.027, 0.036], 0.099], app: [[0.077, 0.114, 0.177, 0.238], 0.448], lb: [[0.010, 0.015, 0.022, 0.030], 0.066], prometheus: [[0.007, 0.007, 0.007, 0.008], 0.008] }],
  [1200, [100, 196, 295, 394], { redis: [[0.010, 0.018, 0.024, 0.025], 0.049], postgres: [[0.014, 0.024, 0.032, 0.031], 0.090], app: [[0.086, 0.178, 0.204, 0.188], 0.405], lb: [[0.010, 0.018, 0.024, 0.026], 0.060], prometheus: [[0.008, 0.008, 0.009, 0.007], 0.008] }],
  [1199, [100, 197, 295, 393], { redis: [[0.010, 0.017, 0.023, 0.026], 0.050], postgres: [[0.012, 0.023, 0.028, 0.034], 0.097], app: [[0.084, 0.137, 0.178, 0.194], 0.420], lb: [[0.011, 0.016, 0.023, 0.027], 0.062], prometheus: [[0.009, 0.008, 0.008, 0.007], 0.008] }],
  [1199, [100, 196, 295, 395], { redis: [[0.010, 0.015, 0.022, 0.027], 0.052], postgres: [[0.014, 0.022, 0.027, 0.034], 0.097], app: [[0.082, 0.122, 0.171, 0.200], 0.443], lb: [[0.010, 0.015, 0.022, 0.027], 0.065], prometheus: [[0.008, 0.008, 0.007, 0.008], 0.008] }],
];
// The medians the bench printed then, with the held-out choice and exponents up to 1.6.
const RECORDED_MEDIANS = { redis: 0.241, postgres: -0.179, app: 0.224, lb: 0.098, prometheus: 0.07 };

// --- Recorded data B: stress steps [req/s, cores] per tier (instances), the generator's, and the figures seen.
const STRESS_STEPS = [967.85, 1860.9, 1968.05, 2684.75, 3429.5, 3555.05, 3686.35];
const STRESS_TIERS = {
  redis: [1, [0.0825, 0.1206, 0.1293, 0.1285, 0.1223, 0.083, 0.0984]],
  postgres: [1, [0.1087, 0.1922, 0.2379, 0.2813, 0.3056, 0.3876, 0.3548]],
  app: [3, [0.6245, 0.904, 1.0733, 1.0934, 1.0542, 1.0278, 1.0548]],
  lb: [1, [0.089, 0.136, 0.1421, 0.1575, 0.1671, 0.1701, 0.1632]],
  prometheus: [1, [0.0088, 0.0089, 0.0095, 0.0088, 0.0085, 0.011, 0.0085]],
};
const STRESS_GENERATOR = [0.144, 0.202, 0.232, 0.249, 0.265, 0.282, 0.281];
// The whole machine's busy cores at each step (the generator's sampler reads /proc/stat).
const STRESS_MACHINE_BUSY = [1.07, 1.596, 1.859, 1.95, 1.957, 1.997, 1.993];
const SEEN = { 'stress best 5 s': 4252, 'peak best 5 s': 4900 };

// --- A: candidates, each (steps [x, u][]) → predicted cores at X
const fixed = (kind) => (points, X) => evaluate(fitForm(kind, points), X);
// The previous choice (forward held-out error, a form with more parameters winning by 2 points), now with b ≤ 1.
const PARAMETERS = { proportional: 1, affine: 2, 'power-law': 2, power: 3 };
function heldOutChoice(points) {
  let chosen = { kind: 'proportional', heldOutError: null };
  for (const alternative of fitCpuModel(points, 1).alternatives) {
    if (alternative.heldOutError === null) continue;
    const margin = PARAMETERS[alternative.kind] > PARAMETERS[chosen.kind] ? 0.02 : 0;
    if (chosen.heldOutError === null || alternative.heldOutError < chosen.heldOutError - margin) chosen = alternative;
  }
  return chosen.kind;
}
const candidates = {
  'product: least squares, b ≤ 1': (points, X) => tierCores(fitCpuModel(points, 1), X),
  'held-out choice, b ≤ 1': (points, X) => evaluate(fitForm(heldOutChoice(points), points), X),
  'one D (top step)': (points, X) => (X * points.at(-1)[1]) / points.at(-1)[0],
  'affine (least squares)': fixed('affine'),
  'power law a·X^b, b ≤ 1': fixed('power-law'),
  'power with floor, b ≤ 1': fixed('power'),
  'mean of affine and power law': (points, X) => (fixed('affine')(points, X) + fixed('power-law')(points, X)) / 2,
};

const rows = [['as recorded: held-out choice, b ≤ 1.6', 'all 4', ...Object.values(RECORDED_MEDIANS).map((m) => `${signed(m)} (–)`)]];
const tiers = Object.keys(RECORDED_MEDIANS);
for (const [name, predict] of Object.entries(candidates)) {
  for (const drop of [0, 1]) {
    const errors = Object.fromEntries(tiers.map((t) => [t, []]));
    for (const [X, rates, byTier] of PREDICTION_ROUNDS) {
      for (const tier of tiers) {
        const [cores, measured] = byTier[tier];
        const points = rates.map((x, i) => [x, cores[i]]).slice(drop);
        errors[tier].push((predict(points, X) - measured) / measured);
      }
    }
    rows.push([name, drop ? 'last 3' : 'all 4', ...tiers.map((t) => `${signed(median(errors[t]))} (${(Math.max(...errors[t].map(Math.abs)) * 100).toFixed(0)} %)`)]);
  }
}
console.log('A. Prediction at 3R from four steps at R/4 … R (recorded, 5 rounds): median signed error (worst |error|)');
console.log('   "last 3" leaves out the first step, as a warm-up would (an approximation: a warm-up also changes the steps after it).');
console.log(table(['method', 'steps', ...tiers], rows));

// --- B
console.log('\nB. Machine saturation rate from the stress run\'s lower steps (recorded), 2 cores shared by all tiers and the generator');
const brows = [];
for (const upTo of [1, 2, 3]) {
  const used = STRESS_STEPS.slice(0, upTo);
  const top = used.at(-1);
  const calibrationTiers = Object.entries(STRESS_TIERS).map(([tier, [instances, cores]]) => {
    const points = used.map((x, i) => [x, cores[i]]);
    const at = cores[upTo - 1];
    return {
      tier,
      instances,
      cpuSecondsPerRequest: { value: at / top, min: at / top, max: at / top, stdev: 0 },
      coresBusy: at,
      memoryBytesPerInstance: 0,
      ...(upTo >= 2 ? { cpuModel: fitCpuModel(points, instances) } : {}),
    };
  });
  const calibration = { window: { fromS: 0, toS: 20 }, throughputRps: top, tiers: calibrationTiers, machineCores: 2, generator: { coresBusy: STRESS_GENERATOR[upTo - 1], throughputRps: top } };
  const single = computeHeadroom(calibration).machine.saturationRps;
  const model = upTo >= 2 ? generatorModel(used.map((x, i) => [x, STRESS_GENERATOR[i]])) : null;
  const fitted = model ? computeHeadroom(calibration, { generator: model }).machine.saturationRps : null;
  for (const [basis, rate] of [['one CPU per request', single], ['its own CPU model', fitted]]) {
    if (rate === null) continue;
    brows.push([used.map((x) => x.toFixed(0)).join(', '), basis, Math.round(rate).toLocaleString('en-US'), ...Object.values(SEEN).map((seen) => signed((rate - seen) / seen))]);
  }
}
console.log(table(['calibration steps (req/s)', 'generator share', 'predicted (req/s)', ...Object.keys(SEEN).map((k) => `vs ${k}`)], brows));
const full = STRESS_STEPS.findIndex((_, i) => STRESS_MACHINE_BUSY[i] >= 0.95 * 2);
console.log(`Seen in the stress run: the machine's cores ≥ 95 % busy from the step at ${STRESS_STEPS[full].toFixed(0)} req/s (${STRESS_MACHINE_BUSY[full - 1]} cores at ${STRESS_STEPS[full - 1].toFixed(0)}), yet throughput rose to ${STRESS_STEPS.at(-1).toFixed(0)} req/s with the app tier's cores flat (${STRESS_TIERS.app[1][full - 1]} → ${STRESS_TIERS.app[1].at(-1)}):`);
console.log('the predicted rate is where the cores run out; past it, starved processes serve bigger batches, which a calibration below saturation cannot see.');

// --- Recorded data C: per run, per step [req/s, Redis busy cores (INFO used_cpu_*), commands/s, reads/s, wake-ups/s]
const REDIS_RUNS = {
  '23:49': [[58.5, 0.0058, 217, 101, 104], [98.8, 0.0088, 389, 180, 183], [197.0, 0.0147, 772, 354, 340], [296.1, 0.0183, 1151, 524, 449], [394.8, 0.0243, 1528, 658, 532], [592.5, 0.0316, 2299, 890, 683], [788.7, 0.0348, 3060, 1000, 792], [1187.0, 0.0414, 4588, 1167, 925]],
  '23:53': [[58.6, 0.0069, 226, 106, 106], [98.7, 0.0099, 382, 175, 174], [196.3, 0.0167, 766, 351, 331], [297.0, 0.0196, 1151, 526, 436], [395.0, 0.0243, 1530, 652, 514], [592.4, 0.0343, 2298, 911, 686], [791.8, 0.038, 3069, 1052, 805], [1184.8, 0.051, 4589, 1328, 954]],
  // As the prediction check runs: steps 100-400 (load average 1.0 at the start, the machine 0.44 cores busy on average), then a separate baseline run at 1,200 (1.02 cores busy).
  '23:59': [[101.2, 0.0127, 393, 181, 178], [197.0, 0.0197, 764, 349, 307], [296.0, 0.0296, 1146, 525, 422], [394.3, 0.0406, 1529, 658, 513], [1197.4, 0.0671, 4638, 1384, 1005]],
};
console.log('\nC. Redis: CPU against its read events (recorded, shared machine). Reads per command at each step:');
const columns = REDIS_RUNS['23:49'].map(([x]) => x);
const nearest = (steps, x) => steps.find(([rate]) => Math.abs(rate - x) < 0.1 * x);
const perStep = (f) => Object.entries(REDIS_RUNS).map(([run, steps]) => [run, ...columns.map((x) => (nearest(steps, x) ? f(nearest(steps, x)) : '–'))]);
console.log(table(['run', ...columns.map((x) => `${x.toFixed(0)} req/s`)], perStep(([, , commands, reads]) => (reads / commands).toFixed(3))));
console.log('µs of Redis CPU per read:');
console.log(table(['run', ...columns.map((x) => `${x.toFixed(0)} req/s`)], perStep(([, cores, , reads]) => ((cores / reads) * 1e6).toFixed(1))));
// Least squares line y = c + s·x (for CPU against reads, and X/reads against X).
function line(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return (x) => my + slope * (x - mx);
}
const byColumn = (steps, column) => steps.map((step) => [step[0], step[column]]);
const redisCandidates = {
  'product: U(X), least squares, b ≤ 1': (steps, X) => tierCores(fitCpuModel(byColumn(steps, 1), 1), X),
  'U = U0 + w·reads, reads(X) by the same fit': (steps, X) => line(steps.map((s) => s[3]), steps.map((s) => s[1]))(tierCores(fitCpuModel(byColumn(steps, 3), 1), X)),
  'U = U0 + w·reads, reads = X/(c + s·X)': (steps, X) => line(steps.map((s) => s[3]), steps.map((s) => s[1]))(X / line(steps.map((s) => s[0]), steps.map((s) => s[0] / s[3]))(X)),
  'U(wake-ups), wake-ups(X), both by the same fit': (steps, X) => tierCores(fitCpuModel(steps.map((s) => [s[4], s[1]]), 1), tierCores(fitCpuModel(byColumn(steps, 4), 1), X)),
};
const crows = [];
for (const lowest of [100, 50]) {
  for (const [name, predict] of Object.entries(redisCandidates)) {
    crows.push([name, `${lowest} … 400`, ...Object.values(REDIS_RUNS).map((steps) => {
      const top = steps.at(-1);
      if (!steps.some(([x]) => x <= lowest * 1.2)) return '–';
      return signed((predict(steps.filter(([x]) => x > lowest * 0.8 && x <= 400), top[0]) - top[1]) / top[1]);
    })]);
  }
}
// Not a prediction: the reads measured at 1,200 req/s put into the line fitted below 400, to show how much of the CPU the reads explain.
crows.push(['(reads measured at 1,200: U = U0 + w·reads)', '100 … 400', ...Object.values(REDIS_RUNS).map((steps) => {
  const fit = steps.filter(([x]) => x > 80 && x <= 400);
  const top = steps.at(-1);
  return signed((line(fit.map((s) => s[3]), fit.map((s) => s[1]))(top[3]) - top[1]) / top[1]);
})]);
console.log(table(['method (predicting Redis cores at the 1,200 req/s step)', 'steps (req/s)', ...Object.keys(REDIS_RUNS).map((run) => `run ${run}`)], crows));
console.log('The reads per command fall only from about 400 req/s on, so the batching the 3R step gains is not yet in the steps a calibration up to R sees; and the CPU per read itself');
console.log('is lower when the machine is busier (the runs at 23:49 and 23:53 shared it with other jobs; at 23:59 it was quieter up to R and busier at 3R), which no fit of one tier\'s steps sees.');
