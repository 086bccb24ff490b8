import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(scenario.requests?.[0]).toMatchObject({ method: 'GET', weight: 1 });
    expect(scenario.interval).toBe(1);
    expect(scenario.slos).toEqual({ endpoints: {} });
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
      'broken.yaml:7:13 stage 1 target: must be >= 0',
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

  it('rejects a bad duration, an unknown variable and the old placeholder syntax, each at its line', () => {
    const { details } = problemsOf(VALID.replace('5s', 'soon').replace('path: /', 'path: /u/{{user}}/{page}'));
    expect(details).toEqual([
      'bad.yaml:5:15 stage 1 duration: must be seconds or a duration such as 30s, 5m, 1h30m or 500ms',
      'bad.yaml:9:11 requests[0].path: unknown variable {{user}} (known: none; define it under variables)',
      'bad.yaml:9:11 requests[0].path: {page} is the old placeholder syntax: write {{page}} and define page under variables',
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
    expect(details).toEqual(['bad.yaml:5:15 stage 1 duration: must be seconds (>= 0) or a duration such as 30s, 5m, 1h30m or 500ms']);
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

describe('bounds (SCENARIO_LIMITS)', () => {
  it('refuses 1e12 users, 1e12 req/s and durations over 7 days, with file and line', () => {
    const { details } = problemsOf(`name: huge
model: open
maxUsers: 1000000000000
startTarget: 2000000
stages:
  - duration: 192h
    target: 1000000000000
requests:
  - name: home
    path: /
`);
    expect(details).toEqual([
      'bad.yaml:3:11 maxUsers: must be at most 1,000,000 users (the per-run limit; split bigger loads over several generators)',
      'bad.yaml:4:14 startTarget: must be at most 1,000,000 (req/s in the open model, users in the closed model: the per-run limit)',
      'bad.yaml:6:3 stages: stages last 691,200 s in total: a run lasts at most 7 days (604,800 s)',
      'bad.yaml:6:15 stage 1 duration: must be at most 7 days (604,800 s)',
      'bad.yaml:7:13 stage 1 target: must be at most 1,000,000 (req/s in the open model, users in the closed model: the per-run limit)',
    ]);
  });

  it('refuses a closed model of 1e12 users', () => {
    const { details } = problemsOf(VALID.replace('model: open', 'model: closed').replace('target: 10', 'target: 1000000000000'));
    expect(details).toContain('bad.yaml:6:13 stage 1 target: must be at most 1,000,000 (req/s in the open model, users in the closed model: the per-run limit)');
  });

  it('bounds numeric durations and the sum of the stages', () => {
    expect(problemsOf(VALID.replace('duration: 5s', 'duration: 604801')).details).toContain('bad.yaml:5:15 stage 1 duration: must be at most 7 days (604,800 s)');
    expect(problemsOf(`${VALID}requestTimeout: 169h\n`).details).toEqual(['bad.yaml:10:17 requestTimeout: must be at most 7 days (604,800 s)']);
    const twoLongStages = VALID.replace('stages:\n', 'stages:\n  - { duration: 96h, target: 5 }\n  - { duration: 96h, target: 5 }\n');
    expect(problemsOf(twoLongStages).details).toEqual(['bad.yaml:5:3 stages: stages last 691,205 s in total: a run lasts at most 7 days (604,800 s)']);
  });

  it('accepts the bounds themselves', () => {
    const scenario = parseScenarioText(VALID.replace('maxUsers: 10', 'maxUsers: 1000000').replace('target: 10', 'target: 1000000').replace('duration: 5s', 'duration: 168h'), 'edge.yaml');
    expect(scenario).toMatchObject({ maxUsers: 1_000_000, stages: [{ duration: 604_800, target: 1_000_000 }] });
  });
});

describe('YAML aliases that refer to themselves', () => {
  const CIRCULAR = `${VALID}    method: POST\n    body: &a [*a]\n`;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'capacity-alias-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a file with `body: &a [*a]` is bad input naming the file, the line and column of the alias, and the cycle', async () => {
    await writeFile(path.join(dir, 'circular.yaml'), CIRCULAR);
    const error = await loadScenario('./circular.yaml', dir).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({ exitCode: 2, message: './circular.yaml is not a valid scenario (1 problem)' });
    expect((error as CapacityError).details).toEqual([
      './circular.yaml:11:15 requests[0].body[0]: alias *a refers to itself: it is inside the value anchored &a (at 11:14), a cycle that would never end',
    ]);
  });

  it('finds a cycle through nested values and through the document root', () => {
    expect(problemsOf(`${VALID}    body: &b\n      x: { y: [1, *b] }\n`).details).toEqual([
      'bad.yaml:11:19 requests[0].body.x.y[1]: alias *b refers to itself: it is inside the value anchored &b (at 11:7), a cycle that would never end',
    ]);
    expect(problemsOf(`&r\n${VALID}    body: *r\n`).details).toEqual([
      'bad.yaml:11:11 requests[0].body: alias *r refers to itself: it is inside the value anchored &r (at 2:1), a cycle that would never end',
    ]);
  });

  it('still accepts an alias to an earlier value', () => {
    const scenario = parseScenarioText(`${VALID}    body: &c { json: { n: 1 } }\n  - { name: again, path: /again, body: *c }\n`, 'ok.yaml');
    expect(scenario.requests?.map((request) => request.body)).toEqual([{ json: { n: 1 } }, { json: { n: 1 } }]);
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

describe('docs/scenarios.md', () => {
  it('its complete example and the mix example validate against the schema', async () => {
    const { readFile: read } = await import('node:fs/promises');
    const text = await read(new URL('../../docs/scenarios.md', import.meta.url), 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    const complete = blocks.find((block) => block.startsWith('name: shop-api')) as string;
    const scenario = parseScenarioText(complete, 'docs example');
    expect(scenario.flow?.map((step) => step.name)).toEqual(['search', 'buy', 'read-order']);
    expect(scenario.auth?.per).toBe('user');
    // The mix example replaces the flow of the complete one.
    const mix = blocks.find((block) => block.startsWith('requests:')) as string;
    // (without the complete example's objective on its flow step "buy")
    const withMix = complete.replace(/flow:[\s\S]*?(?=slos:)/, `${mix}`).replace(/ {2}endpoints:\n {4}buy: .*\n/, '');
    expect(parseScenarioText(withMix, 'docs mix example').requests?.map((request) => request.name)).toEqual(['get-product', 'search', 'login-form', 'upload']);
  });
});
