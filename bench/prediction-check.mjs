#!/usr/bin/env node
// Benchmark (not a test): does the calibration predict CPU at a higher load? Each round calibrates
// from several rates (one stepped run of the baseline mix at R/s·1 … R/s·s, s = --steps, after an
// unmeasured warm-up ramp to R), fits each tier's CPU model (U = U0 + a·X^b with b ≤ 1 by least
// squares on all steps, or U = c·W(X) where the tier's CPU follows its wake-ups better than its
// requests; src/sizing/cpu-model.ts, the code `capacity size` uses), predicts each
// tier's busy cores at k·R (k = --factor), runs the baseline
// at k·R and compares with the cores each tier kept busy in that run's steady window. Prints one
// table per round (with the one-demand prediction U = X·D for contrast) and the medians over rounds.
//
//   npm run build && node bench/prediction-check.mjs [--rps 400] [--factor 3] [--steps 4]
//       [--step 30s] [--warm-up 20s] [--duration 45s] [--rounds 5] [--engine autocannon]
//       [--state-dir <dir>] [--keep-results]
//
// Four steps (R/4, R/2, 3R/4, R): the power form with a floor has three parameters, and is fitted
// only from four rates on. Default timing: a 20 s warm-up ramp (JIT, pools, cache; not measured),
// a 3 s ramp and a 30 s hold per step and 45 s at k·R, about 4 minutes a round with the runs' start
// and stop; 5 rounds in about 20 minutes. Run it alone on a quiet machine (load average under 0.5
// at the start): on a shared machine the figures measure the neighbours. Methods were compared
// first on the recorded rounds: bench/cpu-model-offline.mjs.
//
// With --state-dir the runs use that stack (started first if it is not up, and left as found);
// without it a stack is brought up in a temporary folder and purged at the end.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, median, openStack, root, runCapacity, scratch, signed, table, writeSteppedScenario } from './lib/stepped-runs.mjs';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '400' },
    factor: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    step: { type: 'string', default: '30s' },
    'warm-up': { type: 'string', default: '20s' },
    duration: { type: 'string', default: '45s' },
    rounds: { type: 'string', default: '5' },
    engine: { type: 'string', default: 'autocannon' },
    'state-dir': { type: 'string' },
    'keep-results': { type: 'boolean', default: false },
  },
});
const topRps = Number(values.rps);
const factor = Number(values.factor);
const steps = Number(values.steps);
const holdS = Number(/^(\d+)s?$/.exec(values.step)?.[1]);
const warmUpS = Number(/^(\d+)s?$/.exec(values['warm-up'])?.[1]);
const rounds = Number(values.rounds);
if (!(topRps > 0) || !(factor > 1) || !(Number.isInteger(steps) && steps >= 2) || !(holdS >= 5) || !(warmUpS >= 0) || !(Number.isInteger(rounds) && rounds >= 1)) {
  console.error('usage: --rps <n> > 0, --factor <k> > 1, --steps <n> >= 2, --step <seconds>s >= 5s, --warm-up <seconds>s >= 0s, --rounds <n> >= 1');
  process.exit(2);
}

const { tierCores, proportionalModel, describeCpuModel, fitCpuModel } = await import(path.join(root, 'dist/sizing/cpu-model.js'));

const stack = openStack(values['state-dir']);
const results = scratch('capacity-prediction-', values['keep-results']);
const context = { stateDir: stack.stateDir, resultsDir: results.dir, engine: values.engine };
const rates = Array.from({ length: steps }, (_, i) => (topRps * (i + 1)) / steps);
const scenario = writeSteppedScenario(results.dir, rates, holdS, 3, warmUpS);
const errorsByTier = new Map();
const record = (key, error) => errorsByTier.set(key, [...(errorsByTier.get(key) ?? []), error]);

