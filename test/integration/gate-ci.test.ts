/**
 * The CI example parses as a GitHub Actions workflow, runs the documented steps in order, and
 * every `capacity` invocation in it names a real command and real options (checked against the
 * command modules themselves, so a renamed flag breaks this test, not the user's pipeline).
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { Command } from 'commander';
import { commandModules } from '../../src/cli/commands/index.js';

const root = resolve(import.meta.dirname, '../..');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  'continue-on-error'?: boolean;
}

async function workflow(): Promise<{ on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { 'runs-on': string; steps: Step[]; env?: Record<string, string> }> }> {
  return parse(await readFile(resolve(root, '.github/workflows/capacity.yml'), 'utf8'), { strict: true, uniqueKeys: true });
}

function optionsOf(name: string): Set<string> {
  const module = commandModules.find((candidate) => candidate.name === name);
  if (!module) throw new Error(`no command "${name}"`);
  const command = new Command(name);
  module.configure(command);
  return new Set(command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag))));
}

describe('.github/workflows/capacity.yml', () => {
  it('parses and has the triggers, permissions and one gate job', async () => {
    const parsed = await workflow();
    expect(Object.keys(parsed.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect(parsed.permissions.checks).toBe('write');
    expect(parsed.jobs.gate?.['runs-on']).toMatch(/^ubuntu-/);
  });

  it('sets up, brings the stack up, runs, reports, gates, publishes and cleans up, in that order', async () => {
    const steps = (await workflow()).jobs.gate?.steps ?? [];
    const index = (predicate: (step: Step) => boolean, what: string) => {
      const found = steps.findIndex(predicate);
      expect(found, what).toBeGreaterThanOrEqual(0);
      return found;
    };
    const order = [
      // k6 (AGPL-3.0) is installed the way Grafana documents for Actions, never built by our set-up.
      index((step) => (step.uses ?? '').startsWith('grafana/setup-k6-action@'), 'install k6'),
      index((step) => step.run === 'npm run setup', 'setup'),
      index((step) => step.run === 'node bin/capacity up', 'up'),
      index((step) => /capacity run --scenario baseline/.test(step.run ?? ''), 'run'),
      index((step) => /capacity report .*--format markdown,html,png,junit/.test(step.run ?? ''), 'report'),
      index((step) => /capacity gate --baseline "\$BASELINE"/.test(step.run ?? ''), 'gate'),
      index((step) => (step.uses ?? '').startsWith('mikepenz/action-junit-report@'), 'junit'),
      index((step) => (step.uses ?? '').startsWith('actions/upload-artifact@'), 'upload'),
      index((step) => step.run === 'node bin/capacity down', 'down'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps.some((step) => (step.uses ?? '').startsWith('actions/setup-go@'))).toBe(false);
    const byRun = (pattern: RegExp) => steps.find((step) => pattern.test(step.run ?? '')) as Step;
    // The run and the gate may fail without skipping the reports; the last step fails the job.
    expect(byRun(/capacity run /)['continue-on-error']).toBe(true);
    expect(byRun(/capacity gate --baseline/)['continue-on-error']).toBe(true);
    expect(byRun(/capacity down/).if).toBe('always()');
    const last = steps.at(-1) as Step;
    expect(last.if).toBe("steps.run.outcome == 'failure' || steps.gate.outcome == 'failure'");
    expect(last.run).toContain('exit 1');
    const junit = steps.find((step) => (step.uses ?? '').startsWith('mikepenz/')) as Step;
    expect(junit.with?.report_paths).toBe('report/junit.xml');
    const upload = steps.find((step) => (step.uses ?? '').startsWith('actions/upload-artifact@')) as Step;
    expect(String(upload.with?.path)).toContain('report/');
  });

  it('calls only existing capacity commands with existing options', async () => {
    const steps = (await workflow()).jobs.gate?.steps ?? [];
    const invocations = steps.flatMap((step) => (step.run ?? '').split('\n')).filter((line) => line.includes('bin/capacity'));
    expect(invocations.length).toBeGreaterThanOrEqual(6);
    for (const line of invocations) {
      const words = line.trim().split(/\s+/);
      const name = words[words.indexOf('bin/capacity') + 1] as string;
      const known = optionsOf(name);
      for (const flag of words.filter((word) => word.startsWith('-'))) expect(known.has(flag), `${name} ${flag} in: ${line}`).toBe(true);
    }
  });
});
