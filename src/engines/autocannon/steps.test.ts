import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { connectionsForRate, impliedAutocannonLoad, stepInstances, translateAutocannon } from './steps.js';

const stepsOf = (plan: Plan) => translateAutocannon(plan).config.steps;

const base: Plan = {
  scenario: 's',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 0,
  stages: [
    { durationS: 4, target: 400 },
    { durationS: 10, target: 400 },
  ],
  thinkTimeS: 0,
  maxUsers: 50,
  requestTimeoutS: 5,
  intervalS: 1,
  requests: [{ name: 'a', method: 'GET', path: '/', weight: 1, auth: false }],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'p', searchTerms: [] },
  slos: [],
  totalDurationS: 14,
  peakTarget: 400,
};

describe('autocannon steps', () => {
  it('cuts ramps into 2 s steps at their mean rate and keeps constant stages whole', () => {
    expect(stepsOf(base)).toEqual([
      { stage: 0, startS: 0, durationS: 2, connections: 10, rate: 100, amount: 200 },
      { stage: 0, startS: 2, durationS: 2, connections: 30, rate: 300, amount: 600 },
      { stage: 1, startS: 4, durationS: 10, connections: 40, rate: 400, amount: 4000 },
    ]);
    expect(translateAutocannon(base).adaptations).toEqual(["ramps (stage 1) run as steps of at most 2 s at each step's mean rate (autocannon has no ramps)"]);
  });

  it('caps connections at maxUsers and never opens more than requests', () => {
    expect(connectionsForRate(10_000, 50)).toBe(50);
    expect(connectionsForRate(0.5, 50)).toBe(1);
    expect(connectionsForRate(3, 50)).toBe(1);
  });

  it('runs the closed model with one connection per user, at most users / think time of them', () => {
    const closed: Plan = { ...base, model: 'closed', thinkTimeS: 2, startTarget: 40, stages: [{ durationS: 10, target: 40 }] };
    expect(stepsOf(closed)).toEqual([{ stage: 0, startS: 0, durationS: 10, connections: 20, rate: 20, amount: 200 }]);
    expect(stepsOf({ ...closed, thinkTimeS: 0 })).toEqual([{ stage: 0, startS: 0, durationS: 10, connections: 40 }]);
  });

  it('keeps the planned count when the rate is not whole: 4.5 req/s for 10 s is 45 requests at up to 5 a second', () => {
    const steps = stepsOf({ ...base, startTarget: 4.5, stages: [{ durationS: 10, target: 4.5 }] });
    expect(steps).toEqual([{ stage: 0, startS: 0, durationS: 10, connections: 1, rate: 5, amount: 45 }]);
  });

  it('sends a rate below 1 req/s one request at a time, spread over the stage', () => {
    const slow: Plan = { ...base, startTarget: 0.1, stages: [{ durationS: 30, target: 0.1 }], totalDurationS: 30 };
    const steps = stepsOf(slow);
    expect(steps.map((step) => [step.startS, step.amount, step.rate])).toEqual([
      [0, 1, 1],
      [10, 1, 1],
      [20, 1, 1],
    ]);
    expect(impliedAutocannonLoad(translateAutocannon(slow).config).requests).toBe(3);
    expect(translateAutocannon(slow).adaptations[0]).toContain('below 1 request a second');
  });

  it('raises a request timeout below 1 s, which autocannon refuses', () => {
    const translation = translateAutocannon({ ...base, requestTimeoutS: 0.5 });
    expect(translation.config.timeoutS).toBe(1);
    expect(translation.adaptations).toContain("request timeout 0.5 s raised to 1 s (autocannon's shortest)");
  });

  it('splits a rated step over staggered instances that share its connections, rate and requests', () => {
    const instances = stepInstances({ timeoutS: 5 }, { stage: 0, startS: 0, durationS: 10, connections: 3, rate: 25, amount: 250 });
    expect(instances).toEqual([
      { delayS: 0, options: { timeout: 5, pipelining: 1, connections: 1, overallRate: 9, amount: 84 } },
      { delayS: 1 / 3, options: { timeout: 5, pipelining: 1, connections: 1, overallRate: 8, amount: 83 } },
      { delayS: 2 / 3, options: { timeout: 5, pipelining: 1, connections: 1, overallRate: 8, amount: 83 } },
    ]);
    expect(stepInstances({ timeoutS: 5 }, { stage: 0, startS: 0, durationS: 10, connections: 0 })).toEqual([]);
    expect(stepInstances({ timeoutS: 5 }, { stage: 0, startS: 0, durationS: 10, connections: 4 })).toEqual([{ delayS: 0, options: { timeout: 5, pipelining: 1, connections: 4, duration: 10 } }]);
  });
});
