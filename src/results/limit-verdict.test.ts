import { describe, expect, it } from 'vitest';
import { coresUsable, judgeLimit, percentText, sampleSpans, type LimitFigures, type LimitInterval, type LimitSample } from './limit-verdict.js';

/** Per-second samples: generator cores, machine busy cores and (optionally) event-loop delay, held for `seconds`. */
function samples(seconds: number, generatorCores: number, machineBusyCores?: number, eventLoopLagMs?: number, generatorWaitCores?: number): LimitSample[] {
  return Array.from({ length: seconds }, (_, t) => ({
    t: t + 1,
    generatorCores,
    ...(machineBusyCores === undefined ? {} : { machineBusyCores }),
    ...(eventLoopLagMs === undefined ? {} : { eventLoopLagMs }),
    ...(generatorWaitCores === undefined ? {} : { generatorWaitCores }),
  }));
}

/** Full one-second intervals at a planned and an achieved rate, p95 moving linearly from `p95From` to `p95To`. */
function intervals(seconds: number, plannedRps: number, achievedRps: number, p95From: number, p95To: number, extra: Partial<LimitInterval> = {}): LimitInterval[] {
  return Array.from({ length: seconds }, (_, t) => ({
    t,
    durationS: 1,
    plannedRps,
    requests: Math.round(achievedRps),
    p95Ms: p95From + ((p95To - p95From) * t) / Math.max(1, seconds - 1),
    ...extra,
  }));
}

const TWO_CORES = { machineCores: 2 };
const K6_ON_TWO = { coresUsable: 2, coresUsableBecause: "the machine's 2 cores", ...TWO_CORES };
const NODE_THREAD = { coresUsable: 1, coresUsableBecause: 'one thread runs the engine', ...TWO_CORES };

describe("the issue's five runs, as figures, get the right verdict", () => {
  it('k6, closed, 10,000 users, 1 s think: 197 % CPU of 2 cores, 5,557 of 8,790 req/s, p95 777 ms -> generator-bound', () => {
    const verdict = judgeLimit({
      model: 'closed',
      thinkTimeS: 1,
      ...K6_ON_TWO,
      samples: [...samples(4, 1.2, 1.6), ...samples(16, 1.97, 2)],
      intervals: intervals(20, 8790, 5557, 120, 777),
    });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.reasons[0]).toContain('≥ 85 % of the 2 cores it may use');
    expect(verdict.reasons[0]).toContain('max 1.97 cores');
    expect(verdict.reasons.join('\n')).toContain('sent 63.2 % of the planned request rate (below 95 %)');
  });

  it('autocannon, closed, 10,000 users: 6,660 of 8,817 req/s, p95 842 ms, its one thread full and its event loop late -> generator-bound', () => {
    const verdict = judgeLimit({
      model: 'closed',
      thinkTimeS: 1,
      ...NODE_THREAD,
      samples: samples(20, 0.99, 1.7, 240),
      intervals: intervals(20, 8817, 6660, 300, 842),
    });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.reasons.join('\n')).toMatch(/event loop was ≥ 50 ms late in 20 of 20 s/);
    expect(verdict.reasons.join('\n')).toContain('75.5 % of the planned request rate');
  });

  it('k6, open, 10,000 req/s at 144 % CPU of 2 cores, both cores busy -> machine-bound, not "its own CPU was not the limit"', () => {
    const verdict = judgeLimit({ model: 'open', ...K6_ON_TWO, samples: samples(20, 1.44, 1.98), intervals: intervals(20, 10_000, 6_100, 4, 60) });
    expect(verdict.verdict).toBe('machine-bound');
    expect(verdict.reasons[0]).toContain('all 2 cores of the machine were busy');
    expect(verdict.reasons.join('\n')).not.toContain('not the limit');
    expect(verdict.figures.machineBusyShare).toBe(1);
  });

  it('autocannon, open, 94.3 % of plan: the text says 94.3 %, below 95 %, never "95 % (< 95 %)"', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(20, 0.97, 1.6), intervals: intervals(20, 10_000, 9_430, 3, 3.5) });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.figures.achievedToPlannedRatio).toBe(0.943);
    expect(verdict.reasons.join('\n')).toContain('sent 94.3 % of the planned request rate (below 95 %)');
  });

  it('peak with the stack (1.25 cores) and k6 (0.55) sharing 2 cores, short of plan -> machine-bound', () => {
    // Not in the issue: how long k6 waited for a CPU. Without that figure busy cores are the evidence;
    // with it, k6 waiting 0.4 s a second for a core is.
    const peak = { model: 'open' as const, ...K6_ON_TWO, intervals: intervals(30, 5_000, 1_678, 40, 900) };
    for (const run of [samples(30, 0.55, 1.25 + 0.55), samples(30, 0.55, 1.25 + 0.55, undefined, 0.4)]) {
      const verdict = judgeLimit({ ...peak, samples: run });
      expect(verdict.verdict).toBe('machine-bound');
      expect(verdict.summary).toContain('the machine limited the run');
      expect(verdict.reasons[1]).toContain('the generator used 0.55 cores on average');
    }
    expect(judgeLimit({ ...peak, samples: samples(30, 0.55, 1.8, undefined, 0.4) }).reasons[2]).toBe('the generator waited for a CPU in 30 of 30 s (0.4 cores of waiting on average)');
  });
});

