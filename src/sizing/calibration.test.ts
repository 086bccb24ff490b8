import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CapacityError } from '../core/errors.js';
import { loadDefaultCalibration, loadRunCalibration } from './calibration.js';

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
});
