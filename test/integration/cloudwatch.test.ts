import { fileURLToPath } from 'node:url';
/**
 * The CloudWatch collector against a local HTTP server that speaks the wire protocol the
 * installed @aws-sdk/client-cloudwatch uses for GetMetricData: AWS JSON 1.0
 * (X-Amz-Target: GraniteServiceVersion20100801.GetMetricData, epoch-second timestamps) in
 * awsQuery-compatible mode (errors carry x-amzn-query-error: <Code>;<Sender|Receiver>). The fake
 * verifies each request's SigV4 signature with the secret it knows. No SDK mocking.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { ProcessContext } from '../../src/core/context.js';
import { CapacityError } from '../../src/core/errors.js';
import { ServerSeries } from '../../src/results/schema.js';
import {
  CloudWatchConfigSchema,
  cloudWatchCollectorFactory,
  createCloudWatchCollector,
  fetchCloudWatchSeries,
  type CloudWatchConfigInput,
  type RetryNotice,
} from '../../src/metrics/cloudwatch/index.js';

// ---------------------------------------------------------------------------------------------
// The fake CloudWatch endpoint.

const GOOD_KEY = 'AKIDCAPACITYTEST0001';
const GOOD_SECRET = 'goodSecret/K7MDENG+bPxRfiCYEXAMPLEKEY';
const EXPIRED_KEY = 'ASIACAPACITYEXPIRED1';
const EXPIRED_SECRET = 'expiredSecret/abcdefghijklmnopqrstuv';
const BAD_KEY = 'AKIDCAPACITYUNKNOWN9';
const BAD_SECRET = 'badSecret/ThisMustNeverBePrinted+0123456789';
const KNOWN_SECRETS = new Map([
  [GOOD_KEY, GOOD_SECRET],
  [EXPIRED_KEY, EXPIRED_SECRET],
]);

interface WireQuery {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string };
  ReturnData?: boolean;
}
interface WireRequest {
  MetricDataQueries: WireQuery[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
  ScanBy?: string;
}

interface Seen {
  accessKeyId?: string;
  region?: string;
  nextToken?: string;
  status: number;
  code?: string;
}

/** Points of one metric: epoch seconds (period start) → value. A missing key is a gap. */
type Dataset = Map<string, Map<number, number>>;

function datasetKey(namespace: string, metricName: string, dimension: string, stat: string): string {
  return `${namespace}|${metricName}|${dimension}|${stat}`;
}

