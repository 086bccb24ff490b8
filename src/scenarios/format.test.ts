import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { formatPlan, stageSparkline, targetAt } from './format.js';
import type { Plan } from './types.js';

const plan: Plan = {
  scenario: 'ramp',
  model: 'open',
  baseUrl: 'http://h',
  startTarget: 0,
  stages: [
    { name: 'up', durationS: 10, target: 100 },
    { name: 'hold', durationS: 10, target: 100 },
  ],
  thinkTimeS: 0,
  maxUsers: 50,
  requestTimeoutS: 10,
  intervalS: 1,
  requests: [
    { name: 'a', method: 'GET', path: '/a', weight: 3 },
    { name: 'b', method: 'POST', path: '/b', weight: 1, headers: { authorization: 'Bearer {{token}}' } },
  ],
  auth: { per: 'pool', poolSize: 2, login: { name: 'login', method: 'POST', path: '/login', weight: 1, captures: [{ variable: 'token', json: 'token' }] } },
  slos: [{ name: 'p95 <= 200 ms', metric: 'p95', threshold: 200 }],
  totalDurationS: 20,
  peakTarget: 100,
};

describe('durations', () => {
  it('parse and print', () => {
    expect([parseDuration('90'), parseDuration('1m30s'), parseDuration('500ms'), parseDuration('1h'), parseDuration('2x')]).toEqual([90, 90, 0.5, 3600, undefined]);
    expect([formatDuration(90), formatDuration(3725), formatDuration(0.25), formatDuration(0)]).toEqual(['1m30s', '1h02m05s', '250ms', '0s']);
  });
});

describe('plan text', () => {
  it('interpolates the target within stages', () => {
    expect([targetAt(plan, 0), targetAt(plan, 5), targetAt(plan, 15), targetAt(plan, 99)]).toEqual([0, 50, 100, 100]);
  });

  it('draws the ramp and the hold', () => {
    expect(stageSparkline(plan, 8)).toBe('▁▃▅▇████');
  });

  it('prints stages, shares of the mix and SLOs', () => {
    const text = formatPlan(plan, { engine: 'autocannon 8' });
    expect(text).toContain('engine     autocannon 8');
    expect(text).toMatch(/1 +up +0 +100 req\/s +10s +0s–10s/);
    expect(text).toMatch(/a +75\.0 % +GET +\/a/);
    expect(text).toMatch(/b +25\.0 % +POST +\/b +yes/);
    expect(text).toContain('p95 <= 200 ms');
  });

  it("prints each engine's adaptations after the SLOs, and nothing when there are none", () => {
    const text = formatPlan(plan, { engine: 'artillery', adaptations: ['artillery: stage 1 (up): ramps once a second'] });
    expect(text).toContain('  SLOs\n    p95 <= 200 ms\n\n  adapted to the engine\n    artillery: stage 1 (up): ramps once a second\n');
    expect(formatPlan(plan, { adaptations: [] })).not.toContain('adapted');
  });

  it('prints the memory estimate lines under the engine', () => {
    const text = formatPlan(plan, { engine: 'all', memory: ['k6: about 1 GiB', 'autocannon: about 2 MiB'] });
    expect(text).toContain('  engine     all\n  memory     k6: about 1 GiB\n             autocannon: about 2 MiB\n  model ');
  });
});
