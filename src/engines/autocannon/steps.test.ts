import { describe, expect, it } from 'vitest';
import type { Plan } from '../../scenarios/types.js';
import { autocannonSteps, connectionsForRate } from './steps.js';

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
    expect(autocannonSteps(base)).toEqual([
      { startS: 0, durationS: 2, connections: 10, rate: 100, amount: 200 },
      { startS: 2, durationS: 2, connections: 30, rate: 300, amount: 600 },
      { startS: 4, durationS: 10, connections: 40, rate: 400, amount: 4000 },
    ]);
  });

  it('caps connections at maxUsers and never opens more than requests', () => {
    expect(connectionsForRate(10_000, 50)).toBe(50);
    expect(connectionsForRate(0.5, 50)).toBe(1);
    expect(connectionsForRate(3, 50)).toBe(1);
  });

  it('runs the closed model with one connection per user, at most users / think time of them', () => {
    const closed: Plan = { ...base, model: 'closed', thinkTimeS: 2, startTarget: 40, stages: [{ durationS: 10, target: 40 }] };
    expect(autocannonSteps(closed)).toEqual([{ startS: 0, durationS: 10, connections: 20, rate: 20, amount: 200 }]);
    expect(autocannonSteps({ ...closed, thinkTimeS: 0 })).toEqual([{ startS: 0, durationS: 10, connections: 40 }]);
  });
});
