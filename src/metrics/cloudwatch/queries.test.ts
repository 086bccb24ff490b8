import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CloudWatchConfigSchema, cloudWatchConfigFromFlags, parseCloudWatchConfig } from './config.js';
import {
  backoffDelayMs,
  buildQuerySpecs,
  classifyAwsError,
  describeAwsError,
  MAX_QUERIES_PER_REQUEST,
  mergePage,
  toMetricDataQueries,
  toServerSeries,
  type CollectedPoints,
} from './queries.js';

const config = CloudWatchConfigSchema.parse({
  region: 'us-east-1',
  ec2: { instanceIds: ['i-1'], autoScalingGroupNames: ['asg'], vcpus: 4 },
  alb: { loadBalancers: ['app/lb/1'] },
  rds: { dbInstanceIdentifiers: ['db'] },
  elasticache: { cacheClusterIds: ['c-001'] },
});

describe('CloudWatch config', () => {
  it('defaults the period to 60 s and the retry bounds', () => {
    expect(config.periodSeconds).toBe(60);
    expect(config.maxAttempts).toBe(6);
  });

  it('lists every problem with its field', () => {
    const parsed = parseCloudWatchConfig({ region: '', periodSeconds: 90, alb: { loadBalancers: [], extra: 1 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cloudwatch\.region: /),
        'cloudwatch.periodSeconds: period must be 1, 5, 10, 30 or a multiple of 60 seconds',
        expect.stringMatching(/^cloudwatch\.alb: .*extra/),
      ]),
    );
  });

  it('refuses a config naming no resource', () => {
    const parsed = parseCloudWatchConfig({ region: 'eu-west-1', ec2: { instanceIds: [] } });
    expect(parsed.ok).toBe(false);
  });

  it('fills the schema from comma-separated flags', () => {
    const input = cloudWatchConfigFromFlags({ region: 'eu-west-1', period: '300', ec2Asg: 'a, b', ec2Vcpus: '2', rds: 'db1' });
    expect(CloudWatchConfigSchema.parse(input)).toMatchObject({
      region: 'eu-west-1',
      periodSeconds: 300,
      ec2: { instanceIds: [], autoScalingGroupNames: ['a', 'b'], vcpus: 2 },
      rds: { dbInstanceIdentifiers: ['db1'] },
    });
  });
});

describe('query specs', () => {
  it('asks for the metrics of each service with the right dimension and statistic', () => {
    const specs = buildQuerySpecs(config);
    const summary = specs.map((s) => `${s.tier} ${s.namespace} ${s.metricName} ${s.dimension.name}=${s.dimension.value} ${s.stat}`);
    expect(summary).toEqual([
      'app AWS/EC2 CPUUtilization InstanceId=i-1 Average',
      'app AWS/EC2 CPUUtilization AutoScalingGroupName=asg Average',
      'lb AWS/ApplicationELB RequestCount LoadBalancer=app/lb/1 Sum',
      'lb AWS/ApplicationELB TargetResponseTime LoadBalancer=app/lb/1 Average',
      'lb AWS/ApplicationELB TargetResponseTime LoadBalancer=app/lb/1 p95',
      'lb AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=app/lb/1 Sum',
      'postgres AWS/RDS CPUUtilization DBInstanceIdentifier=db Average',
      'postgres AWS/RDS DatabaseConnections DBInstanceIdentifier=db Average',
      'postgres AWS/RDS ReadIOPS DBInstanceIdentifier=db Average',
      'postgres AWS/RDS WriteIOPS DBInstanceIdentifier=db Average',
      'redis AWS/ElastiCache CPUUtilization CacheClusterId=c-001 Average',
      'redis AWS/ElastiCache CacheHits CacheClusterId=c-001 Sum',
      'redis AWS/ElastiCache CacheMisses CacheClusterId=c-001 Sum',
      'redis AWS/ElastiCache DatabaseMemoryUsagePercentage CacheClusterId=c-001 Average',
    ]);
    expect(new Set(specs.map((s) => s.id)).size).toBe(specs.length);
    expect(specs.every((s) => /^[a-z][a-zA-Z0-9_]*$/.test(s.id))).toBe(true);
  });

  it('splits more than 500 queries into several requests', () => {
    const many = CloudWatchConfigSchema.parse({
      region: 'us-east-1',
      ec2: { instanceIds: Array.from({ length: 1201 }, (_, i) => `i-${i}`) },
    });
    const chunks = toMetricDataQueries(buildQuerySpecs(many), 60);
    expect(chunks.map((c) => c.length)).toEqual([MAX_QUERIES_PER_REQUEST, MAX_QUERIES_PER_REQUEST, 201]);
    expect(chunks[0]![0]!.MetricStat?.Period).toBe(60);
  });
});

