#!/usr/bin/env node
// Benchmark (not a test): is the predicted bottleneck rate right? Calibrates from one stepped run
// of the baseline mix (the `peak` scenario's mix), computes the headroom of the measured hardware
// (src/sizing/headroom.ts), then runs the `peak` scenario on the same stack and engine (autocannon
// in capacity's own process in both) and compares the predictions with the best full 5 s interval
// of that run and with the first interval in which it kept the machine's cores full.
//
// Two predictions are printed, and the one the report names (its basis):
// - USL peak: the calibration's USL fit, X(N*) (λ/σ when κ = 0), used by the report when the steps
//   reached the knee (headroom.ts uslKnee: the top steps gained < 10 % per doubling of users, and
//   the highest step is ≥ 90 % of the fitted peak).
// - CPU-model sum: the rate at which all tiers' CPU models plus the generator's own (fitted from its
//   samples at the steps) fill the machine's cores, and each tier's rate at its core limit.
//
// --calibration closed (default): users 1, 2, 4, … --max-users, closed model, no think time, each
// held --step after an unmeasured --warm-up ramp, so the throughput curve flattens within the
// steps and the USL peak is measured. --calibration open: --steps rates R/s·1 … R (--rps), the old
// mode: it stays below the knee, and its CPU-model sum under-predicts there (per-request CPU falls
// near saturation: batching per event-loop wake-up and per syscall).
//
//   npm run build && node bench/bottleneck-check.mjs [--calibration closed|open] [--max-users 64]
//       [--rps 2000] [--steps 4] [--step 30s] [--warm-up 20s] [--peak-duration 3m]
//       [--engine autocannon] [--state-dir <dir>] [--keep-results]
//
// About 4 minutes of calibration (7 steps of 30 s + ramps + warm-up) and --peak-duration (the peak
// scenario's own length is 5 minutes). Run it alone on a quiet machine (load average under 0.5 at
// the start): the prediction and the peak run must see the same machine.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, openStack, root, runCapacity, scratch, signed, table, writeClosedSteppedScenario, writeSteppedScenario } from './lib/stepped-runs.mjs';

const { values } = parseArgs({
  options: {
    calibration: { type: 'string', default: 'closed' },
    'max-users': { type: 'string', default: '64' },
    rps: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '4' },
    step: { type: 'string', default: '30s' },
    'warm-up': { type: 'string', default: '20s' },
    'peak-duration': { type: 'string' },
    engine: { type: 'string', default: 'autocannon' },
    'state-dir': { type: 'string' },
    'keep-results': { type: 'boolean', default: false },
  },
});
const closed = values.calibration === 'closed';
const maxUsers = Number(values['max-users']);
const topRps = Number(values.rps);
const steps = Number(values.steps);
const holdS = Number(/^(\d+)s?$/.exec(values.step)?.[1]);
const warmUpS = Number(/^(\d+)s?$/.exec(values['warm-up'])?.[1]);
if (
  !['closed', 'open'].includes(values.calibration) ||
  !(Number.isInteger(maxUsers) && maxUsers >= 4) ||
  !(topRps > 0) ||
  !(Number.isInteger(steps) && steps >= 2) ||
  !(holdS >= 5) ||
  !(warmUpS >= 0)
) {
  console.error('usage: --calibration closed|open, --max-users <n> >= 4 (whole), --rps <n> > 0, --steps <n> >= 2, --step <seconds>s >= 5s, --warm-up <seconds>s >= 0s');
  process.exit(2);
}

const { computeHeadroom, generatorModel, generatorStepPoints } = await import(path.join(root, 'dist/sizing/headroom.js'));
const { describeCpuModel } = await import(path.join(root, 'dist/sizing/cpu-model.js'));
const stack = openStack(values['state-dir']);
const results = scratch('capacity-bottleneck-', values['keep-results']);
const context = { stateDir: stack.stateDir, resultsDir: results.dir, engine: values.engine };
const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

// Users double from 1 to --max-users (the last step is --max-users itself when it is no power of 2).
const userSteps = [];
for (let n = 1; n < maxUsers; n *= 2) userSteps.push(n);
userSteps.push(maxUsers);
const rates = Array.from({ length: steps }, (_, i) => (topRps * (i + 1)) / steps);
const plan = closed
  ? `closed, no think time, at ${userSteps.join(', ')} users`
  : `open at ${rates.map((r) => r.toFixed(0)).join(', ')} req/s`;
