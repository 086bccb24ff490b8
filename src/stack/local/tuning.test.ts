import { describe, expect, it } from 'vitest';
import { nginxSizing, postgresSettings, redisSettings, type MachineFacts } from './tuning.js';

const GiB = 1024 ** 3;
const machine = (overrides: Partial<MachineFacts> = {}): MachineFacts => ({
  totalMemoryBytes: 24 * GiB,
  cpus: 2,
  somaxconn: 4096,
  nofileHardLimit: 20_000,
  privileged: true,
  ...overrides,
});

describe('postgresSettings', () => {
  it('gives PostgreSQL a quarter of the machine and applies the seeds\' ratios to it', () => {
    const settings = postgresSettings(machine(), { apps: 3, pgPoolSize: 10 });
    // 24 GiB / 4 = 6 GiB share: 25 % shared_buffers, 75 % effective_cache_size, 1/16 maintenance.
    expect(settings.shared_buffers).toBe('1536MB');
    expect(settings.effective_cache_size).toBe('4608MB');
    expect(settings.maintenance_work_mem).toBe('384MB');
    expect(settings.work_mem).toBe('2MB');
    expect(settings.synchronous_commit).toBe('off');
  });

  it('sizes max_connections for every app pool plus spare, never below 100', () => {
    expect(postgresSettings(machine(), { apps: 3, pgPoolSize: 10 }).max_connections).toBe('100');
    expect(postgresSettings(machine(), { apps: 8, pgPoolSize: 50 }).max_connections).toBe('420');
  });

  it('clamps memory on small and huge machines', () => {
    expect(postgresSettings(machine({ totalMemoryBytes: 1 * GiB }), { apps: 1, pgPoolSize: 1 }).shared_buffers).toBe('128MB');
    expect(postgresSettings(machine({ totalMemoryBytes: 512 * GiB }), { apps: 1, pgPoolSize: 1 }).shared_buffers).toBe('8192MB');
  });

  it('scales parallel workers with the cores', () => {
    const settings = postgresSettings(machine({ cpus: 16 }), { apps: 3, pgPoolSize: 10 });
    expect(settings.max_parallel_workers).toBe('16');
    expect(settings.max_parallel_workers_per_gather).toBe('8');
    expect(settings.max_worker_processes).toBe('16');
  });
});

describe('redisSettings', () => {
  it('keeps the seeds\' 1536 MB allkeys-lru when the machine has room, a sixteenth otherwise', () => {
    expect(redisSettings(machine()).maxmemoryBytes).toBe(1536 * 1024 * 1024);
    expect(redisSettings(machine({ totalMemoryBytes: 8 * GiB })).maxmemoryBytes).toBe(512 * 1024 * 1024);
    expect(redisSettings(machine()).policy).toBe('allkeys-lru');
    expect(redisSettings(machine()).savePoints).toContainEqual([60, 10000]);
  });
});

describe('nginxSizing', () => {
  it('lets one worker hold 10,000 clients and their upstream connections', () => {
    const sizing = nginxSizing(machine());
    expect(sizing.workerConnections).toBeGreaterThan(10_000 + 1_000);
    expect(sizing.workerRlimitNofile).toBeGreaterThanOrEqual(2 * sizing.workerConnections);
    expect(sizing.listenBacklog).toBe(4096);
  });

  it('stays under the hard descriptor limit when it cannot raise it', () => {
    expect(nginxSizing(machine({ privileged: false })).workerRlimitNofile).toBe(20_000);
  });
});
