/**
 * The HTML report opens offline in a real headless Chromium (Debian's package), draws every
 * chart, and no request leaves file://. Canvases are read back in the page to prove they are
 * not blank; a full-page screenshot is kept for a human look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadRunResult } from '../../src/results/read.js';
import { renderHtml } from '../../src/reporters/html.js';

const CHROMIUM = '/usr/bin/chromium';
const fixtures = resolve(import.meta.dirname, '../fixtures/results');

// Minimal shapes of the page objects read in page.evaluate (the project compiles without the DOM lib).
interface PageCanvas {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } };
}
interface PageGlobals {
  __capacityCharts?: { expected: number; drawn: number };
  document: { querySelectorAll(selector: string): ArrayLike<PageCanvas> };
}

interface CanvasCheck {
  id: string;
  width: number;
  height: number;
  paintedPixels: number;
  distinctColours: number;
}

let workDir: string;
let context: BrowserContext;
const blocked: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (npm run setup does)`);
  workDir = await mkdtemp(join(tmpdir(), 'capacity-html-'));
  context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  // Everything but file:// is refused, and remembered: the report must not need it.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function openReport(folders: string[], name: string): Promise<{ checks: CanvasCheck[]; expected: number; screenshot: string }> {
  const results = [];
  for (const folder of folders) results.push((await loadRunResult(join(fixtures, folder), process.cwd())).result);
  const file = join(workDir, `${name}.html`);
  await writeFile(file, await renderHtml(results));
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => {
    const state = (globalThis as unknown as PageGlobals).__capacityCharts;
    return state !== undefined && state.drawn === state.expected;
  }, undefined, { timeout: 20_000 });
  const expected = await page.evaluate(() => (globalThis as unknown as PageGlobals).__capacityCharts?.expected ?? -1);
  const checks = await page.evaluate(() =>
    Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('canvas')).map((canvas) => {
      const context2d = canvas.getContext('2d');
      const { data } = context2d.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      const colours = new Set<number>();
      for (let index = 0; index < data.length; index += 4) {
        if ((data[index + 3] as number) > 0) {
          painted += 1;
          if (colours.size < 64) colours.add(((data[index] as number) << 16) | ((data[index + 1] as number) << 8) | (data[index + 2] as number));
        }
      }
      return { id: canvas.id, width: canvas.width, height: canvas.height, paintedPixels: painted, distinctColours: colours.size };
    }),
  );
  const screenshot = join(tmpdir(), `capacity-report-${name}.png`);
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  expect(pageErrors).toEqual([]);
  return { checks, expected, screenshot };
}

function expectDrawn(checks: CanvasCheck[]): void {
  for (const check of checks) {
    expect(check.width, check.id).toBeGreaterThan(100);
    expect(check.height, check.id).toBeGreaterThan(100);
    // Axes, labels and at least one data series: thousands of pixels in several colours.
    expect(check.paintedPixels, check.id).toBeGreaterThan(2000);
    expect(check.distinctColours, check.id).toBeGreaterThanOrEqual(3);
  }
}

describe('HTML report in headless Chromium', () => {
  it('draws every chart of one run offline: latency, throughput, errors, server CPU, USL', async () => {
    const { checks, expected, screenshot } = await openReport(['smoke-k6'], 'single');
    expect(checks.map((check) => check.id)).toEqual(['chart-latency', 'chart-throughput', 'chart-errors', 'chart-server-cpu', 'chart-usl']);
    expect(expected).toBe(5);
    expectDrawn(checks);
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    console.log(`screenshot: ${screenshot}`);
    expect(blocked).toEqual([]);
  });

  it('draws the charts of a real run (smoke, k6, local stack)', async () => {
    const { checks, expected } = await openReport(['real-smoke-k6'], 'real');
    expect(expected).toBeGreaterThanOrEqual(3);
    expect(checks.map((check) => check.id).slice(0, 3)).toEqual(['chart-latency', 'chart-throughput', 'chart-errors']);
    expect(checks).toHaveLength(expected);
    expectDrawn(checks);
    expect(blocked).toEqual([]);
  });

  it('puts several engines side by side, each with its charts', async () => {
    const { checks, expected, screenshot } = await openReport(['smoke-k6', 'smoke-autocannon', 'smoke-artillery'], 'engines');
    expect(checks[0]?.id).toBe('chart-engines');
    // k6: 5 charts, autocannon: 4 (no USL), artillery: 3 (no server series), plus the side-by-side chart.
    expect(expected).toBe(13);
    expect(checks).toHaveLength(13);
    expectDrawn(checks);
    console.log(`screenshot: ${screenshot}`);
    expect(blocked).toEqual([]);
  });
});
