import { describe, expect, it } from 'vitest';
import { assembleRunResult } from './assemble.js';
import { sampleContext, sampleOutput } from '../../test/support/run-fixtures.js';
import { RunResult } from './schema.js';

describe('assembleRunResult', () => {
  it('puts the engine figures, the context and the SLO verdicts into one valid RunResult', () => {
    const result = assembleRunResult(sampleOutput(), sampleContext());
    expect(RunResult.parse(result)).toEqual(result);
    expect(result).toMatchObject({
      schemaVersion: 1,
      status: 'complete',
      window: { startedAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:00:10.000Z', durationS: 10 },
      verdict: 'fail',
      rawFiles: ['autocannon/intervals.json'],
    });
    expect(result.slos.map((slo) => [slo.name, slo.pass])).toEqual([
      ['p95 <= 50 ms', true],
      ['error rate <= 0.5 %', false],
    ]);
  });

  it('marks an interrupted engine run or a context reason as partial', () => {
    expect(assembleRunResult(sampleOutput({ interrupted: true }), sampleContext())).toMatchObject({ status: 'partial', partialReason: expect.any(String) });
    expect(assembleRunResult(sampleOutput(), sampleContext({ partialReason: 'SIGINT' }))).toMatchObject({ status: 'partial', partialReason: 'SIGINT' });
  });

  it('appends orchestration notes after the engine notes', () => {
    const result = assembleRunResult(sampleOutput(), sampleContext({ notes: ['failover: stop failed'] }));
    expect(result.engine.notes).toEqual(['engine note', 'failover: stop failed']);
  });
});
