import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nginxConfig, postgresArgs, prometheusArgs, prometheusConfig, redisConfig } from './configs.js';
import { nginxSizing, redisSettings } from './tuning.js';

const machine = { totalMemoryBytes: 24 * 1024 ** 3, cpus: 2, somaxconn: 4096, nofileHardLimit: 20_000, privileged: true };

describe('nginxConfig', () => {
  const text = nginxConfig({
    listen: { host: '127.0.0.1', port: 8080 },
    statusListen: { host: '127.0.0.1', port: 8081 },
    upstreams: [
      { host: '127.0.0.11', port: 3001 },
      { host: '127.0.0.12', port: 3002 },
    ],
    sizing: nginxSizing(machine),
    pidFile: '/state/nginx/nginx.pid',
    errorLog: '/state/logs/nginx.log',
    tempDir: '/state/nginx/temp',
    workerUser: 'www-data',
  });

  it('balances with least_conn over keepalive HTTP/1.1 connections', () => {
    expect(text).toMatch(/upstream app \{\s+least_conn;/);
    expect(text).toContain('server 127.0.0.11:3001 max_fails=3 fail_timeout=5s;');
    expect(text).toContain('server 127.0.0.12:3002 max_fails=3 fail_timeout=5s;');
    expect(text).toMatch(/keepalive \d+;/);
    expect(text).toContain('proxy_http_version 1.1;');
    expect(text).toContain('proxy_set_header Connection "";');
    expect(text).toContain('proxy_next_upstream error timeout http_502 http_503;');
  });

  it('listens on loopback only, with stub_status on its own port', () => {
    const listens = [...text.matchAll(/listen ([^;\s]+)/g)].map((match) => match[1]);
    expect(listens).toEqual(['127.0.0.1:8080', '127.0.0.1:8081']);
    expect(text).toMatch(/location = \/nginx_status \{\s+stub_status;/);
  });

  it('keeps pid, logs and temp files inside the state dir and logs no access', () => {
    expect(text).toContain('pid "/state/nginx/nginx.pid";');
    expect(text).toContain('error_log "/state/logs/nginx.log" warn;');
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) expect(text).toContain(`"/state/nginx/temp/${kind}"`);
    expect(text).toContain('access_log off;');
    expect(text).not.toMatch(/\/var\//);
    expect(text).toContain('user www-data;');
  });

  it('sizes workers for 10,000 clients', () => {
    expect(text).toContain('worker_processes auto;');
    expect(Number(/worker_connections (\d+);/.exec(text)?.[1])).toBeGreaterThan(10_000);
    expect(text).toMatch(/worker_rlimit_nofile \d+;/);
  });

  it('refuses an empty upstream list', () => {
    expect(() =>
      nginxConfig({
        listen: { host: '127.0.0.1', port: 1 },
        statusListen: { host: '127.0.0.1', port: 2 },
        upstreams: [],
        sizing: nginxSizing(machine),
        pidFile: '/p',
        errorLog: '/e',
        tempDir: '/t',
      }),
    ).toThrow(/upstream/);
  });
});

describe('prometheusConfig', () => {
  it('scrapes itself and every app at the interval, labelled by component', () => {
    const config = parse(
      prometheusConfig({
        scrapeIntervalSeconds: 1,
        self: { host: '127.0.0.1', port: 9090 },
        apps: [
          { name: 'app1', endpoint: { host: '127.0.0.11', port: 3001 }, metricsPath: '/metrics' },
          { name: 'app2', endpoint: { host: '127.0.0.12', port: 3002 }, metricsPath: '/metrics' },
        ],
      }),
    ) as {
      global: Record<string, string>;
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> }>;
    };
    expect(config.global.scrape_interval).toBe('1s');
    expect(config.global.scrape_timeout).toBe('1s');
    const jobs = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs]));
    expect(jobs.prometheus?.[0]?.targets).toEqual(['127.0.0.1:9090']);
    expect(jobs.app?.map((entry) => [entry.targets[0], entry.labels.component])).toEqual([
      ['127.0.0.11:3001', 'app1'],
      ['127.0.0.12:3002', 'app2'],
    ]);
  });

  it('turns on the remote-write receiver and native histograms, on loopback', () => {
    const args = prometheusArgs({ configFile: '/s/p.yml', dataDir: '/s/data', listen: { host: '127.0.0.1', port: 9090 } });
    expect(args).toContain('--web.enable-remote-write-receiver');
    expect(args).toContain('--enable-feature=native-histograms');
    expect(args).toContain('--web.listen-address=127.0.0.1:9090');
    expect(args).toContain('--storage.tsdb.path=/s/data');
  });
});

describe('redisConfig', () => {
  it('binds loopback with the seeds\' memory policy and RDB snapshots, no AOF', () => {
    const text = redisConfig({ listen: { host: '127.0.0.1', port: 6400 }, dir: '/s/redis', settings: redisSettings(machine) });
    expect(text).toContain('bind 127.0.0.1\n');
    expect(text).toContain('port 6400\n');
    expect(text).toContain('maxmemory-policy allkeys-lru');
    expect(text).toContain(`maxmemory ${1536 * 1024 * 1024}`);
    expect(text).toContain('save 900 1\nsave 300 10\nsave 60 10000');
    expect(text).toContain('appendonly no');
    expect(text).toContain('dir "/s/redis"');
    expect(text).toContain('daemonize no');
  });
});

describe('postgresArgs', () => {
  it('passes every setting with -c and pins loopback, port and socket dir', () => {
    const args = postgresArgs({ dataDir: '/s/pg/data', port: 5500, socketDir: '/s/pg/run', settings: { shared_buffers: '1GB' } });
    expect(args.slice(0, 2)).toEqual(['-D', '/s/pg/data']);
    const settings = new Map<string, string>();
    for (let index = 2; index < args.length; index += 2) {
      expect(args[index]).toBe('-c');
      const [name, value] = (args[index + 1] as string).split(/=(.*)/s);
      settings.set(name as string, value as string);
    }
    expect(settings.get('shared_buffers')).toBe('1GB');
    expect(settings.get('listen_addresses')).toBe('127.0.0.1');
    expect(settings.get('port')).toBe('5500');
    expect(settings.get('unix_socket_directories')).toBe('/s/pg/run');
  });
});
