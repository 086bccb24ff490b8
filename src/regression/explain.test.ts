import { describe, expect, it } from 'vitest';
import { explainVerdict, type Explained } from './explain.js';

const interval = (low: number, high: number, estimate = (low + high) / 2) => ({ estimate, low, high, confidence: 0.95, iterations: 2000 });
const base: Explained = { metric: 'p95', effectKind: 'ratio', effect: interval(0.569, 1.317), outcome: 'within-tolerance', tolerance: 0.1, alpha: 0.05, pValue: 0.6, samples: { baseline: 8, current: 8 } };

describe('explainVerdict', () => {
  it('says where the change lies and what a regression needs, in words', () => {
    expect(explainVerdict(base)).toBe('p95 is between 43 % lower and 32 % higher than the baseline (95 % confidence); a regression needs it to be at least 10 % higher for sure: not shown');
  });

  it('words a regression, an improvement and a throughput drop', () => {
    expect(explainVerdict({ ...base, effect: interval(1.147, 1.319), outcome: 'regressed', pValue: 0.00012 })).toBe(
      'p95 is between 15 % and 32 % higher than the baseline (95 % confidence); a regression needs it to be at least 10 % higher for sure: shown (Mann-Whitney p = 0.0001 < 0.05)',
    );
    expect(explainVerdict({ ...base, effect: interval(0.7, 0.85), outcome: 'improved' })).toMatch(/between 15 % and 30 % lower .*: not shown; it is at least 10 % lower for sure, an improvement$/);
    expect(explainVerdict({ ...base, metric: 'throughput', effect: interval(0.95, 1.04) })).toBe(
      'throughput is between 5.0 % lower and 4.0 % higher than the baseline (95 % confidence); a regression needs it to be at least 10 % lower for sure: not shown',
    );
  });

  it('words the error rate in percentage points', () => {
    expect(explainVerdict({ ...base, metric: 'errorRate', effectKind: 'difference', effect: interval(-0.0017, 0.0028), tolerance: 0.005 })).toBe(
      'the error rate is between 0.17 points lower and 0.28 points higher than the baseline (95 % confidence); a regression needs it to be at least 0.50 points higher for sure: not shown',
    );
  });

  it('says when the interval clears the tolerance but the test does not agree', () => {
    expect(explainVerdict({ ...base, effect: interval(1.12, 1.4), pValue: 0.08 })).toMatch(/: not shown: the interval says so but the Mann-Whitney test does not \(p = 0\.0800 ≥ 0\.05\)$/);
  });

  it('says the data are too few, and how many intervals would do', () => {
    expect(explainVerdict({ ...base, outcome: 'too-few-data', neededIntervals: 112 })).toMatch(
      /: too few data to tell: the interval is ±37 % wide, not narrower than the 10 % tolerance; about 112 intervals per run would be needed$/,
    );
  });
});