console.log(`bottleneck check: ${values.engine}; calibrate ${plan} (${holdS} s each, after a ${warmUpS} s warm-up ramp), then the peak scenario; load average at the start ${load()}`);
try {
  const scenario = closed ? writeClosedSteppedScenario(results.dir, userSteps, holdS, 3, warmUpS) : writeSteppedScenario(results.dir, rates, holdS, 3, warmUpS);
  const calibrationRun = runCapacity(['--scenario', scenario], context);
  const calibration = calibrationRun.result.calibration;
  if (!calibration) throw new Error('the calibration run has no calibration block (no server-side metrics?)');
  const generatorPoints = generatorStepPoints(calibration.steps ?? [], calibrationRun.result.generator?.cpu ?? []);
  const generator = generatorModel(generatorPoints);
  const headroom = computeHeadroom(calibration, { generator });
  const withOneGeneratorDemand = computeHeadroom(calibration);
  console.log(`\ncalibration: run ${calibrationRun.result.id}; ${calibration.machineCores ?? '?'} cores; generator ${calibration.generator ? `${calibration.generator.coresBusy.toFixed(2)} cores at ${calibration.generator.throughputRps.toFixed(0)} req/s` : 'not measured'}; load average ${calibrationRun.loadBefore} → ${calibrationRun.loadAfter}`);
  console.log(`steps X:U per tier: ${calibration.tiers.map((t) => `${t.tier} ${(t.cpuModel?.points ?? []).map(([x, u]) => `${x.toFixed(0)}:${u.toFixed(3)}`).join(' ')} → ${t.cpuModel ? `${t.cpuModel.kind}, ${describeCpuModel(t.cpuModel)}` : 'one rate'}`).join('; ')}`);
  console.log(`generator X:U ${generatorPoints.map(([x, u]) => `${x.toFixed(0)}:${u.toFixed(3)}`).join(' ') || 'none'} → ${generator ? `${generator.kind}, ${describeCpuModel(generator)}` : 'no model (one CPU per request)'}; machine limit with one generator demand instead: ${int(withOneGeneratorDemand.machine?.saturationRps)} req/s`);
  const usl = calibration.usl;
  console.log(
    usl
      ? `USL fit: N:X ${usl.points.map(([n, x]) => `${n.toFixed(1)}:${x.toFixed(0)}`).join(' ')}; σ ${usl.sigma.toPrecision(3)}, κ ${usl.kappa.toPrecision(3)}, λ ${usl.lambda.toPrecision(4)}, N* ${usl.nStar === null ? '∞' : usl.nStar.toFixed(0)}, R² ${usl.rSquared?.toFixed(3) ?? '?'}; ${headroom.usl.reachedKnee ? 'used' : 'not used'}: ${headroom.usl.reason}`
      : 'USL fit: none (fewer than 3 usable steps)',
  );
  console.log(
    table(
      ['limit', 'runs out at (req/s)', 'core limit', 'why', 'basis'],
      [
        ...headroom.tiers.map((t) => [t.tier, int(t.saturationRps), t.coreLimit ?? '–', t.limitReason, t.basis]),
        ...(headroom.machine ? [['machine', int(headroom.machine.saturationRps), headroom.machineCores, `all tiers${headroom.machine.includesGenerator ? ' + generator' : ''} (busiest: ${headroom.machine.busiestTierAtLimit})`, 'sum of models']] : []),
      ],
    ),
  );
  const reported = headroom.bottleneck;
  console.log(`reported bottleneck: ${reported ? `${reported.limit} at ${int(reported.rateRps)} req/s (basis: ${reported.basis === 'usl' ? 'USL fit of the stepped run' : 'CPU models'}; busiest tier: ${reported.busiestTier ?? '?'})` : 'none (no limit known)'}${headroom.caveat ? `\n  ${headroom.caveat}` : ''}`);

  const peakArgs = ['--scenario', 'peak', ...(values['peak-duration'] ? ['--duration', values['peak-duration']] : [])];
  const peak = runCapacity(peakArgs, context);
  const full = peak.result.intervals.filter((i) => i.partial === undefined && i.durationS > 0);
  const best = full.reduce((top, i) => (!top || i.achievedRps > top.achievedRps ? i : top), undefined);
  // The machine's busy cores over an interval, from the generator's per-second samples of the whole machine.
  const samples = peak.result.generator?.cpu ?? [];
  const busyIn = (i) => {
    const inside = samples.filter((s) => s.t > i.t && s.t <= i.t + i.durationS && s.machineBusyCores !== undefined);
    return inside.length > 0 ? inside.reduce((sum, s) => sum + s.machineBusyCores, 0) / inside.length : undefined;
  };
  const cores = calibration.machineCores;
  const firstFull = cores ? full.filter((i) => (busyIn(i) ?? 0) >= 0.95 * cores).sort((a, b) => a.t - b.t)[0] : undefined;
  const describe = (i) => `${i.achievedRps.toFixed(0)} req/s at ${i.t} s (errors ${i.errors}, p95 ${i.latencyMs?.p95?.toFixed?.(0) ?? '?'} ms, machine ${busyIn(i)?.toFixed(2) ?? '?'} cores busy)`;
  console.log(`\npeak: run ${peak.result.id}; best full ${best?.durationS ?? '?'} s interval ${best ? describe(best) : 'none'}; generator ${peak.result.generator?.limit?.verdict ?? (peak.result.generator?.saturated ? 'saturated' : 'kept up')}; load average ${peak.loadBefore} → ${peak.loadAfter}`);
  console.log(`first interval with the machine's cores ≥ 95 % busy: ${firstFull ? describe(firstFull) : 'none'}`);

  const errorAgainst = (predicted, measured) => (predicted === null || predicted === undefined || !measured ? '–' : signed((predicted - measured.achievedRps) / measured.achievedRps));
  const predictions = [
    ['USL peak', headroom.usl?.peakRps ?? null, headroom.usl ? (headroom.usl.reachedKnee ? 'knee reached' : 'below the knee') : 'no fit'],
    ['CPU-model sum', headroom.cpuModelBottleneck?.rateRps ?? null, headroom.cpuModelBottleneck ? `first limit: ${headroom.cpuModelBottleneck.limit}` : 'no limit'],
    ['reported', reported?.rateRps ?? null, reported ? `basis: ${reported.basis}` : '–'],
  ];
  console.log(
    '\n' +
      table(
        ['prediction', 'req/s', 'note', 'vs best 5 s (target ±15 %)', 'vs first cores-full interval'],
        predictions.map(([name, rate, note]) => [name, int(rate), note, errorAgainst(rate, best), errorAgainst(rate, firstFull)]),
      ),
  );
} finally {
  stack.close();
  results.close();
}