describe('judgeLimit', () => {
  it('latency climbing while generator and machine have room -> system-bound', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.12, 0.6), intervals: [...intervals(10, 100, 90, 25, 25), ...intervals(5, 100, 70, 2_000, 2_000).map((interval) => ({ ...interval, t: interval.t + 10 }))] });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.reasons[0]).toBe("the target's p95 rose from 25 ms at the start to 2000 ms at the end while the generator had headroom");
  });

  it('an open model short of plan with every connection waiting on the target -> system-bound, even with flat latency', () => {
    // 7 connections, 160 ms per answer: 7 / 0.16 = 43.75 req/s is all they can send, against 70 planned.
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.03, 0.5), intervals: intervals(15, 70, 44, 160, 160, { activeUsers: 7, meanMs: 160 }) });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.figures.usersBusyShare).toBe(1);
    expect(verdict.reasons[0]).toContain('every user the generator had open was waiting for an answer');
    // The same shortfall with connections to spare is the generator's pacing.
    expect(judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.03, 0.5), intervals: intervals(15, 70, 44, 20, 20, { activeUsers: 7, meanMs: 20 }) }).verdict).toBe('generator-bound');
  });

  it("with few long periods (Artillery's 10 s) latency is compared from the start-up to the tail", () => {
    const periods: LimitInterval[] = [
      { t: 0, durationS: 6, plannedRps: 40, requests: 240, p95Ms: 45, partial: 'start' },
      { t: 6, durationS: 10, plannedRps: 40, requests: 300, p95Ms: 2_500 },
      { t: 16, durationS: 2, plannedRps: 40, requests: 40, p95Ms: 6_000, partial: 'end' },
    ];
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(18, 0.2, 0.7), intervals: periods });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.figures).toMatchObject({ p95EarlyMs: 45, p95LateMs: 6_000 });
  });

  it('a plan kept with flat latency on a quiet machine -> kept up, with the figures that say so', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.2, 0.5), intervals: intervals(15, 200, 199, 4, 4) });
    expect(verdict.verdict).toBe('kept-up');
    expect(verdict.reasons).toContain('it sent 99.5 % of the planned request rate');
    expect(verdict.reasons.at(-1)).toBe("the target's p95 held (4 ms at the start, 4 ms at the end)");
  });

  it('a late event loop on saturated cores waited for the machine, not for its own work', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.45, 1.99, 80), intervals: intervals(15, 500, 500, 4, 4) });
    expect(verdict.verdict).toBe('machine-bound');
    expect(verdict.reasons.join('\n')).toContain('its event loop was ≥ 50 ms late in 15 of 15 s');
    const quiet = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.45, 0.6, 80), intervals: intervals(15, 500, 500, 4, 4) });
    expect(quiet.verdict).toBe('generator-bound');
  });

  it('busy cores that the generator did not wait for leave rising latency to the target', () => {
    const run = { model: 'open' as const, ...NODE_THREAD, intervals: [...intervals(10, 70, 60, 20, 20), ...intervals(5, 70, 50, 140, 140).map((interval) => ({ ...interval, t: interval.t + 10 }))] };
    const verdict = judgeLimit({ ...run, samples: samples(15, 0.04, 1.9, 12, 0.004) });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.figures.generatorHeldBackShare).toBe(0);
    expect(verdict.reasons.join('\n')).toContain('but the generator seldom waited for a CPU and used little of them: what waited was the target');
    // The same run with the generator waiting for cores half the time it wanted one: the machine.
    expect(judgeLimit({ ...run, samples: samples(15, 0.2, 1.9, 12, 0.2) }).verdict).toBe('machine-bound');
  });

  it('a busy machine that did not slow the run is no limit', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.2, 1.95), intervals: intervals(15, 200, 200, 4, 4) });
    expect(verdict.verdict).toBe('kept-up');
    expect(verdict.reasons.join('\n')).toContain('but the run kept its plan');
  });

  it('an open-model shortfall with no other cause is the generator pacing', () => {
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(15, 0.3, 0.7), intervals: intervals(15, 1_000, 800, 3, 3) });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.summary).toContain('did not send on the planned schedule');
  });

  it('k6 dropped iterations count from 0.5 % of the planned ones', () => {
    const base: LimitFigures = { model: 'open', ...K6_ON_TWO, samples: samples(15, 0.3, 0.7), intervals: intervals(15, 1_000, 990, 3, 3), plannedIterations: 15_000 };
    expect(judgeLimit({ ...base, droppedIterations: 10 }).verdict).toBe('kept-up');
    const dropped = judgeLimit({ ...base, droppedIterations: 150 });
    expect(dropped.verdict).toBe('generator-bound');
    expect(dropped.reasons[0]).toBe('150 iterations dropped (1.0 % of the planned ones): no free virtual user to start them on time');
  });

  it('closed model: fewer requests than users / think time is the response time, as long as users cycle on time', () => {
    // 100 users, 1 s think, 250 ms mean response: 80 req/s is what they can send.
    const cycle = intervals(15, 100, 80, 300, 320, { activeUsers: 100, meanMs: 250 });
    const kept = judgeLimit({ model: 'closed', thinkTimeS: 1, ...NODE_THREAD, samples: samples(15, 0.1, 0.4), intervals: cycle });
    expect(kept.verdict).toBe('kept-up');
    expect(kept.figures.achievedToCycleRatio).toBe(1);
    const late = judgeLimit({ model: 'closed', thinkTimeS: 1, ...NODE_THREAD, samples: samples(15, 0.1, 0.4), intervals: cycle.map((interval) => ({ ...interval, requests: 60 })) });
    expect(late.verdict).toBe('generator-bound');
    expect(late.reasons[0]).toBe('its users sent 75.0 % of what users / (think time + response time) allows');
  });

  it('leaves the start-up and tail intervals out of rate and latency', () => {
    const run = [{ t: 0, durationS: 1, plannedRps: 100, requests: 10, p95Ms: 900, partial: 'start' as const }, ...intervals(12, 100, 100, 5, 5).map((interval) => ({ ...interval, t: interval.t + 1 }))];
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: samples(13, 0.1, 0.3), intervals: run });
    expect(verdict.verdict).toBe('kept-up');
    expect(verdict.figures.achievedToPlannedRatio).toBe(1);
  });

  it('with no samples and no plan it says kept up on the figures it has', () => {
    const verdict = judgeLimit({ model: 'closed', ...NODE_THREAD, samples: [], intervals: [] });
    expect(verdict.verdict).toBe('kept-up');
    expect(verdict.figures.generatorCoresMax).toBe(0);
    expect(verdict.figures.machineBusyShare).toBeUndefined();
    // No sample is no CPU figure: the reasons say the CPU is unknown, never that it was zero.
    expect(verdict.reasons.join('\n')).toContain("the generator's CPU (and the machine's) is unknown, not zero");
    expect(verdict.reasons.join('\n')).not.toContain('used 0 cores');
  });
});