describe('series from pages', () => {
  it('merges pages, sorts, keeps gaps and stamps the end of each period', () => {
    const specs = buildQuerySpecs(CloudWatchConfigSchema.parse({ region: 'r', alb: { loadBalancers: ['lb'] } }));
    const collected = new Map<string, CollectedPoints>();
    const start = Date.UTC(2026, 0, 1);
    mergePage(collected, [{ Id: 'q0', Timestamps: [new Date(start + 120_000)], Values: [600] }]);
    mergePage(collected, [{ Id: 'q0', Timestamps: [new Date(start)], Values: [1200] }]);
    const series = toServerSeries(specs, collected, start, 60);
    const requests = series.find((s) => s.metric === 'requests_per_second')!;
    expect(requests.points).toEqual([
      [60, 20],
      [180, 10],
    ]);
    // queries without data give an empty series, not zeros
    expect(series.find((s) => s.metric === 'errors_per_second')!.points).toEqual([]);
  });

  it('never invents or drops points: as many points out as distinct timestamps in', () => {
    const specs = buildQuerySpecs(CloudWatchConfigSchema.parse({ region: 'r', rds: { dbInstanceIdentifiers: ['db'] } }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 50 }), (minutes) => {
        const collected = new Map<string, CollectedPoints>();
        mergePage(collected, [{ Id: 'q0', Timestamps: minutes.map((m) => new Date(m * 60_000)), Values: minutes.map((m) => m % 100) }]);
        const cpu = toServerSeries(specs, collected, 0, 60)[0]!;
        expect(cpu.points).toHaveLength(minutes.length);
        expect(cpu.points.map(([t]) => t)).toEqual([...minutes].sort((a, b) => a - b).map((m) => m * 60 + 60));
      }),
    );
  });
});

describe('errors and backoff', () => {
  it('classifies SDK errors by code, name and status', () => {
    expect(classifyAwsError(describeAwsError({ name: 'ThrottlingException', Code: 'Throttling', $metadata: { httpStatusCode: 400 } }))).toBe('throttling');
    expect(classifyAwsError({ httpStatusCode: 429 })).toBe('throttling');
    expect(classifyAwsError({ name: 'InvalidClientTokenId' })).toBe('auth');
    expect(classifyAwsError({ name: 'CredentialsProviderError' })).toBe('auth');
    expect(classifyAwsError({ name: 'Error', code: 'ECONNREFUSED' })).toBe('network');
    expect(classifyAwsError({ name: 'InternalServiceError', fault: 'server' })).toBe('server');
    expect(classifyAwsError({ name: 'InvalidParameterValue', httpStatusCode: 400 })).toBe('other');
    expect(describeAwsError('not an error')).toEqual({});
  });

  it('backs off with full jitter under a doubling, capped ceiling', () => {
    expect(backoffDelayMs(1, 200, 10_000, () => 0.999)).toBe(199);
    expect(backoffDelayMs(3, 200, 10_000, () => 0.5)).toBe(400);
    expect(backoffDelayMs(20, 200, 10_000, () => 0.999)).toBe(9990);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (retry, r) => {
        const delay = backoffDelayMs(retry, 100, 5000, () => r);
        return delay >= 0 && delay < Math.min(5000, 100 * 2 ** (retry - 1));
      }),
    );
  });
});
