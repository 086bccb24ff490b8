import { describe, expect, it } from 'vitest';
import { alternativeId, resultId, safeName } from './ids.js';

describe('result ids', () => {
  it('start with a UTC timestamp so they sort by time', () => {
    const early = resultId(new Date('2026-11-22T09:05:03.007Z'), 'peak', 'k6');
    const late = resultId(new Date('2026-11-22T10:00:00.000Z'), 'baseline', 'autocannon');
    expect(early).toBe('20261122-090503-007_peak_k6');
    expect([late, early].sort()).toEqual([early, late]);
  });

  it('keep folder names safe', () => {
    expect(safeName('my scenario/../x')).toBe('my-scenario-..-x');
    expect(safeName('...')).toBe('run');
    expect(alternativeId('a', 1)).toBe('a');
    expect(alternativeId('a', 3)).toBe('a-3');
  });
});