/**
 * The closed 10,000-user runs measured here (`node bench/generator-ceilings.mjs --closed-10k`: 10 s
 * ramp + 40 s hold, 1 s think, nginx answering a constant, 2 cores), as figures: a 10 s ramp at
 * 500 ... 9,500 planned req/s, a 40 s hold at 10,000 (9,000 planned on average), a tail past the
 * plan's end in which the last answers came back from an idle nginx. Only the summary of those runs
 * was kept (achieved, planned, p95, generator CPU), so the per-second figures around it are shaped
 * like a shorter run of the same kind measured here (autocannon: its sampler stretched over a
 * stalled event loop, both cores busy).
 */
function closed10k(achievedShare: number, options: { p95Ms: (t: number) => number; p50Ms: number; meanMs: number }): LimitInterval[] {
  const planned = [...Array.from({ length: 10 }, (_, t) => 500 + 1_000 * t), ...Array.from({ length: 40 }, () => 10_000)];
  const full = planned.map((plannedRps, t) => ({
    t: t + 1,
    durationS: 1,
    plannedRps,
    requests: Math.round(plannedRps * achievedShare),
    activeUsers: plannedRps,
    meanMs: options.meanMs,
    p95Ms: options.p95Ms(t),
    p50Ms: options.p50Ms,
  }));
  // Start-up, and the tail: the last few answers of the run from a target with nothing else to do.
  const start: LimitInterval = { t: 0, durationS: 1, requests: 200, partial: 'start', p95Ms: options.p95Ms(0), p50Ms: options.p50Ms };
  const tail: LimitInterval[] = [51, 52].map((t) => ({ t, durationS: 1, requests: 40, partial: 'end', p95Ms: 2.1, p50Ms: 0.4 }));
  return [start, ...full, ...tail];
}

