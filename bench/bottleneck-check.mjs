#!/usr/bin/env node
// Benchmark (not a test): is the predicted bottleneck rate right? Calibrates from one stepped run
// (the baseline mix, which is the `peak` scenario's mix, at R/s·1 … R, s = --steps, after an
// unmeasured warm-up ramp), computes the headroom of the measured hardware (src/sizing/headroom.ts:
// each tier's rate at its core limit, and the shared machine's with the load generator's share,
// the generator having its own CPU model fitted from its samples at the steps), then runs the
// `peak` scenario on the same stack and engine (the generator runs in the same way: autocannon in
// capacity's own process) and compares the predicted bottleneck rate with the best full 5 s
// interval of that run, and with the rate at which that run first kept the machine's cores full.
//
//   npm run build && node bench/bottleneck-check.mjs [--rps 2000] [--steps 4] [--step 30s]
//       [--warm-up 20s] [--peak-duration 3m] [--engine autocannon] [--state-dir <dir>] [--keep-results]
//
// R defaults to 2,000 req/s, about 40 % of the best 5 s seen in `peak` on the 2-core development
// machine: per-request CPU falls as the rate rises, so the steps go as near the limit as they can
// while the machine still has idle CPU. About 6 minutes with --peak-duration 3m. --peak-duration
// stretches or shrinks the peak scenario (its own length is 5 minutes). Run it alone on a quiet
// machine (load average under 0.5 at the start): the prediction and the peak run must see the
// same machine. Methods were compared first on recorded data: bench/cpu-model-offline.mjs.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, openStack, root, runCapacity, scratch, signed, table, writeSteppedScenario } from './lib/stepped-runs.mjs';

const { values } = parseArgs({
  options: {
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
const topRps = Number(values.rps);
const steps = Number(values.steps);
const holdS = Number(/^(\d+)s?$/.exec(values.step)?.[1]);
const warmUpS = Number(/^(\d+)s?$/.exec(values['warm-up'])?.[1]);
if (!(topRps > 0) || !(Number.isInteger(steps) && steps >= 2) || !(holdS >= 5) || !(warmUpS >= 0)) {
  console.error('usage: --rps <n> > 0, --steps <n> >= 2, --step <seconds>s >= 5s, --warm-up <seconds>s >= 0s');
  process.exit(2);
}

const { computeHeadroom, generatorModel, generatorStepPoints } = await import(path.join(root, 'dist/sizing/headroom.js'));
const { describeCpuModel } = await import(path.join(root, 'dist/sizing/cpu-model.js'));
const stack = openStack(values['state-dir']);
const results = scratch('capacity-bottleneck-', values['keep-results']);
const context = { stateDir: stack.stateDir, resultsDir: results.dir, engine: values.engine };
const rates = Array.from({ length: steps }, (_, i) => (topRps * (i + 1)) / steps);
const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

console.log(`bottleneck check: ${values.engine}; calibrate at ${rates.map((r) => r.toFixed(0)).join(', ')} req/s (${holdS} s each, after a ${warmUpS} s warm-up ramp), then the peak scenario; load average at the start ${load()}`);
try {
  const calibrationRun = runCapacity(['--scenario', writeSteppedScenario(results.dir, rates, holdS, 3, warmUpS)], context);
  const calibration = calibrationRun.result.calibration;
  if (!calibration) throw new Error('the calibration run has no calibration block (no server-side metrics?)');
  const generatorPoints = generatorStepPoints(calibration.steps ?? [], calibrationRun.result.generator?.cpu ?? []);
  const generator = generatorModel(generatorPoints);
  const headroom = computeHeadroom(calibration, { generator });
  const withOneGeneratorDemand = computeHeadroom(calibration);
  console.log(`\ncalibration: run ${calibrationRun.result.id}; ${calibration.machineCores ?? '?'} cores; generator ${calibration.generator ? `${calibration.generator.coresBusy.toFixed(2)} cores at ${calibration.generator.throughputRps.toFixed(0)} req/s` : 'not measured'}; load average ${calibrationRun.loadBefore} → ${calibrationRun.loadAfter}`);
  console.log(`steps X:U per tier: ${calibration.tiers.map((t) => `${t.tier} ${(t.cpuModel?.points ?? []).map(([x, u]) => `${x.toFixed(0)}:${u.toFixed(3)}`).join(' ')} → ${t.cpuModel ? `${t.cpuModel.kind}, ${describeCpuModel(t.cpuModel)}` : 'one rate'}`).join('; ')}`);
  console.log(`generator X:U ${generatorPoints.map(([x, u]) => `${x.toFixed(0)}:${u.toFixed(3)}`).join(' ') || 'none'} → ${generator ? `${generator.kind}, ${describeCpuModel(generator)}` : 'no model (one CPU per request)'}; machine limit with one generator demand instead: ${int(withOneGeneratorDemand.machine?.saturationRps)} req/s`);
  console.log(
    table(
      ['limit', 'runs out at (req/s)', 'core limit', 'why', 'basis'],
      [
        ...headroom.tiers.map((t) => [t.tier, int(t.saturationRps), t.coreLimit ?? '–', t.limitReason, t.basis]),
        ...(headroom.machine ? [['machine', int(headroom.machine.saturationRps), headroom.machineCores, `all tiers${headroom.machine.includesGenerator ? ' + generator' : ''} (busiest: ${headroom.machine.busiestTierAtLimit})`, 'sum of models']] : []),
      ],
    ),
  );
  const predicted = headroom.bottleneck;
  console.log(`predicted bottleneck: ${predicted ? `${predicted.limit} at ${int(predicted.rateRps)} req/s` : 'none (no limit known)'}`);

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
  if (predicted && best) console.log(`error of the predicted bottleneck rate: ${signed((predicted.rateRps - best.achievedRps) / best.achievedRps)} against the best 5 s (target within ±15 %)`);
  if (predicted && firstFull) console.log(`against the rate at which the cores were first full: ${signed((predicted.rateRps - firstFull.achievedRps) / firstFull.achievedRps)}`);
} finally {
  stack.close();
  results.close();
}
