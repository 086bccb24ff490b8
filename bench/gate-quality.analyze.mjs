#!/usr/bin/env node
// Re-judges the runs a gate-quality benchmark recorded (bench/gate-quality.results.json keeps
// every run's per-interval samples) under other gate settings and run lengths, without running
// anything again. Prints, per setting, how many A/A pairs were flagged (false alarms) and how
// many A/B pairs were (detections).
//
//   node bench/gate-quality.analyze.mjs [results.json] [--dist <built dist folder>]
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { dist: { type: 'string', default: join(root, 'dist') } } });
const file = positionals[0] ?? join(root, 'bench', 'gate-quality.results.json');
const { evaluateGate } = await import(join(resolve(values.dist), 'gate', 'evaluate.js'));
const recorded = JSON.parse(await readFile(file, 'utf8'));
const normals = recorded.runs.normal;
const faulted = recorded.runs.faulted;
const cut = (run, seconds) => ({ ...run, intervals: run.intervals.filter((interval) => interval.t + interval.durationS <= seconds + 1e-9) });

const settings = [
  { name: 'iid bootstrap, median, 1 baseline run', options: { blockLength: 1 }, baselineRuns: 1 },
  { name: 'block bootstrap, median, 1 baseline run', options: {}, baselineRuns: 1 },
  { name: 'block bootstrap, 25th pct, 1 baseline run', options: { latencyQuantile: 0.25 }, baselineRuns: 1 },
  { name: 'block bootstrap, median, 2 baseline runs', options: {}, baselineRuns: 2 },
  { name: 'block bootstrap, 25th pct, 2 baseline runs', options: { latencyQuantile: 0.25 }, baselineRuns: 2 },
  { name: 'block bootstrap, median, 3 baseline runs', options: {}, baselineRuns: 3 },
];
const lengths = recorded.byLength.map((row) => row.seconds);

console.log(`runs: ${normals.filter(Boolean).length} normal, ${faulted.filter(Boolean).length} faulted (${recorded.settings.duration} at ${recorded.settings.rps} req/s, fault ${recorded.settings.faultLatencyMs} ms)`);
console.log('setting                                          L (s)   A/A flagged   A/B flagged');
const rows = [];
for (const setting of settings) {
  for (const seconds of lengths) {
    let aaPairs = 0;
    let aaFlagged = 0;
    let abPairs = 0;
    let abFlagged = 0;
    for (let index = 1; index < normals.length; index += 1) {
      // The k normal runs before this pair, the most recent last; a pair needs all k.
      const baseline = normals.slice(Math.max(0, index - setting.baselineRuns), index);
      if (baseline.length < setting.baselineRuns || baseline.some((run) => !run)) continue;
      const cutBaseline = baseline.map((run) => cut(run, seconds));
      const judge = (current) => evaluateGate(cutBaseline, cut(current, seconds), setting.options).regressed;
      if (normals[index]) {
        aaPairs += 1;
        if (judge(normals[index])) aaFlagged += 1;
      }
      if (faulted[index - 1]) {
        abPairs += 1;
        if (judge(faulted[index - 1])) abFlagged += 1;
      }
    }
    rows.push({ setting: setting.name, seconds, aa: { pairs: aaPairs, flagged: aaFlagged }, ab: { pairs: abPairs, flagged: abFlagged } });
    console.log(`${setting.name.padEnd(48)} ${String(seconds).padStart(5)}   ${`${aaFlagged} of ${aaPairs}`.padEnd(12)}  ${abFlagged} of ${abPairs}`);
  }
}