/** Samples whose spans repeat: `short` one-second samples, then one sample stretched over `longS` seconds, for `total` seconds. */
function stretched(total: number, short: { count: number; sample: Omit<LimitSample, 't'> }, long: { seconds: number; sample: Omit<LimitSample, 't'> }): LimitSample[] {
  const out: LimitSample[] = [];
  let t = 0;
  while (t < total) {
    for (let index = 0; index < short.count && t < total; index += 1) {
      t += 1;
      out.push({ t, ...short.sample });
    }
    if (t >= total) break;
    t += long.seconds;
    out.push({ t, ...long.sample });
  }
  return out;
}

const LOCUST_ONE_WORKER = { coresUsable: 2, coresUsableBecause: "the machine's 2 cores", machineCores: 2, processCeiling: { cores: 1, because: 'a Locust worker or master is one Python process' } };

describe('the closed 10,000-user runs of the generator-ceilings benchmark get the right verdict', () => {
  const CLOSED = { model: 'closed' as const, thinkTimeS: 1 };

  it('autocannon: 7,475 of 9,000 req/s, p95 342 ms from start to end, "CPU 41 %" -> machine-bound, never kept-up', () => {
    // Four one-second samples, then one stretched over a 4 s stall of the event loop it shares
    // with autocannon: in the stall the generator waited for a CPU (0.8 cores of waiting) on two busy cores.
    const samples = stretched(
      50,
      { count: 4, sample: { generatorCores: 0.33, machineBusyCores: 1.8, eventLoopLagMs: 20, generatorWaitCores: 0.1 } },
      { seconds: 4, sample: { generatorCores: 0.76, machineBusyCores: 1.98, eventLoopLagMs: 900, generatorWaitCores: 0.8 } },
    );
    // Per sample, the generator's mean is the 41 % the benchmark printed; per second it is more.
    const perSample = samples.reduce((sum, sample) => sum + sample.generatorCores, 0) / samples.length;
    expect(perSample).toBeCloseTo(0.41, 2);
    const verdict = judgeLimit({ ...CLOSED, ...NODE_THREAD, samples, intervals: closed10k(7_475 / 9_000, { p95Ms: () => 342.3, p50Ms: 120, meanMs: 150 }) });
    expect(verdict.verdict).toBe('machine-bound');
    expect(verdict.figures.generatorCoresMean).toBeCloseTo((26 * 0.33 + 24 * 0.76) / 50, 3);
    expect(verdict.figures.achievedToPlannedRatio).toBeCloseTo(0.8306, 3);
    // The users cycled on time (Little's law): that alone once made it "kept up".
    expect(verdict.figures.achievedToCycleRatio).toBeGreaterThan(0.9);
    // Held back in 24 of 50 s (below half), but it used more than a quarter of the busy cores itself.
    expect(verdict.figures).toMatchObject({ noLoadLatencyMs: 0.4, p95TypicalMs: 342.3, eventLoopLateShare: 0.48, generatorHeldBackShare: 0.48 });
    const text = verdict.reasons.join('\n');
    expect(text).toContain('all 2 cores of the machine were busy (≥ 85 %) in 50 of 50 s');
    expect(text).toContain('it sent 83.0 % of the planned request rate (below 95 %)');
    expect(text).toContain('p95 was 342.3 ms in a typical interval, 856 times the no-load latency (the lowest median of any interval, 0.4 ms)');
  });

  it('the same autocannon run on an idle machine, its generator and event loop at ease: system-bound, still not kept-up', () => {
    const samples = stretched(50, { count: 4, sample: { generatorCores: 0.33, machineBusyCores: 0.9, eventLoopLagMs: 5, generatorWaitCores: 0.01 } }, { seconds: 1, sample: { generatorCores: 0.33, machineBusyCores: 0.9, eventLoopLagMs: 5, generatorWaitCores: 0.01 } });
    const verdict = judgeLimit({ ...CLOSED, ...NODE_THREAD, samples, intervals: closed10k(7_475 / 9_000, { p95Ms: () => 342.3, p50Ms: 120, meanMs: 150 }) });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.summary).toContain('far above its no-load latency');
  });

  it('artillery: 2,519 of 9,000 req/s, its one process at 104 % CPU -> generator-bound', () => {
    const verdict = judgeLimit({
      ...CLOSED,
      ...NODE_THREAD,
      samples: samples(50, 1.04, 1.7, undefined, 0.1),
      intervals: closed10k(2_519 / 9_000, { p95Ms: (t) => 40 + (169 - 40) * Math.min(1, t / 10), p50Ms: 25, meanMs: 60 }),
    });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.reasons[0]).toContain('≥ 85 % of the 1 core it may use (one thread runs the engine) in 50 of 50 s');
  });

  it('locust, 1 worker: 1,975 of 9,000 req/s, p95 11.6 s, 99 % CPU of the 2 cores "it may use" -> generator-bound: its worker is one Python process at its core', () => {
    // The worker at 0.93 cores, the master at 0.06: 0.99 in all, half of the machine's 2 cores.
    const verdict = judgeLimit({
      ...CLOSED,
      ...LOCUST_ONE_WORKER,
      samples: samples(50, 0.99, 1.55, undefined, 0.1).map((sample) => ({ ...sample, busiestProcessCores: 0.93 })),
      intervals: closed10k(1_975 / 9_000, { p95Ms: (t) => 40 + ((11_649 - 40) * t) / 49, p50Ms: 8, meanMs: 4_000 }),
    });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.figures).toMatchObject({ processCeilingCores: 1, busiestProcessCoresMax: 0.93, processBusyShare: 1, generatorBusyShare: 0 });
    expect(verdict.reasons[0]).toBe('its busiest process was at ≥ 85 % of the 1 core one process can use (a Locust worker or master is one Python process) in 50 of 50 s (mean 0.93 cores, max 0.93 cores)');
    expect(verdict.reasons.join('\n')).toContain('measured by a busy generator');
  });

  it('locust, 2 workers: 3,754 of 9,000 req/s, p95 5.0 s, 156 % CPU, both cores busy -> machine-bound', () => {
    // Two workers at 0.74 cores each and the master at 0.08, beside nginx on two busy cores: no
    // worker at its own core's ceiling, but the generator used most of the busy cores.
    const verdict = judgeLimit({
      ...CLOSED,
      ...LOCUST_ONE_WORKER,
      samples: samples(50, 1.56, 1.98, undefined, 0.15).map((sample) => ({ ...sample, busiestProcessCores: 0.76 })),
      intervals: closed10k(3_754 / 9_000, { p95Ms: (t) => 40 + ((5_005 - 40) * t) / 49, p50Ms: 8, meanMs: 2_000 }),
    });
    expect(verdict.verdict).toBe('machine-bound');
    expect(verdict.figures.processBusyShare).toBe(0);
    expect(verdict.figures.generatorHeldBackShare).toBe(0);
    expect(verdict.reasons[1]).toContain('the generator used 1.56 cores on average');
  });
});

