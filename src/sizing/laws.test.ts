import { describe, expect, it } from 'vitest';
import { coresAtTargetUtilization, meanInSystem, serviceDemand, throughputFromUsers, usersFromThroughput, utilization } from './laws.js';

describe("Little's law", () => {
  it('10,000 users with Z = 1 s and R = 50 ms give 10,000 / 1.05 ≈ 9,524 req/s (DESIGN.md example)', () => {
    expect(throughputFromUsers(10_000, 0.05, 1)).toBeCloseTo(9523.8095, 3);
  });
  it('reads both ways', () => {
    expect(usersFromThroughput(200, 0.5, 4.5)).toBe(1000);
    expect(meanInSystem(40, 0.25)).toBe(10);
  });
  it('rejects a zero cycle and negative input', () => {
    expect(() => throughputFromUsers(10, 0, 0)).toThrow(/positive/);
    expect(() => throughputFromUsers(-1, 0.1, 1)).toThrow(/users/);
  });
});

describe('utilization law', () => {
  it('U = X·D by hand: 500 req/s × 4 ms = 2 cores busy', () => {
    expect(utilization(500, 0.004)).toBeCloseTo(2, 12);
    expect(serviceDemand(2, 500)).toBeCloseTo(0.004, 12);
  });
  it('cores = X·D/u: 2 busy cores at 70 % target need 2/0.7 ≈ 2.857 cores', () => {
    expect(coresAtTargetUtilization(500, 0.004, 0.7)).toBeCloseTo(2.857142857, 8);
  });
  it('rejects a target utilization outside (0, 1]', () => {
    expect(() => coresAtTargetUtilization(1, 1, 0)).toThrow(/target utilization/);
    expect(() => coresAtTargetUtilization(1, 1, 1.2)).toThrow(/target utilization/);
  });
});
