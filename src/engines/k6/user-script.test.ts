import { describe, expect, it } from 'vitest';
import { Scenario } from '../../scenarios/schema.js';
import { k6ScriptScenario } from './user-script.js';

const read = (inspected: unknown) => {
  const { scenario, notes } = k6ScriptScenario(inspected, { scriptName: 'my load.js', targetUrl: 'http://127.0.0.1:8080' });
  return { scenario: Scenario.parse(scenario), notes };
};

describe("the plan that stands for a user's k6 script (from k6 inspect --execution-requirements)", () => {
  it('reads vus and duration as a closed hold', () => {
    const { scenario } = read({ vus: 5, duration: '1m30s', totalDuration: '1m30s', maxVUs: 5 });
    expect(scenario).toMatchObject({ name: 'k6-my-load', model: 'closed', startTarget: 5, maxUsers: 5, target: { url: 'http://127.0.0.1:8080' } });
    expect(scenario.stages).toEqual([{ duration: 90, target: 5 }]);
  });

  it('reads top-level stages as a closed ramp', () => {
    const { scenario } = read({ stages: [{ duration: '30s', target: 20 }, { duration: '1m', target: 20 }, { duration: '10s', target: 0 }], maxVUs: 20 });
    expect(scenario.model).toBe('closed');
    expect(scenario.stages).toEqual([
      { duration: 30, target: 20 },
      { duration: 60, target: 20 },
      { duration: 10, target: 0 },
    ]);
    expect(scenario.maxUsers).toBe(20);
  });

  it('reads one arrival-rate scenario as the open model, per second, with its VU pool', () => {
    const constant = read({ scenarios: { api: { executor: 'constant-arrival-rate', rate: 600, timeUnit: '1m', duration: '2m', preAllocatedVUs: 20, maxVUs: 50 } } });
    expect(constant.scenario).toMatchObject({ model: 'open', startTarget: 10, maxUsers: 50 });
    expect(constant.scenario.stages).toEqual([{ duration: 120, target: 10 }]);
    expect(constant.notes.join(' ')).toContain('counts iterations per second');
    const ramping = read({ scenarios: { s: { executor: 'ramping-arrival-rate', startRate: 2, timeUnit: '500ms', stages: [{ duration: '10s', target: 10 }], preAllocatedVUs: 8 } } });
    expect(ramping.scenario).toMatchObject({ model: 'open', startTarget: 4, maxUsers: 8 });
    expect(ramping.scenario.stages).toEqual([{ duration: 10, target: 20 }]);
  });

  it('reads ramping-vus from its start users', () => {
    const { scenario } = read({ scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '20s', target: 10 }] } } });
    expect(scenario).toMatchObject({ model: 'closed', startTarget: 0, maxUsers: 10 });
  });

  it('holds the users k6 computed for the duration it computed when the script has no timeline of its own', () => {
    const iterations = read({ scenarios: { once: { executor: 'per-vu-iterations', vus: 3, iterations: 10 } }, totalDuration: '10m30s', maxVUs: 3 });
    expect(iterations.scenario.stages).toEqual([{ duration: 630, target: 3 }]);
    expect(iterations.notes[0]).toContain('has no timeline of its own');
    const several = read({ scenarios: { a: { executor: 'constant-vus', vus: 2, duration: '10s' }, b: { executor: 'constant-vus', vus: 3, duration: '20s' } }, totalDuration: '20s', maxVUs: 5 });
    expect(several.scenario).toMatchObject({ model: 'closed', startTarget: 5, maxUsers: 5 });
    expect(several.scenario.stages).toEqual([{ duration: 20, target: 5 }]);
  });
});