describe('samples weigh as the seconds they cover', () => {
  it('takes each span from the sample before, the first one the median span', () => {
    expect(sampleSpans([])).toEqual([]);
    expect(sampleSpans([{ t: 3, generatorCores: 0 }])).toEqual([1]);
    expect(sampleSpans([{ t: 1, generatorCores: 0 }, { t: 2, generatorCores: 0 }, { t: 6, generatorCores: 0 }, { t: 7, generatorCores: 0 }])).toEqual([1, 1, 4, 1]);
  });

  it('a busy stretch of 8 s among four 1 s samples is busy for 8 of 12 s: generator-bound', () => {
    const run = [1, 2, 3, 4].map((t) => ({ t, generatorCores: 0.2, machineBusyCores: 0.5 })).concat([{ t: 12, generatorCores: 0.95, machineBusyCores: 1.1 }]);
    const verdict = judgeLimit({ model: 'open', ...NODE_THREAD, samples: run, intervals: intervals(12, 1_000, 800, 3, 3) });
    expect(verdict.verdict).toBe('generator-bound');
    expect(verdict.figures.generatorBusyShare).toBeCloseTo(8 / 12, 3);
    expect(verdict.figures.generatorCoresMean).toBeCloseTo((0.8 + 0.95 * 8) / 12, 3);
    expect(verdict.reasons[0]).toContain('in 8 of 12 s');
  });
});

