/**
 * Collector of Redis' own figures from INFO every second: commands per second (from the
 * total_commands_processed counter), used memory, keyspace hits and misses, clients.
 */
import type { ServerSeries } from '../../results/schema.js';
import { METRICS, counterDelta, finitePoints } from '../series.js';
import type { Collector, CollectorClock } from '../types.js';
import { systemClock } from '../types.js';
import { type RedisAddress, type RedisInfo, RedisInfoConnection, infoNumber } from './info.js';
import { PeriodicTask } from '../periodic.js';

export interface RedisReading {
  t: number;
  commands?: number;
  usedMemory?: number;
  hits?: number;
  misses?: number;
  clients?: number;
}

export function readingFromInfo(t: number, info: RedisInfo): RedisReading {
  return {
    t,
    commands: infoNumber(info, 'total_commands_processed'),
    usedMemory: infoNumber(info, 'used_memory'),
    hits: infoNumber(info, 'keyspace_hits'),
    misses: infoNumber(info, 'keyspace_misses'),
    clients: infoNumber(info, 'connected_clients'),
  };
}

/** Series from successive INFO readings (pure). Our own INFO (one per reading) is taken off the op rate. */
export function redisSeries(readings: RedisReading[], tier: string, instance: string): ServerSeries[] {
  const ops: Array<[number, number]> = [];
  const hits: Array<[number, number]> = [];
  const misses: Array<[number, number]> = [];
  const memory: Array<[number, number]> = [];
  const clients: Array<[number, number]> = [];
  readings.forEach((reading, i) => {
    if (reading.usedMemory !== undefined) memory.push([reading.t, reading.usedMemory]);
    if (reading.clients !== undefined) clients.push([reading.t, reading.clients]);
    const previous = readings[i - 1];
    if (!previous) return;
    const elapsed = reading.t - previous.t;
    if (!(elapsed > 0)) return;
    if (previous.commands !== undefined && reading.commands !== undefined) {
      ops.push([reading.t, Math.max(0, counterDelta(previous.commands, reading.commands) - 1) / elapsed]);
    }
    if (previous.hits !== undefined && reading.hits !== undefined) hits.push([reading.t, counterDelta(previous.hits, reading.hits) / elapsed]);
    if (previous.misses !== undefined && reading.misses !== undefined) misses.push([reading.t, counterDelta(previous.misses, reading.misses) / elapsed]);
  });
  const base = { tier, instance, source: 'scrape' as const };
  return [
    { ...base, ...METRICS.redisOps, points: finitePoints(ops) },
    { ...base, ...METRICS.redisMemory, points: finitePoints(memory) },
    { ...base, ...METRICS.redisHits, points: finitePoints(hits) },
    { ...base, ...METRICS.redisMisses, points: finitePoints(misses) },
    { ...base, ...METRICS.redisClients, points: finitePoints(clients) },
  ].filter((series) => series.points.length > 0);
}

export interface RedisInfoCollectorOptions {
  address: RedisAddress;
  tier?: string;
  instance?: string;
  intervalMs?: number;
  clock?: CollectorClock;
  onProblem?: (message: string) => void;
}

export class RedisInfoCollector implements Collector {
  readonly name = 'redis-info';
  private readonly connection: RedisInfoConnection;
  private readonly readings: RedisReading[] = [];
  private readonly clock: CollectorClock;
  private runStartMs = 0;
  private readonly periodic: PeriodicTask;

  constructor(private readonly options: RedisInfoCollectorOptions) {
    this.connection = new RedisInfoConnection(options.address);
    this.clock = options.clock ?? systemClock;
    this.periodic = new PeriodicTask(() => this.readOnce(), options.intervalMs ?? 1000);
  }

  async start(runStart: Date): Promise<void> {
    this.runStartMs = runStart.getTime();
    await this.periodic.start();
  }

  async stop(): Promise<ServerSeries[]> {
    await this.periodic.stop();
    this.connection.close();
    const { host, port } = this.options.address;
    return redisSeries(this.readings, this.options.tier ?? 'redis', this.options.instance ?? `${host}:${port}`);
  }

  private async readOnce(): Promise<void> {
    try {
      const info = await this.connection.info();
      this.readings.push(readingFromInfo((this.clock.now() - this.runStartMs) / 1000, info));
    } catch (error) {
      this.options.onProblem?.(`redis INFO: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
