#!/usr/bin/env node
// Benchmark (not a test): is the predicted bottleneck rate right? Calibrates from one stepped run
// (the baseline mix at R/s·1 … R, s = --steps), computes the headroom of the measured hardware
// (src/sizing/headroom.ts: each tier's rate at its core limit, and the shared machine's with the
// load generator's share), then runs the `peak` scenario on the same stack and engine and compares
// the predicted bottleneck rate with the best full 5 s interval of that run.
//
//   npm run build && node bench/bottleneck-check.mjs [--rps 600] [--steps 4] [--step 20s]
//       [--peak-duration 3m] [--engine autocannon] [--state-dir <dir>] [--keep-results]
//
// --peak-duration stretches or shrinks the peak scenario (its own length is 5 minutes). Run it
// alone on a quiet machine (load average under 0.5 at the start): the prediction and the peak run
// must see the same machine.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, openStack, root, runCapacity, scratch, signed, table, writeSteppedScenario } from './lib/stepped-runs.mjs';

const { values } = parseArgs({
  options: {
    rps: { type: 'string', default: '600' },
    steps: { type: 'string', default: '4' },
    step: { type: 'string', default: '20s' },
    'peak-duration': { type: 'string' },
    engine: { type: 'string', default: 'autocannon' },
    'state-dir': { type: 'string' },
    'keep-results': { type: 'boolean', default: false },
  },
});
const topRps = Number(values.rps);
const steps = Number(values.steps);
const holdS = Number(/^(\d+)s?$/.exec(values.step)?.[1]);
if (!(topRps > 0) || !(Number.isInteger(steps) && steps >= 2) || !(holdS >= 5)) {
  console.error('usage: --rps <n> > 0, --steps <n> >= 2, --step <seconds>s >= 5s');
  process.exit(2);
}

const { computeHeadroom } = await import(path.join(root, 'dist/sizing/headroom.js'));
const stack = openStack(values['state-dir']);
const results = scratch('capacity-bottleneck-', values['keep-results']);
const context = { stateDir: stack.stateDir, resultsDir: results.dir, engine: values.engine };
const rates = Array.from({ length: steps }, (_, i) => (topRps * (i + 1)) / steps);
const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

console.log(`bottleneck check: ${values.engine}; calibrate at ${rates.map((r) => r.toFixed(0)).join(', ')} req/s (${holdS} s each), then the peak scenario; load average at the start ${load()}`);
try {
  const calibrationRun = runCapacity(['--scenario', writeSteppedScenario(results.dir, rates, holdS)], context);
  const calibration = calibrationRun.result.calibration;
  if (!calibration) throw new Error('the calibration run has no calibration block (no server-side metrics?)');
  const headroom = computeHeadroom(calibration);
  console.log(`\ncalibration: run ${calibrationRun.result.id}; ${calibration.machineCores ?? '?'} cores; generator ${calibration.generator ? `${calibration.generator.coresBusy.toFixed(2)} cores at ${calibration.generator.throughputRps.toFixed(0)} req/s` : 'not measured'}; load average ${calibrationRun.loadBefore} → ${calibrationRun.loadAfter}`);
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
  console.log(`\npeak: run ${peak.result.id}; best full ${best?.durationS ?? '?'} s interval ${best ? `${best.achievedRps.toFixed(0)} req/s at ${best.t} s` : 'none'}; generator ${peak.result.generator?.limit?.verdict ?? (peak.result.generator?.saturated ? 'saturated' : 'kept up')}; load average ${peak.loadBefore} → ${peak.loadAfter}`);
  if (predicted && best) console.log(`error of the predicted bottleneck rate: ${signed((predicted.rateRps - best.achievedRps) / best.achievedRps)} (target within ±15 %)`);
} finally {
  stack.close();
  results.close();
}