describe('a closed run short of plan with latency far above its no-load latency is never kept up', () => {
  const CYCLE = { activeUsers: 100, meanMs: 250 };
  it('weighs the typical p95 against the lowest median of any interval', () => {
    const slow = intervals(15, 100, 80, 300, 320, { ...CYCLE, p50Ms: 200 }).map((interval, index) => (index === 0 ? { ...interval, p50Ms: 2 } : interval));
    const verdict = judgeLimit({ model: 'closed', thinkTimeS: 1, ...NODE_THREAD, samples: samples(15, 0.1, 0.4), intervals: slow });
    expect(verdict.verdict).toBe('system-bound');
    expect(verdict.figures).toMatchObject({ noLoadLatencyMs: 2, p95TypicalMs: 310 });
    // A target whose answers always took that long: its latency is its no-load latency, and the users kept their cycle.
    const steady = judgeLimit({ model: 'closed', thinkTimeS: 1, ...NODE_THREAD, samples: samples(15, 0.1, 0.4), intervals: intervals(15, 100, 80, 300, 320, { ...CYCLE, p50Ms: 200 }) });
    expect(steady.verdict).toBe('kept-up');
    expect(steady.reasons.join('\n')).toContain('its users kept their cycle, and its p95 (310 ms in a typical interval) was not far above its no-load latency (200 ms)');
  });
});

describe('percentText keeps a comparison true', () => {
  it('rounds a figure said to be below a line down, one said to reach it up', () => {
    expect(percentText(0.943)).toBe('94.3 %');
    expect(percentText(0.94999)).toBe('94.9 %');
    expect(percentText(0.9496, 'below')).toBe('94.9 %');
    expect(percentText(0.9501, 'at-least')).toBe('95.1 %');
    expect(percentText(1)).toBe('100.0 %');
  });
});

describe('coresUsable', () => {
  it('is the tightest of the machine, the affinity, the quota and the engine', () => {
    expect(coresUsable({ machineCores: 2 })).toEqual({ cores: 2, because: "the machine's 2 cores" });
    expect(coresUsable({ machineCores: 2, engineThreads: 1 })).toEqual({ cores: 1, because: 'one thread runs the engine' });
    expect(coresUsable({ machineCores: 2, engineThreads: 1, affinityCores: 1, quotaCores: 0.3 })).toEqual({ cores: 0.3, because: 'cgroup CPU quota: 0.3 cores' });
    expect(coresUsable({ machineCores: 4, affinityCores: 1 })).toEqual({ cores: 1, because: 'CPU affinity: 1 core' });
    // A tie names the machine: nothing narrower binds.
    expect(coresUsable({ machineCores: 2, affinityCores: 2 }).because).toBe("the machine's 2 cores");
  });
});
