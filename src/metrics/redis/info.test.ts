import { describe, expect, it } from 'vitest';
import { encodeCommand, infoNumber, parseRedisInfo, parseRedisUrl, readRespReply } from './info.js';
import { redisSeries } from './collector.js';

const INFO = '# Server\r\nredis_version:7.0.15\r\n\r\n# Stats\r\ntotal_commands_processed:1200\r\nkeyspace_hits:40\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n';

describe('parseRedisInfo', () => {
  it('reads key:value lines and skips headers', () => {
    const info = parseRedisInfo(INFO);
    expect(info.get('redis_version')).toBe('7.0.15');
    expect(infoNumber(info, 'total_commands_processed')).toBe(1200);
    expect(info.get('db0')).toBe('keys=3,expires=0,avg_ttl=0');
    expect(infoNumber(info, 'db0')).toBeUndefined();
    expect(info.has('# Stats')).toBe(false);
  });
});

describe('readRespReply', () => {
  it('waits for a whole bulk reply, then reads it', () => {
    const full = Buffer.from('$5\r\nhello\r\n+OK\r\n');
    expect(readRespReply(full.subarray(0, 6))).toBeUndefined();
    const first = readRespReply(full);
    expect(first).toEqual({ reply: { kind: 'bulk', text: 'hello' }, consumed: 11 });
    expect(readRespReply(full.subarray(11))?.reply).toEqual({ kind: 'simple', text: 'OK' });
    expect(readRespReply(Buffer.from('-NOAUTH Authentication required.\r\n'))?.reply.kind).toBe('error');
    expect(readRespReply(Buffer.from('$-1\r\n'))?.reply).toEqual({ kind: 'bulk', text: null });
    expect(() => readRespReply(Buffer.from('?x\r\n'))).toThrow(/unexpected RESP/);
  });

  it('counts bytes, not characters, in a bulk length', () => {
    const text = 'héllo';
    const encoded = Buffer.from(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
    expect(readRespReply(encoded)?.reply).toEqual({ kind: 'bulk', text });
  });
});

describe('encodeCommand and parseRedisUrl', () => {
  it('encodes RESP arrays and reads redis URLs', () => {
    expect(encodeCommand(['INFO'])).toBe('*1\r\n$4\r\nINFO\r\n');
    expect(parseRedisUrl('redis://:s%40cret@127.0.0.1:6380/0')).toEqual({ host: '127.0.0.1', port: 6380, password: 's@cret' });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
    expect(() => parseRedisUrl('http://x')).toThrow(/redis/);
  });
});

describe('redisSeries', () => {
  it('turns INFO counters into rates, minus its own INFO command', () => {
    const series = redisSeries(
      [
        { t: 0, commands: 100, usedMemory: 1e6, hits: 10, misses: 0, clients: 4 },
        { t: 2, commands: 301, usedMemory: 2e6, hits: 50, misses: 10, clients: 4 },
      ],
      'redis',
      'redis',
    );
    const byMetric = new Map(series.map((s) => [s.metric, s.points]));
    expect(byMetric.get('redis_ops_per_second')).toEqual([[2, 100]]);
    expect(byMetric.get('redis_keyspace_hits_per_second')).toEqual([[2, 20]]);
    expect(byMetric.get('redis_keyspace_misses_per_second')).toEqual([[2, 5]]);
    expect(byMetric.get('redis_used_memory_bytes')).toEqual([[0, 1e6], [2, 2e6]]);
  });
});