class FakeCloudWatch {
  server: Server;
  url = '';
  seen: Seen[] = [];
  /** Requests answered with Throttling before normal service. */
  throttleNext = 0;
  /** Data points per page across all queries (CloudWatch pages by data points). */
  pageSize = 7;
  dataset: Dataset = new Map();
  private tokens = new Map<string, number>();

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(Buffer.byteLength(text)),
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(text);
  }

  /** An error as CloudWatch's JSON endpoint sends it in awsQuery-compatible mode. */
  private fail(res: ServerResponse, seen: Seen, status: number, queryCode: string, type: string, message: string, fault = 'Sender'): void {
    seen.status = status;
    seen.code = queryCode;
    this.send(res, status, { __type: type, message }, { 'x-amzn-query-error': `${queryCode};${fault}` });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const seen: Seen = { status: 200 };
    this.seen.push(seen);

    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-amz-json-1.0') {
      return this.fail(res, seen, 400, 'InvalidAction', 'com.amazon.coral.service#UnknownOperationException', 'unsupported request');
    }
    if (req.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData') {
      return this.fail(res, seen, 400, 'InvalidAction', 'com.amazon.coral.service#UnknownOperationException', 'unknown operation');
    }

    // SigV4: credential scope, known key, then the signature itself.
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
    if (!auth) return this.fail(res, seen, 403, 'MissingAuthenticationToken', 'com.amazon.coral.service#MissingAuthenticationTokenException', 'Missing Authentication Token');
    const [, accessKeyId, date, region, service, signedHeaders, signature] = auth as unknown as string[];
    seen.accessKeyId = accessKeyId;
    seen.region = region;
    const secret = KNOWN_SECRETS.get(accessKeyId!);
    if (service !== 'monitoring' || !secret) {
      return this.fail(res, seen, 403, 'InvalidClientTokenId', 'com.amazon.coral.service#UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const expected = sigV4Signature(req, body, signedHeaders!, secret, date!, region!, service);
    if (expected !== signature) {
      return this.fail(res, seen, 403, 'SignatureDoesNotMatch', 'com.amazon.coral.service#InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }
    if (accessKeyId === EXPIRED_KEY) {
      return this.fail(res, seen, 403, 'ExpiredToken', 'com.amazon.coral.service#ExpiredTokenException', 'The security token included in the request is expired');
    }
    if (this.throttleNext > 0) {
      this.throttleNext -= 1;
      return this.fail(res, seen, 400, 'Throttling', 'com.amazon.coral.availability#ThrottlingException', 'Rate exceeded');
    }

    const request = JSON.parse(body.toString('utf8')) as WireRequest;
    seen.nextToken = request.NextToken;
    let offset = 0;
    if (request.NextToken !== undefined) {
      const known = this.tokens.get(request.NextToken);
      if (known === undefined) return this.fail(res, seen, 400, 'InvalidNextToken', 'com.amazonaws.cloudwatch#InvalidNextToken', 'The service returned an invalid next token.');
      offset = known;
    }

    // Every (query, point) of the answer in order; a page is a slice of pageSize of them.
    const all: { id: string; label: string; t: number; v: number }[] = [];
    for (const query of request.MetricDataQueries) {
      const stat = query.MetricStat;
      const dimension = stat.Metric.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',');
      const points = this.dataset.get(datasetKey(stat.Metric.Namespace, stat.Metric.MetricName, dimension, stat.Stat)) ?? new Map();
      const times = [...points.keys()]
        .filter((t) => t >= request.StartTime && t < request.EndTime && t % stat.Period === 0)
        .sort((a, b) => (request.ScanBy === 'TimestampAscending' ? a - b : b - a));
      for (const t of times) all.push({ id: query.Id, label: stat.Metric.MetricName, t, v: points.get(t)! });
    }
    const page = all.slice(offset, offset + this.pageSize);
    const more = offset + this.pageSize < all.length;
    const results = request.MetricDataQueries.map((query) => {
      const mine = page.filter((p) => p.id === query.Id);
      const remaining = all.slice(offset + this.pageSize).some((p) => p.id === query.Id);
      return {
        Id: query.Id,
        Label: query.MetricStat.Metric.MetricName,
        Timestamps: mine.map((p) => p.t),
        Values: mine.map((p) => p.v),
        StatusCode: remaining ? 'PartialData' : 'Complete',
      };
    });
    const response: Record<string, unknown> = { MetricDataResults: results, Messages: [] };
    if (more) {
      const token = randomUUID();
      this.tokens.set(token, offset + this.pageSize);
      response.NextToken = token;
    }
    this.send(res, 200, response);
  }
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The SigV4 signature the fake expects, computed independently from the SDK. */
function sigV4Signature(req: IncomingMessage, body: Buffer, signedHeaders: string, secret: string, date: string, region: string, service: string): string {
  const names = signedHeaders.split(';');
  const canonicalHeaders = names
    .map((name) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = sha256Hex(body);
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const canonicalRequest = [req.method, url.pathname, url.search.replace(/^\?/, ''), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const amzDate = String(req.headers['x-amz-date']);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

// ---------------------------------------------------------------------------------------------

const PERIOD = 60;
// A run that started at a whole minute; CloudWatch stamps each point with its period's start.
const RUN_START_S = 1_790_000_040;
const RUN_START = new Date(RUN_START_S * 1000);
const WINDOW = { from: RUN_START, to: new Date((RUN_START_S + 10 * PERIOD) * 1000), runStart: RUN_START };
const periodStarts = Array.from({ length: 10 }, (_, i) => RUN_START_S + i * PERIOD);

const fake = new FakeCloudWatch();
let workDir: string;

/** Fills the fake with one value per period, leaving out the periods listed as gaps. */
function put(namespace: string, metric: string, dimension: string, stat: string, value: (i: number) => number, gaps: number[] = []): void {
  const points = new Map<number, number>();
  periodStarts.forEach((t, i) => {
    if (!gaps.includes(i)) points.set(t, value(i));
  });
  fake.dataset.set(datasetKey(namespace, metric, dimension, stat), points);
}

const fullConfig: CloudWatchConfigInput = {
  region: 'eu-west-1',
  periodSeconds: PERIOD,
  ec2: { instanceIds: ['i-0aaa', 'i-0bbb'], autoScalingGroupNames: ['web-asg'], vcpus: 2 },
  alb: { loadBalancers: ['app/web/50dc6c495c0c9188'] },
  rds: { dbInstanceIdentifiers: ['capacity-db'] },
  elasticache: { cacheClusterIds: ['capacity-cache-001'] },
  baseDelayMs: 20,
  maxDelayMs: 200,
};

function configFor(overrides: Partial<CloudWatchConfigInput> = {}) {
  return CloudWatchConfigSchema.parse({ ...fullConfig, endpoint: fake.url, ...overrides });
}

beforeAll(async () => {
  await fake.listen();
  workDir = mkdtempSync(join(tmpdir(), 'capacity-cloudwatch-'));
  put('AWS/EC2', 'CPUUtilization', 'InstanceId=i-0aaa', 'Average', (i) => 10 + i);
  put('AWS/EC2', 'CPUUtilization', 'InstanceId=i-0bbb', 'Average', (i) => 20 + i, [4]);
  put('AWS/EC2', 'CPUUtilization', 'AutoScalingGroupName=web-asg', 'Average', (i) => 15 + i);
  put('AWS/ApplicationELB', 'RequestCount', 'LoadBalancer=app/web/50dc6c495c0c9188', 'Sum', (i) => 6000 * (i + 1));
  put('AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer=app/web/50dc6c495c0c9188', 'Average', () => 0.042);
  put('AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer=app/web/50dc6c495c0c9188', 'p95', () => 0.12);
  // No 5XX at all in periods 0..2: CloudWatch sends no point there, and none must be invented.
  put('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'LoadBalancer=app/web/50dc6c495c0c9188', 'Sum', () => 30, [0, 1, 2]);
  put('AWS/RDS', 'CPUUtilization', 'DBInstanceIdentifier=capacity-db', 'Average', (i) => 30 + i);
  put('AWS/RDS', 'DatabaseConnections', 'DBInstanceIdentifier=capacity-db', 'Average', () => 45);
  put('AWS/RDS', 'ReadIOPS', 'DBInstanceIdentifier=capacity-db', 'Average', () => 250, [6, 7]);
  put('AWS/RDS', 'WriteIOPS', 'DBInstanceIdentifier=capacity-db', 'Average', () => 120);
  put('AWS/ElastiCache', 'CPUUtilization', 'CacheClusterId=capacity-cache-001', 'Average', () => 8);
  put('AWS/ElastiCache', 'CacheHits', 'CacheClusterId=capacity-cache-001', 'Sum', () => 54_000);
  put('AWS/ElastiCache', 'CacheMisses', 'CacheClusterId=capacity-cache-001', 'Sum', () => 600);
  put('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', 'CacheClusterId=capacity-cache-001', 'Average', () => 12.5);
});

afterEach(() => {
  fake.seen = [];
  fake.throttleNext = 0;
  fake.pageSize = 7;
});

afterAll(async () => {
  await fake.close();
  rmSync(workDir, { recursive: true, force: true });
});

function find(series: ServerSeries[], tier: string, instance: string, metric: string): ServerSeries {
  const found = series.find((s) => s.tier === tier && s.instance === instance && s.metric === metric);
  if (!found) throw new Error(`no series ${tier}/${instance}/${metric}`);
  return found;
}

describe('CloudWatch collector against a local GetMetricData endpoint', () => {
  it('fills server series for every tier, across pages, with gaps left as gaps', async () => {
    const result = await fetchCloudWatchSeries(configFor(), WINDOW, { credentials: { accessKeyId: GOOD_KEY, secretAccessKey: GOOD_SECRET } });

    // Paging: 15 queries, 10 points each minus 6 gaps = 144 points at 7 per page.
    const expectedPages = Math.ceil(144 / 7);
    expect(result.pages).toBe(expectedPages);
    expect(fake.seen).toHaveLength(expectedPages);
    expect(fake.seen.filter((s) => s.nextToken !== undefined)).toHaveLength(expectedPages - 1);
    expect(fake.seen.every((s) => s.status === 200 && s.accessKeyId === GOOD_KEY && s.region === 'eu-west-1')).toBe(true);

    for (const series of result.series) expect(() => ServerSeries.parse(series)).not.toThrow();
    expect(new Set(result.series.map((s) => s.tier))).toEqual(new Set(['lb', 'app', 'postgres', 'redis']));
    expect(result.series.every((s) => s.source === 'cloudwatch')).toBe(true);

    // t is the end of each period, in seconds since the run started.
    const cpuA = find(result.series, 'app', 'i-0aaa', 'cpu_utilization_percent');
    expect(cpuA.points).toEqual(periodStarts.map((_, i) => [(i + 1) * PERIOD, 10 + i]));
    const coresA = find(result.series, 'app', 'i-0aaa', 'cpu_seconds_per_second');
    expect(coresA.points.map(([, v]) => v)).toEqual(periodStarts.map((_, i) => ((10 + i) / 100) * 2));

    // Gaps: the missing periods have no point, and no zero appears in their place.
    const cpuB = find(result.series, 'app', 'i-0bbb', 'cpu_utilization_percent');
    expect(cpuB.points.map(([t]) => t)).toEqual([60, 120, 180, 240, 360, 420, 480, 540, 600]);
    const errors = find(result.series, 'lb', 'app/web/50dc6c495c0c9188', 'errors_per_second');
    expect(errors.points).toEqual([4, 5, 6, 7, 8, 9, 10].map((k) => [k * PERIOD, 30 / PERIOD]));
    const readIops = find(result.series, 'postgres', 'capacity-db', 'read_iops');
    expect(readIops.points.map(([t]) => t)).toEqual([60, 120, 180, 240, 300, 360, 540, 600]);
    expect(readIops.points.every(([, v]) => v === 250)).toBe(true);

    // Sums per period become rates.
    const requests = find(result.series, 'lb', 'app/web/50dc6c495c0c9188', 'requests_per_second');
    expect(requests.points.map(([, v]) => v)).toEqual(periodStarts.map((_, i) => (6000 * (i + 1)) / PERIOD));
    expect(find(result.series, 'lb', 'app/web/50dc6c495c0c9188', 'latency_p95_seconds').points[0]?.[1]).toBe(0.12);
    expect(find(result.series, 'redis', 'capacity-cache-001', 'cache_hits_per_second').points[0]?.[1]).toBe(900);
    expect(find(result.series, 'redis', 'capacity-cache-001', 'memory_usage_percent').points).toHaveLength(10);
    expect(find(result.series, 'postgres', 'capacity-db', 'db_connections').points[9]).toEqual([600, 45]);
    // A group's CPU has no instance count: percentage only.
    expect(result.series.some((s) => s.instance === 'web-asg' && s.metric === 'cpu_seconds_per_second')).toBe(false);
  });

  it('retries a throttled first response with bounded, jittered backoff', async () => {
    fake.throttleNext = 2;
    fake.pageSize = 1000;
    const notices: RetryNotice[] = [];
    const result = await fetchCloudWatchSeries(configFor(), WINDOW, {
      credentials: { accessKeyId: GOOD_KEY, secretAccessKey: GOOD_SECRET },
      onRetry: (notice) => notices.push(notice),
    });
    expect(fake.seen.map((s) => s.code ?? s.status)).toEqual(['Throttling', 'Throttling', 200]);
    expect(result.retries).toBe(2);
    expect(notices.map((n) => n.code)).toEqual(['Throttling', 'Throttling']);
    // Full jitter under a doubling ceiling: retry 1 within [0, 20), retry 2 within [0, 40).
    expect(notices[0]!.delayMs).toBeGreaterThanOrEqual(0);
    expect(notices[0]!.delayMs).toBeLessThan(20);
    expect(notices[1]!.delayMs).toBeLessThan(40);
    expect(find(result.series, 'app', 'i-0aaa', 'cpu_utilization_percent').points).toHaveLength(10);
  });

  it('gives up after maxAttempts when throttling does not stop: exit 4, no endless loop', async () => {
    fake.throttleNext = 100;
    const error = await fetchCloudWatchSeries(configFor({ maxAttempts: 3 }), WINDOW, {
      credentials: { accessKeyId: GOOD_KEY, secretAccessKey: GOOD_SECRET },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).message).toContain('Throttling');
    expect(fake.seen).toHaveLength(3);
  });

  it('an endpoint that refuses connections: retried, then exit 4 naming it', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const notices: RetryNotice[] = [];
    const error = await fetchCloudWatchSeries(configFor({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 }), WINDOW, {
      credentials: { accessKeyId: GOOD_KEY, secretAccessKey: GOOD_SECRET },
      onRetry: (n) => notices.push(n),
    }).catch((e: unknown) => e);
    expect((error as CapacityError).exitCode).toBe(4);
    expect((error as CapacityError).message).toContain(`endpoint http://127.0.0.1:${port}`);
    expect(notices).toHaveLength(1);
  });

  it('works as a run collector: the window starts one period before the run', async () => {
    fake.pageSize = 1000;
    const collector = createCloudWatchCollector(
      configFor({ ec2: { instanceIds: ['i-0aaa'], autoScalingGroupNames: [] }, alb: undefined, rds: undefined, elasticache: undefined }),
      { credentials: { accessKeyId: GOOD_KEY, secretAccessKey: GOOD_SECRET } },
      { now: () => WINDOW.to.getTime() },
    );
    collector.start(RUN_START);
    const series = await collector.stop();
    expect(series.map((s) => s.metric)).toEqual(['cpu_utilization_percent']);
    expect(series[0]!.points).toHaveLength(10);
  });

  it("plugs into the run's collector seam with credentials from the run's environment", async () => {
    fake.pageSize = 1000;
    const factory = cloudWatchCollectorFactory(configFor({ alb: undefined, rds: undefined, elasticache: undefined }));
    const [collector] = factory({ env: { AWS_ACCESS_KEY_ID: GOOD_KEY, AWS_SECRET_ACCESS_KEY: GOOD_SECRET } });
    await collector!.start(new Date(WINDOW.to.getTime() - 5 * PERIOD * 1000));
    const series = await collector!.stop();
    expect(collector!.name).toBe('cloudwatch');
    expect(series.length).toBeGreaterThan(0);
    expect(fake.seen.every((s) => s.accessKeyId === GOOD_KEY && s.status === 200)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the CLI, as a user runs it: credentials from the (injected) environment.

function capture(env: Record<string, string | undefined>, debug = false) {
  let out = '';
  let err = '';
  const ctx: ProcessContext = {
    env,
    cwd: workDir,
    stdout: { write: (chunk: string) => ((out += chunk), true) },
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    now: () => WINDOW.to,
    signal: new AbortController().signal,
    debug,
    projectRoot: fileURLToPath(new URL('../../', import.meta.url)),
  };
  return { ctx, stdout: () => out, stderr: () => err };
}

function cliArgs(outFile: string): string[] {
  return [
    'cloudwatch', '--region', 'eu-west-1', '--endpoint', fake.url, '--period', '60',
    '--ec2-instances', 'i-0aaa,i-0bbb', '--ec2-vcpus', '2', '--alb', 'app/web/50dc6c495c0c9188',
    '--rds', 'capacity-db', '--elasticache', 'capacity-cache-001',
    '--from', WINDOW.from.toISOString(), '--to', WINDOW.to.toISOString(), '--out', outFile,
  ];
}

/** Every byte printed or written under the work folder. */
function everything(printed: string[]): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(readFileSync(path, 'utf8'));
    }
  };
  walk(workDir);
  return [...printed, ...files].join('\n');
}

describe('capacity cloudwatch (CLI)', () => {
  it('writes the series of every tier with good credentials, and never the secret', async () => {
    const outFile = join(workDir, 'good.json');
    const run = capture({ AWS_ACCESS_KEY_ID: GOOD_KEY, AWS_SECRET_ACCESS_KEY: GOOD_SECRET });
    const code = await main(cliArgs(outFile), run.ctx);
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(readFileSync(outFile, 'utf8')) as { series: ServerSeries[] };
    expect(new Set(document.series.map((s) => s.tier))).toEqual(new Set(['lb', 'app', 'postgres', 'redis']));
    expect(run.stdout()).toMatch(/\d+ series, \d+ pages, 0 retries/);
    const all = everything([run.stdout(), run.stderr()]);
    expect(all).not.toContain(GOOD_SECRET);
  });

  const badCases = [
    { title: 'an unknown access key', env: { AWS_ACCESS_KEY_ID: BAD_KEY, AWS_SECRET_ACCESS_KEY: BAD_SECRET }, code: 'InvalidClientTokenId', secret: BAD_SECRET },
    { title: 'a wrong secret for a known key', env: { AWS_ACCESS_KEY_ID: GOOD_KEY, AWS_SECRET_ACCESS_KEY: BAD_SECRET }, code: 'SignatureDoesNotMatch', secret: BAD_SECRET },
    {
      title: 'an expired session',
      env: { AWS_ACCESS_KEY_ID: EXPIRED_KEY, AWS_SECRET_ACCESS_KEY: EXPIRED_SECRET, AWS_SESSION_TOKEN: 'sessionTokenThatIsSecret/1234567890' },
      code: 'ExpiredToken',
      secret: 'sessionTokenThatIsSecret/1234567890',
    },
  ];

  for (const bad of badCases) {
    it(`exit 3 with a clear message for ${bad.title}; the secret appears nowhere, even with --debug`, async () => {
      for (const debug of [false, true]) {
        const outFile = join(workDir, `bad-${bad.code}-${debug}.json`);
        const run = capture(bad.env, debug);
        const code = await main([...cliArgs(outFile), ...(debug ? ['--debug'] : [])], run.ctx);
        expect(code).toBe(3);
        expect(run.stderr()).toContain(`CloudWatch rejected the AWS credentials (${bad.code}, HTTP 403) in endpoint ${fake.url}`);
        expect(run.stderr()).toContain('hint: check which identity the AWS chain resolves');
        expect(fake.seen.at(-1)?.code).toBe(bad.code);
        const all = everything([run.stdout(), run.stderr()]);
        expect(all).not.toContain(bad.secret);
        expect(all).not.toContain(bad.env.AWS_SECRET_ACCESS_KEY);
        expect(() => statSync(outFile)).toThrow(); // nothing half-written
      }
    });
  }

  it('bad flags: exit 2 naming each problem', async () => {
    const run = capture({});
    const code = await main(['cloudwatch', '--region', 'eu-west-1', '--period', '45'], run.ctx);
    expect(code).toBe(2);
    expect(run.stderr()).toContain('flags.periodSeconds: period must be 1, 5, 10, 30 or a multiple of 60 seconds');
    expect(run.stderr()).toContain('name at least one resource');
    expect(fake.seen).toHaveLength(0);
  });
});
