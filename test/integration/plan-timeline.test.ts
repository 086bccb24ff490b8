import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunResult } from '../../src/results/read.js';
import { runBuiltCli } from './support/cli.js';
import { installedEngines } from './support/engines.js';
import { k6SkipReason, k6Title } from './support/k6.js';
import { startSlowTarget, type SlowTarget } from './support/slow-target.js';

/**
 * Every engine ends on the plan's timeline: a 40 s plan against a target that cannot keep up
 * (it serves SLOTS requests at a time, SERVICE_MS each, and queues the rest without limit) lasts
 * at most 45 s from its first request to the engine's stop, with a request timeout (30 s) that
 * would otherwise carry the run far past its end; what was still unanswered is counted in
 * totals.inFlightAtEnd, not as requests or errors. Runs the built CLI (`npm run build`).
 */

const PLAN_S = 40;
const locustSkip = installedEngines.includes('locust') ? undefined : 'Locust is not installed here (bash scripts/setup.sh makes .venv-locust)';
const BOUND_S = 45;
const SLOTS = 4;
const SERVICE_MS = 100;
/** Planned rate: 2.5 times what the target serves, so its queue and latency grow all along. */
const RATE = 100;

let work: string;
let target: SlowTarget;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'capacity-timeline-'));
  target = await startSlowTarget(SLOTS, SERVICE_MS);
  const scenario = (model: 'open' | 'closed') =>
    [
      `name: slow-${model}`,
      `model: ${model}`,
      `maxUsers: ${RATE * 2}`,
      'requestTimeout: 30s',
      ...(model === 'closed' ? ['thinkTime: 1s'] : []),
      'stages:',
      `  - { name: hold, duration: ${PLAN_S}s, target: ${RATE} }`,
      'requests:',
      '  - { name: get-item, path: /item }',
      'slos: none',
      'interval: 1s',
      '',
    ].join('\n');
  writeFileSync(path.join(work, 'open.yaml'), scenario('open'));
  writeFileSync(path.join(work, 'closed.yaml'), scenario('closed'));
});

afterAll(async () => {
  await target?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function runOnTimeline(engine: string, model: 'open' | 'closed') {
  const resultsDir = path.join(work, `results-${engine}-${model}`);
  const receivedBefore = target.received;
  const answeredBefore = target.answered;
  const startedAt = Date.now();
  const exit = await runBuiltCli(
    ['run', '--scenario', path.join(work, `${model}.yaml`), '--engine', engine, '--target', target.url, '--results-dir', resultsDir, '--state-dir', path.join(work, 'state')],
    work,
    300_000,
  );
  const wallS = (Date.now() - startedAt) / 1000;
  expect(exit.code, exit.stderr).toBe(0);
  const [id] = readdirSync(resultsDir);
  const { result } = await loadRunResult(path.join(resultsDir, id as string), work);
  console.log(
    `timeline ${engine} ${model}: window ${result.window.durationS.toFixed(1)} s, command ${wallS.toFixed(1)} s, requests ${result.totals.requests}, errors ${result.totals.errors}, in flight at end ${String(result.totals.inFlightAtEnd)}; target received ${target.received - receivedBefore}, answered ${target.answered - answeredBefore}`,
  );
  return { result, answered: target.answered - answeredBefore, received: target.received - receivedBefore };
}

/** The run ended on the plan's timeline, and what the target received is what the result counts. */
async function expectOnTimeline(engine: string, model: 'open' | 'closed'): Promise<void> {
  const { result, answered, received } = await runOnTimeline(engine, model);
  expect(result.status).toBe('complete');
  expect(result.window.durationS).toBeLessThanOrEqual(BOUND_S);
  // The target was behind at the end: answers were still owed, and counted as such.
  expect(result.totals.inFlightAtEnd).toBeGreaterThan(0);
  // What the result calls answered, the target answered; and what the target received is what
  // the result counts, answered or in flight (within 1 %: a request on the wire when cut).
  expect(result.totals.requests - result.totals.errors).toBeLessThanOrEqual(answered);
  const accounted = result.totals.requests + (result.totals.inFlightAtEnd ?? 0);
  expect(Math.abs(accounted - received)).toBeLessThanOrEqual(Math.max(2, 0.01 * received));
}

describe('every engine ends on the plan timeline against a target that cannot keep up', () => {
  for (const [engine, model] of [
    ['autocannon', 'open'],
    ['artillery', 'open'],
    ['artillery', 'closed'],
  ] as const) {
    it(`${engine}, ${model} model: a ${PLAN_S} s plan lasts at most ${BOUND_S} s and counts what is in flight`, { timeout: 360_000 }, () => expectOnTimeline(engine, model));
  }

  it.skipIf(locustSkip !== undefined)(
    `locust, open model: a ${PLAN_S} s plan lasts at most ${BOUND_S} s and counts what is in flight${locustSkip ? ` [skipped: ${locustSkip}]` : ''}`,
    { timeout: 360_000 },
    () => expectOnTimeline('locust', 'open'),
  );

  it.skipIf(k6SkipReason !== undefined)(k6Title(`k6, open model: a ${PLAN_S} s plan lasts at most ${BOUND_S} s`), { timeout: 360_000 }, async () => {
    const { result } = await runOnTimeline('k6', 'open');
    expect(result.window.durationS).toBeLessThanOrEqual(BOUND_S);
  });
});