console.log(`prediction check: ${rounds} round(s), ${values.engine}; calibrate at ${rates.map((r) => r.toFixed(0)).join(', ')} req/s (${holdS} s each, after a ${warmUpS} s warm-up ramp), predict at ${factor}R = ${topRps * factor} req/s; load average at the start ${load()} (2 cores)`);
try {
  for (let round = 1; round <= rounds; round += 1) {
    const low = runCapacity(['--scenario', scenario], context);
    const high = runCapacity(['--scenario', 'baseline', '--rps', String(topRps * factor), '--duration', values.duration], context);
    const calibration = low.result.calibration;
    const measured = high.result.calibration;
    if (!calibration || !measured) throw new Error('a run has no calibration block (no server-side metrics?)');
    const X = measured.throughputRps;
    const rows = [];
    let predictedSum = 0;
    let singleSum = 0;
    let measuredSum = 0;
    for (const tier of calibration.tiers) {
      const atHigh = measured.tiers.find((t) => t.tier === tier.tier);
      if (!atHigh || !(atHigh.coresBusy > 0)) continue;
      const model = tier.cpuModel ?? proportionalModel(tier.cpuSecondsPerRequest.value, calibration.throughputRps, tier.instances);
      const predicted = tierCores(model, X);
      // The one-demand law from the top step alone, as before the model: U = X · D(R).
      const topStep = model.points.at(-1);
      const single = topStep ? (X * topStep[1]) / topStep[0] : X * tier.cpuSecondsPerRequest.value;
      const error = (predicted - atHigh.coresBusy) / atHigh.coresBusy;
      const singleError = (single - atHigh.coresBusy) / atHigh.coresBusy;
      record(tier.tier, error);
      record(`${tier.tier} (one D)`, singleError);
      // The other driver for contrast: the rate forms alone where the wake-ups drive the model, the wake-ups where they were counted but not chosen.
      const other = model.kind === 'wake-ups' ? fitCpuModel(model.points, model.instances) : model.wakeups ? { ...model, kind: 'wake-ups' } : null;
      const otherError = other ? (tierCores(other, X) - atHigh.coresBusy) / atHigh.coresBusy : null;
      if (otherError !== null) record(`${tier.tier} (${model.kind === 'wake-ups' ? 'rate form' : 'wake-ups'})`, otherError);
      predictedSum += predicted;
      singleSum += single;
      measuredSum += atHigh.coresBusy;
      rows.push([
        tier.tier,
        describeCpuModel(model),
        model.kind,
        model.heldOutError === null ? '–' : `${(model.heldOutError * 100).toFixed(1)} %`,
        model.points.map(([x, u]) => `${x.toFixed(0)}:${u.toFixed(3)}`).join(' '),
        predicted.toFixed(3),
        atHigh.coresBusy.toFixed(3),
        signed(error),
        single.toFixed(3),
        signed(singleError),
        model.wakeups ? `${(model.wakeups.cpuSecondsPerWakeup * 1e6).toFixed(1)} µs; ${(model.wakeups.fitError * 100).toFixed(1)} % vs ${(model.wakeups.requestFitError * 100).toFixed(1)} %` : '–',
        otherError === null ? '–' : `${other.kind}: ${signed(otherError)}`,
      ]);
    }
    const totalError = (predictedSum - measuredSum) / measuredSum;
    record('all tiers', totalError);
    record('all tiers (one D)', (singleSum - measuredSum) / measuredSum);
    rows.push(['all tiers', '', '', '', '', predictedSum.toFixed(3), measuredSum.toFixed(3), signed(totalError), singleSum.toFixed(3), signed((singleSum - measuredSum) / measuredSum), '', '']);
    console.log(`\nround ${round}/${rounds}`);
    console.log(`  calibration: run ${low.result.id}, steps ${(calibration.steps ?? []).map((s) => `${s.throughputRps.toFixed(0)} req/s in ${s.fromS}-${s.toS} s`).join(', ') || 'none (no stepped plan?)'}; load average ${low.loadBefore} → ${low.loadAfter}`);
    console.log(`  at ${factor}R: run ${high.result.id}, planned ${topRps * factor} req/s, achieved ${X.toFixed(0)} req/s in ${measured.window.fromS}-${measured.window.toS} s; p95 ${high.result.totals.latencyMs?.p95?.toFixed?.(1) ?? '?'} ms; load average ${high.loadBefore} → ${high.loadAfter}`);
    console.log(table(['tier', 'model (U cores, X req/s)', 'form', 'held-out', 'steps X:U', `predicted at X=${X.toFixed(0)}`, 'measured', 'error', 'one D (top step)', 'error', 'CPU per wake-up; fit error of U = c·W vs U = D·X', 'the other driver'], rows));
  }
  console.log(`\nover ${rounds} round(s): signed error of the predicted cores at ${factor}R (predicted − measured) / measured; target: median within ±15 % for every tier`);
  console.log(
    table(
      ['tier', 'median', 'min', 'max', '|error| < 15 % in'],
      [...errorsByTier].map(([tier, errors]) => [tier, signed(median(errors)), signed(Math.min(...errors)), signed(Math.max(...errors)), `${errors.filter((e) => Math.abs(e) < 0.15).length}/${errors.length}`]),
    ),
  );
  console.log(`\nLoad average now: ${load()} (2 cores).`);
} finally {
  stack.close();
  results.close();
}
