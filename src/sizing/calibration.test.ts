import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { calibrationWarnings, loadDefaultCalibration, loadRunCalibration, MIN_CALIBRATION_REQUESTS, MIN_STEADY_WINDOW_S } from './calibration.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function resultDir(result: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'capacity-cal-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'results', 'r1'), { recursive: true });
  await writeFile(path.join(dir, 'results', 'r1', 'result.json'), JSON.stringify(result));
  return dir;
}

describe('calibration', () => {
  it('the shipped default validates against the schema and says where it comes from', async () => {
    const { calibration, source } = await loadDefaultCalibration(undefined, { validateSchema: true });
    expect(calibration.tiers.find((t) => t.tier === 'app')).toBeDefined();
    expect(source.machine).toBeTruthy();
    expect(source.measuredAt).toMatch(/^\d{4}-\d{2}-\d{2}/);
    // until a run of the stack replaces it, it must say it is provisional
    if (source.provisional) expect(source.description).toMatch(/PROVISIONAL/);
  });

  it('reads results/<id>/result.json', async () => {
    const calibration = {
      window: { fromS: 10, toS: 70 },
      throughputRps: 500,
      tiers: [{ tier: 'app', instances: 3, cpuSecondsPerRequest: { value: 0.002, min: 0.0019, max: 0.0021, stdev: 0.0001 }, coresBusy: 1, memoryBytesPerInstance: 1e8 }],
    };
    const dir = await resultDir({ id: 'r1', createdAt: '2026-11-22T10:00:00Z', scenario: { name: 'baseline' }, calibration });
    const loaded = await loadRunCalibration('results/r1', dir);
    expect(loaded.calibration.tiers[0]!.cpuSecondsPerRequest.value).toBe(0.002);
    expect(loaded.source.scenario).toBe('baseline');
    expect(loaded.source.kind).toBe('run');
  });

  it('a result without a calibration block exits 2 with a clear message', async () => {
    const dir = await resultDir({ id: 'r1' });
    const error = await loadRunCalibration('results/r1', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(2);
    expect((error as CapacityError).message).toMatch(/has no calibration block/);
  });

  it('an invalid calibration block names the field', async () => {
    const dir = await resultDir({ id: 'r1', calibration: { window: { fromS: 0, toS: 1 }, throughputRps: -5, tiers: [] } });
    const error = (await loadRunCalibration('results/r1', dir).catch((e: unknown) => e)) as CapacityError;
    expect(error.exitCode).toBe(2);
    expect(error.details.join('\n')).toMatch(/calibration\.throughputRps/);
  });

  it('a missing folder exits 2', async () => {
    const error = (await loadRunCalibration('results/nope', tmpdir()).catch((e: unknown) => e)) as CapacityError;
    expect(error.exitCode).toBe(2);
  });

  it('reads the generator verdict of the calibration run', async () => {
    const calibration = { window: { fromS: 10, toS: 70 }, throughputRps: 500, tiers: [] };
    const dir = await resultDir({ id: 'r1', calibration, generator: { cpuPercentMean: 97, cpuPercentMax: 100, rssBytesMax: 1, saturated: true, reasons: ['CPU 97 %'] } });
    expect((await loadRunCalibration('results/r1', dir)).source.generator).toEqual({ saturated: true, reasons: ['CPU 97 %'] });
    expect((await loadDefaultCalibration()).source.generator).toBeNull();
  });

  it('warns when the calibration is too short, has too few requests, or was generator-bound', () => {
    const strong = { window: { fromS: 14, toS: 90 }, throughputRps: 760 };
    expect(calibrationWarnings(strong, { generator: null })).toEqual([]);
    expect(calibrationWarnings(strong, { generator: { saturated: false, reasons: [] } })).toEqual([]);
    expect(MIN_STEADY_WINDOW_S).toBe(60);
    expect(MIN_CALIBRATION_REQUESTS).toBe(10_000);
    const short = calibrationWarnings({ window: { fromS: 5, toS: 35 }, throughputRps: 1000 }, { generator: null });
    expect(short).toEqual(['weak calibration: its steady window is 30 s, shorter than 60 s; run the calibration longer (--duration)']);
    const few = calibrationWarnings({ window: { fromS: 0, toS: 90 }, throughputRps: 100 }, { generator: null });
    expect(few).toEqual(['weak calibration: 9,000 requests in its steady window, fewer than 10,000; run it longer or at a higher rate']);
    const bound = calibrationWarnings(strong, { generator: { saturated: true, reasons: ['achieved 61 % of the planned rate'] } });
    expect(bound).toHaveLength(1);
    expect(bound[0]).toMatch(/^weak calibration: the load generator was saturated in that run \(achieved 61 % of the planned rate\)/);
  });
});
