import { describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { checkGeneratorMemory, describeEstimate, ENGINE_MEMORY, estimateGeneratorMemory, formatBytes, peakUsers } from './memory.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('peak users', () => {
  it('closed model: the peak user count, never above maxUsers', () => {
    expect(peakUsers({ model: 'closed', maxUsers: 1600, peakTarget: 1600 })).toBe(1600);
    expect(peakUsers({ model: 'closed', maxUsers: 2000, peakTarget: 25.2 })).toBe(26);
    expect(peakUsers({ model: 'closed', maxUsers: 10, peakTarget: 50 })).toBe(10);
  });

  it('open model: the whole pool (maxUsers), which the engine grows into when responses slow', () => {
    expect(peakUsers({ model: 'open', maxUsers: 10_000, peakTarget: 10_000 })).toBe(10_000);
    expect(peakUsers({ model: 'open', maxUsers: 500, peakTarget: 20 })).toBe(500);
  });
});

describe('estimateGeneratorMemory', () => {
  it('is base + bytes per user x peak users, per engine', () => {
    expect(ENGINE_MEMORY).toEqual({
      k6: { bytesPerUser: 2 * MiB, baseBytes: 100 * MiB },
      autocannon: { bytesPerUser: 64 * 1024, baseBytes: 128 * MiB },
      artillery: { bytesPerUser: 64 * 1024, baseBytes: 256 * MiB },
      locust: { bytesPerUser: 128 * 1024, baseBytes: 160 * MiB },
    });
    const peak = { model: 'open' as const, maxUsers: 10_000, peakTarget: 10_000 };
    expect(estimateGeneratorMemory(peak, 'k6')).toEqual({ engine: 'k6', users: 10_000, bytesPerUser: 2 * MiB, baseBytes: 100 * MiB, totalBytes: 100 * MiB + 10_000 * 2 * MiB });
    expect(estimateGeneratorMemory(peak, 'autocannon').totalBytes).toBe(128 * MiB + 10_000 * 64 * 1024);
    expect(estimateGeneratorMemory(peak, 'artillery').totalBytes).toBe(256 * MiB + 10_000 * 64 * 1024);
    expect(estimateGeneratorMemory({ model: 'closed', maxUsers: 100, peakTarget: 0 }, 'k6').totalBytes).toBe(100 * MiB);
  });

  it('prints sizes and one line per estimate', () => {
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(64 * MiB)).toBe('64.0 MiB');
    expect(formatBytes(19.6 * GiB)).toBe('19.6 GiB');
    expect(describeEstimate(estimateGeneratorMemory({ model: 'open', maxUsers: 10_000, peakTarget: 10_000 }, 'k6'))).toBe(
      'k6: about 19.6 GiB for 10,000 virtual users (2.0 MiB each + 100.0 MiB)',
    );
    expect(describeEstimate(estimateGeneratorMemory({ model: 'closed', maxUsers: 20, peakTarget: 20 }, 'autocannon'))).toBe(
      'autocannon: about 129.3 MiB for 20 connections (64 KiB each + 128.0 MiB)',
    );
  });
});

describe('checkGeneratorMemory', () => {
  const peak = { model: 'open' as const, maxUsers: 10_000, peakTarget: 10_000 };

  it('returns the estimates when every engine fits', () => {
    expect(checkGeneratorMemory(peak, ['k6', 'autocannon'], 32 * GiB).map((estimate) => estimate.engine)).toEqual(['k6', 'autocannon']);
  });

  it('exit 2 with the estimate, the free memory and a hint when one does not fit', () => {
    let error: unknown;
    try {
      checkGeneratorMemory(peak, ['autocannon', 'k6'], 8 * GiB);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({
      exitCode: 2,
      message: 'the load generator would need about 19.6 GiB of memory for 10,000 users, but 8.0 GiB is free',
      details: ['k6: about 19.6 GiB for 10,000 virtual users (2.0 MiB each + 100.0 MiB); free 8.0 GiB: about 4,046 fit'],
      hint: 'use fewer users (--users N sets the cap), --engine autocannon (about 64 KiB per connection), or split the load over more generator machines',
    });
  });

  it('does not suggest autocannon when autocannon is the one that does not fit', () => {
    expect(() => checkGeneratorMemory({ model: 'open', maxUsers: 1_000_000, peakTarget: 10 }, ['autocannon'], 16 * GiB)).toThrow(
      expect.objectContaining({ hint: 'use fewer users (--users N sets the cap), or split the load over more generator machines' }),
    );
  });
});
