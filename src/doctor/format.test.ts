import { describe, expect, it } from 'vitest';
import { formatDoctorJson, formatDoctorTable } from './format.js';
import type { CheckResult } from './checks.js';

const results: CheckResult[] = [
  { name: 'k6', kind: 'engine', required: true, purpose: 'load engine', found: true, path: '/x/k6', version: '1.8.1', hint: 'npm run setup' },
  { name: 'nginx', kind: 'service', required: true, purpose: 'load balancer', found: false, hint: 'apt-get install nginx-light' },
  { name: 'wrk', kind: 'tool', required: false, purpose: 'bench', found: false, hint: 'apt-get install wrk' },
];

describe('doctor formatting', () => {
  it('renders aligned rows, the hint of each missing check and the verdict', () => {
    const text = formatDoctorTable(results);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^name\s+kind\s+status\s+version\s+path$/);
    expect(lines.find((l) => l.startsWith('k6'))).toMatch(/ok\s+1\.8\.1\s+\/x\/k6$/);
    expect(lines.find((l) => l.startsWith('nginx'))).toContain('MISSING');
    expect(lines.find((l) => l.startsWith('wrk'))).toContain('missing (optional)');
    expect(text).toContain('install: apt-get install nginx-light');
    expect(text).toContain('install: apt-get install wrk');
    expect(text.trimEnd().endsWith('1 required missing: nginx')).toBe(true);
    // status column starts at the same offset on every row
    const offsets = lines.slice(2, 5).map((l) => l.search(/ok|MISSING|missing/));
    expect(new Set(offsets).size).toBe(1);
  });

  it('says all found when nothing required is missing', () => {
    expect(formatDoctorTable(results.filter((r) => r.name !== 'nginx'))).toContain('all required engines and services found');
  });

  it('gives machines the same facts as JSON', () => {
    const parsed = JSON.parse(formatDoctorJson(results)) as { ok: boolean; requiredMissing: string[]; checks: CheckResult[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.requiredMissing).toEqual(['nginx']);
    expect(parsed.checks).toHaveLength(3);
    expect(parsed.checks[0]).toMatchObject({ name: 'k6', found: true, version: '1.8.1' });
  });
});
