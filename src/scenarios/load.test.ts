import { describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { listBuiltinNames, loadScenario, parseScenarioText } from './load.js';

function problemsOf(text: string, label = 'bad.yaml'): { message: string; details: string[]; exitCode: number } {
  try {
    parseScenarioText(text, label);
  } catch (error) {
    if (error instanceof CapacityError) return { message: error.message, details: error.details, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected the scenario to be rejected');
}

const VALID = `name: tiny
model: open
maxUsers: 10
stages:
  - duration: 5s
    target: 10
requests:
  - name: home
    path: /
`;

describe('parseScenarioText', () => {
  it('fills defaults and turns durations into seconds', () => {
    const scenario = parseScenarioText(VALID, 'tiny.yaml');
    expect(scenario.stages).toEqual([{ duration: 5, target: 10 }]);
    expect(scenario.target).toEqual({ stack: 'local' });
    expect(scenario.requests[0]).toMatchObject({ method: 'GET', weight: 1, auth: false });
    expect(scenario.interval).toBe(1);
    expect(scenario.slos.endpoints).toEqual({});
  });

  it('lists every error at once, each with file, line, column and field', () => {
    const text = `name: broken
model: open
maxUsers: "many"
colour: blue
stages:
  - duration: 10s
    target: -5
requests:
  - name: a
    path: /a
    weight: 0
  - name: b
    path: /b
    weight: 0
slos:
  endpoints:
    nowhere: { p95Ms: 100 }
`;
    const { details, exitCode, message } = problemsOf(text, 'broken.yaml');
    expect(exitCode).toBe(2);
    expect(message).toContain('broken.yaml');
    expect(details).toEqual([
      'broken.yaml:3:11 maxUsers: expected number, got "many" (string)',
      'broken.yaml:4:1 colour: unknown key "colour"',
      'broken.yaml:7:13 stages[0].target: must be >= 0',
      'broken.yaml:9:3 requests: weights sum to 0: at least one request needs a weight > 0',
      'broken.yaml:17:14 slos.endpoints.nowhere: SLO endpoint "nowhere" is not in the request mix (a, b)',
    ]);
  });

  it('reports a scenario without stages', () => {
    const { details } = problemsOf(VALID.replace(/stages:\n {2}- duration: 5s\n {4}target: 10\n/, 'stages: []\n'));
    expect(details).toEqual(['bad.yaml:4:9 stages: needs at least one stage']);
  });

  it('reports a missing required field at its parent', () => {
    const { details } = problemsOf(VALID.replace('model: open\n', ''));
    expect(details).toEqual(['bad.yaml:1:1 model: is required (one of: open, closed)']);
  });

  it('reports YAML syntax errors with their line, and the schema errors it can still see', () => {
    const { details } = problemsOf(`name: x\nmodel: open\nmaxUsers: 5\nstages: [ { duration: 1s, target: 1 }\nrequests:\n  - name: a\n    path: /\n`);
    expect(details.length).toBeGreaterThan(0);
    expect(details[0]).toMatch(/^bad\.yaml:\d+:\d+ YAML syntax: /);
  });

  it('rejects a bad duration and an unknown placeholder', () => {
    const { details } = problemsOf(VALID.replace('5s', 'soon').replace('path: /', 'path: /u/{user}'));
    expect(details).toEqual([
      'bad.yaml:5:15 stages[0].duration: must be seconds or a duration such as 30s, 5m, 1h30m or 500ms',
      'bad.yaml:9:11 requests[0].path: unknown placeholder {user} (known: {userId}, {productId}, {page}, {query})',
    ]);
  });

  it('refuses a billion-laughs file instead of expanding it', () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd']] as const) {
      rows.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`);
    }
    const { details } = problemsOf(rows.join('\n') + '\n');
    expect(details.join('\n')).toMatch(/alias/i);
  });

  it('names a duration of the wrong type', () => {
    const { details } = problemsOf(VALID.replace('duration: 5s', 'duration: true'));
    expect(details).toEqual(['bad.yaml:5:15 stages[0].duration: must be seconds (>= 0) or a duration such as 30s, 5m, 1h30m or 500ms']);
  });

  it('rejects a document that is not a mapping', () => {
    const { details } = problemsOf('- 1\n- 2\n');
    expect(details).toEqual(['bad.yaml:1:1 (root): expected object, got a list']);
  });

  it('checks failover timing against the run', () => {
    const { details } = problemsOf(`${VALID}failover:\n  at: 4s\n  restoreAt: 3s\n`);
    expect(details).toEqual(['bad.yaml:12:14 failover.restoreAt: must be later than failover.at']);
  });
});

describe('built-in scenarios', () => {
  it('all load and validate', async () => {
    const names = await listBuiltinNames();
    expect(names).toEqual(['baseline', 'failover', 'peak', 'smoke', 'soak', 'spike', 'stress']);
    for (const name of names) {
      const loaded = await loadScenario(name, '/');
      expect(loaded.scenario.name).toBe(name);
      expect(loaded.source).toBe(`builtin:${name}`);
    }
  });

  it('peak ramps to 10,000 req/s with up to 10,000 users', async () => {
    const { scenario } = await loadScenario('peak', '/');
    expect(scenario.model).toBe('open');
    expect(scenario.maxUsers).toBe(10_000);
    expect(Math.max(...scenario.stages.map((stage) => stage.target))).toBe(10_000);
  });

  it('names the built-ins when one is unknown', async () => {
    await expect(loadScenario('nope', '/')).rejects.toMatchObject({ exitCode: 2, hint: expect.stringContaining('smoke') });
  });

  it('exits 2 for a missing file', async () => {
    await expect(loadScenario('./missing.yaml', '/tmp')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('does not exist') });
  });
});
