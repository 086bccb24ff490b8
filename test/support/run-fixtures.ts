import type { EngineRunOutput } from '../../src/engines/types.js';
import type { Plan } from '../../src/scenarios/types.js';
import type { RunContext } from '../../src/results/assemble.js';

/** Small, valid sample inputs for unit tests of results, reporters and the run orchestration. */
export function sampleOutput(overrides: Partial<EngineRunOutput> = {}): EngineRunOutput {
  return {
    engine: { name: 'autocannon', version: '8.0.0', percentileSource: 'histogram', notes: ['engine note'] },
    startedAt: new Date('2026-11-22T10:00:00.000Z'),
    endedAt: new Date('2026-11-22T10:00:10.000Z'),
    totals: { requests: 200, errors: 2, errorRate: 0.01, achievedRps: 20, latencyMs: { p50: 5, p95: 40, p99: 90 }, errorsByKind: { http_5xx: 2 }, statusCounts: { '200': 198, '500': 2 } },
    intervals: [{ t: 0, durationS: 10, achievedRps: 20, requests: 200, errors: 2, errorsByKind: {}, statusCounts: {} }],
    endpoints: [{ name: 'home', method: 'GET', path: '/', requests: 200, errors: 2, latencyMs: { p50: 5, p95: 40, p99: 90 }, statusCounts: {} }],
    generator: { cpuPercentMean: 20, cpuPercentMax: 35, rssBytesMax: 1e8, saturated: false, reasons: [] },
    rawFiles: ['autocannon/intervals.json'],
    interrupted: false,
    ...overrides,
  };
}

export const samplePlan: Plan = {
  scenario: 'tiny',
  model: 'open',
  baseUrl: 'http://127.0.0.1:1',
  startTarget: 0,
  stages: [{ durationS: 10, target: 20 }],
  thinkTimeS: 0,
  maxUsers: 10,
  requestTimeoutS: 10,
  intervalS: 1,
  requests: [{ name: 'home', method: 'GET', path: '/', weight: 1, auth: false }],
  data: { userIdRange: [1, 10], productIdRange: [1, 10], password: 'capacity', searchTerms: ['a'] },
  slos: [
    { name: 'p95 <= 50 ms', metric: 'p95', threshold: 50 },
    { name: 'error rate <= 0.5 %', metric: 'errorRate', threshold: 0.005 },
  ],
  totalDurationS: 10,
  peakTarget: 20,
};

export function sampleContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    id: '20261122-100000-000_tiny_autocannon',
    createdAt: new Date('2026-11-22T10:00:10.500Z'),
    scenario: { name: 'tiny', description: 'a tiny run', source: 'builtin:tiny', definition: { name: 'tiny' } },
    plan: samplePlan,
    target: { kind: 'url', baseUrl: 'http://127.0.0.1:1' },
    machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'cpu', memoryBytes: 1, node: 'v20' },
    ...overrides,
  };
}
