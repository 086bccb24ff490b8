/**
 * `capacity report` end to end, in-process through main(): every format from result.json alone,
 * PNG files decoded back (signature, size, more than one colour), JUnit structure, Markdown
 * appended to GITHUB_STEP_SUMMARY, and bad input (corrupt, truncated, other schema) → exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadImage, createCanvas } from 'canvas';
import { runCapacity, workDirWithFixtures, type CliRun } from './support/cli.js';

const fixtures = resolve(import.meta.dirname, '../fixtures/results');
let workDir: string;

function cli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCapacity(argv, { cwd: workDir, env });
}

beforeAll(async () => {
  workDir = await workDirWithFixtures('capacity-report-', ['smoke-k6', 'smoke-autocannon', 'real-smoke-k6']);
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('capacity report', () => {
  it('prints a terminal summary with totals, SLO verdicts and endpoints', async () => {
    const { code, stdout } = await cli(['report', 'results/smoke-k6']);
    expect(code).toBe(0);
    expect(stdout).toContain('fixture-smoke-k6');
    expect(stdout).toMatch(/FAIL\s+p99 under 20 ms/);
    expect(stdout).toMatch(/pass\s+p95 under 200 ms/);
    expect(stdout).toContain('list-products');
    expect(stdout).toContain('2,549');
  });

  it('renders a real run in every format', async () => {
    const { code, stdout } = await cli(['report', 'results/real-smoke-k6']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/scenario smoke {2}· {2}k6 /);
    const written = await cli(['report', 'results/real-smoke-k6', '--format', 'markdown,html,png,junit,json', '--out', 'real-out']);
    expect(written.code).toBe(0);
    const files = (await readdir(join(workDir, 'real-out'))).sort();
    expect(files).toEqual(expect.arrayContaining(['errors.png', 'junit.xml', 'latency.png', 'report.html', 'report.json', 'report.md', 'throughput.png']));
  });

  it('writes PNG charts that decode to the requested size and are not one colour', async () => {
    const { code, stderr } = await cli(['report', 'results/smoke-k6', '--format', 'png']);
    expect(code).toBe(0);
    const chartsDir = join(workDir, 'results', 'smoke-k6', 'charts');
    const files = (await readdir(chartsDir)).sort();
    expect(files).toEqual(['errors.png', 'latency.png', 'server-cpu.png', 'throughput.png', 'usl.png']);
    expect(stderr).toContain('wrote png');
    for (const file of files) {
      const bytes = await readFile(join(chartsDir, file));
      expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), file).toBe(true);
      // IHDR: width and height, big-endian, at bytes 16..24.
      expect(bytes.readUInt32BE(16), file).toBe(1000);
      expect(bytes.readUInt32BE(20), file).toBe(500);
      const image = await loadImage(bytes);
      const canvas = createCanvas(image.width, image.height);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      const colours = new Set<number>();
      let nonWhite = 0;
      for (let index = 0; index < data.length; index += 4) {
        const rgb = ((data[index] as number) << 16) | ((data[index + 1] as number) << 8) | (data[index + 2] as number);
        if (rgb !== 0xffffff) nonWhite += 1;
        if (colours.size < 256) colours.add(rgb);
      }
      expect(colours.size, file).toBeGreaterThan(10);
      expect(nonWhite, file).toBeGreaterThan(5000);
    }
  });

  it('writes JUnit XML with one test case per SLO and a failure for the failed one', async () => {
    const { code } = await cli(['report', 'results/smoke-k6', '--format', 'junit', '--out', 'out/junit.xml']);
    expect(code).toBe(0);
    const xml = await readFile(join(workDir, 'out', 'junit.xml'), 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toMatch(/<testsuites name="capacity" tests="3" failures="1"/);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/<testcase classname="capacity\.smoke\.k6" name="p99 under 20 ms"[^>]*>\s*<failure message="p99 observed 29\.9 ms, threshold ≤ 20\.0 ms"/);
  });

  it('appends Markdown to $GITHUB_STEP_SUMMARY and prints it', async () => {
    const summary = join(workDir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const { code, stdout } = await cli(['report', 'results/smoke-k6', 'results/smoke-autocannon', '--format', 'markdown'], { GITHUB_STEP_SUMMARY: summary });
    expect(code).toBe(0);
    expect(stdout).toContain('## Runs side by side');
    expect(stdout).toContain('| ❌ | p99 under 20 ms | ≤ 20.0 ms | 29.9 ms |');
    const written = await readFile(summary, 'utf8');
    expect(written.startsWith('# earlier step\n')).toBe(true);
    expect(written).toContain(stdout.trim());
  });

  it('prints the result as JSON, or a trimmed summary', async () => {
    const full = await cli(['report', 'results/smoke-k6', '--format', 'json']);
    const original = JSON.parse(await readFile(join(fixtures, 'smoke-k6', 'result.json'), 'utf8')) as { intervals: unknown[] };
    expect((JSON.parse(full.stdout) as { intervals: unknown[] }).intervals).toHaveLength(original.intervals.length);
    const trimmed = JSON.parse((await cli(['report', 'results/smoke-k6', '--format', 'json', '--summary'])).stdout) as Record<string, unknown>;
    expect(trimmed.intervals).toBeUndefined();
    expect(trimmed.verdict).toBe('fail');
    expect((trimmed.totals as { requests: number }).requests).toBe(2549);
  });

  it('writes a self-contained HTML file beside the result by default', async () => {
    const { code } = await cli(['report', 'results/smoke-k6', '--format', 'html']);
    expect(code).toBe(0);
    const html = await readFile(join(workDir, 'results', 'smoke-k6', 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('window.__capacityCharts');
  });

  it('rejects corrupt, truncated and other-version results and unknown formats with exit 2', async () => {
    const text = await readFile(join(fixtures, 'smoke-k6', 'result.json'), 'utf8');
    await mkdir(join(workDir, 'bad'), { recursive: true });
    await writeFile(join(workDir, 'bad', 'truncated.json'), text.slice(0, 500));
    await writeFile(join(workDir, 'bad', 'v9.json'), JSON.stringify({ ...JSON.parse(text), schemaVersion: 9 }));
    await writeFile(join(workDir, 'bad', 'fields.json'), JSON.stringify({ ...JSON.parse(text), totals: { requests: -1 } }));
    const truncated = await cli(['report', 'bad/truncated.json']);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/truncated\.json is not valid JSON \(it ends early: truncated\?\)/);
    const version = await cli(['report', 'bad/v9.json']);
    expect(version.code).toBe(2);
    expect(version.stderr).toMatch(/v9\.json has result schema version 9; this capacity reads version 1/);
    const fields = await cli(['report', 'bad/fields.json']);
    expect(fields.code).toBe(2);
    expect(fields.stderr).toMatch(/fields\.json does not match the result schema/);
    expect(fields.stderr).toMatch(/totals\.requests/);
    const missing = await cli(['report', 'results/nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such result: results/nope');
    const format = await cli(['report', 'results/smoke-k6', '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format: unknown format "pdf"');
  });
});

describe('capacity compare', () => {
  it('shows two runs side by side with deltas and the p95 interval', async () => {
    const { code, stdout } = await cli(['compare', 'results/smoke-k6', 'results/smoke-autocannon']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^A: fixture-smoke-k6/m);
    expect(stdout).toMatch(/^p95\s+19\.3 ms\s+16\.2 ms\s+-16\.0 % ▼ better$/m);
    expect(stdout).toContain('endpoint list-products');
    expect(stdout).toMatch(/p95 per interval, B \/ A: ×0\.\d+ \(-\d+\.\d %\) \[0\.\d+, 0\.\d+\]/);
    expect(stdout).toContain('note: different engines: k6 vs autocannon');
  });
});
