/**
 * Fetches CloudWatch series with GetMetricData: pages through NextToken, retries throttling and
 * server faults with bounded exponential backoff and jitter, and turns credential failures into
 * exit code 3 without ever echoing a secret. Credentials come from the standard AWS chain unless
 * given explicitly; they are never printed nor written.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { ServerSeries } from '../../results/schema.js';
import { CapacityError, ExitCode } from '../../core/errors.js';
import type { CloudWatchConfig } from './config.js';
import {
  backoffDelayMs,
  buildQuerySpecs,
  classifyAwsError,
  describeAwsError,
  mergePage,
  toMetricDataQueries,
  toServerSeries,
  type CollectedPoints,
} from './queries.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  code: string;
}

export interface CloudWatchDeps {
  /** Explicit credentials; when absent the SDK's standard provider chain is used. */
  credentials?: AwsCredentials;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  onRetry?: (notice: RetryNotice) => void;
  signal?: AbortSignal;
}

export interface CloudWatchWindow {
  from: Date;
  to: Date;
  /** t = 0 of the series. */
  runStart: Date;
}

export interface CloudWatchFetchResult {
  series: ServerSeries[];
  /** Pages read (all requests), retries made, and CloudWatch's own messages (e.g. partial data). */
  pages: number;
  retries: number;
  messages: string[];
}

/** A bound on pages per request chunk, against a server that never stops handing out tokens. */
const MAX_PAGES = 1000;

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Credentials from an injected environment, the first link of the AWS chain; else undefined. */
export function credentialsFromEnv(env: Record<string, string | undefined>): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

function errorCodeOf(error: unknown): string {
  const described = describeAwsError(error);
  return described.code ?? described.name ?? 'UnknownError';
}

/** Maps an SDK failure to a CapacityError whose text holds no credential material. */
function toCapacityError(error: unknown, config: CloudWatchConfig, attempts: number): CapacityError {
  const described = describeAwsError(error);
  const code = errorCodeOf(error);
  const kind = classifyAwsError(described);
  const where = config.endpoint ? `endpoint ${config.endpoint}` : `region ${config.region}`;
  const status = described.httpStatusCode ? `, HTTP ${described.httpStatusCode}` : '';
  // The SDK's own message is deliberately left out: only the code and status are shown, so a
  // server or provider that echoes request material cannot leak it here.
  if (kind === 'auth') {
    const noCredentials = code === 'CredentialsProviderError';
    return new CapacityError(
      noCredentials
        ? 'CloudWatch: no AWS credentials found in the standard chain'
        : `CloudWatch rejected the AWS credentials (${code}${status}) in ${where}`,
      {
        exitCode: ExitCode.MissingDependency,
        hint: noCredentials
          ? 'set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run where an instance role is available'
          : 'check which identity the AWS chain resolves (aws sts get-caller-identity), that it is not expired, and that it may call cloudwatch:GetMetricData',
      },
    );
  }
  if (kind === 'throttling') {
    return new CapacityError(`CloudWatch kept throttling GetMetricData (${code}) after ${attempts} attempts in ${where}`, {
      exitCode: ExitCode.Unhealthy,
      hint: 'try again later, ask for a longer --period, or fewer resources per run',
    });
  }
  if (kind === 'network' || kind === 'server') {
    return new CapacityError(`CloudWatch could not be reached or failed (${code}${status}) in ${where} after ${attempts} attempts`, {
      exitCode: ExitCode.Unhealthy,
      hint: 'check the network path to the CloudWatch endpoint and the AWS status page',
    });
  }
  return new CapacityError(`CloudWatch refused GetMetricData (${code}${status}) in ${where}`, {
    exitCode: ExitCode.BadInput,
    hint: 'check the region, the resource names and the period in the cloudwatch configuration',
  });
}

/** Fetches every configured metric over the window as ServerSeries (source 'cloudwatch'). */
export async function fetchCloudWatchSeries(
  config: CloudWatchConfig,
  window: CloudWatchWindow,
  deps: CloudWatchDeps = {},
): Promise<CloudWatchFetchResult> {
  if (!(window.to.getTime() > window.from.getTime())) {
    throw new CapacityError('CloudWatch window is empty: its end is not after its start', { exitCode: ExitCode.BadInput });
  }
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const specs = buildQuerySpecs(config);
  const client = new CloudWatchClient({
    region: config.region,
    // Our loop owns retries (bounded, visible, testable); the SDK makes one attempt per call.
    maxAttempts: 1,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    ...(deps.credentials ? { credentials: deps.credentials } : {}),
  });
  const collected = new Map<string, CollectedPoints>();
  const messages: string[] = [];
  let pages = 0;
  let retries = 0;
  try {
    for (const queries of toMetricDataQueries(specs, config.periodSeconds)) {
      let nextToken: string | undefined;
      let pagesOfChunk = 0;
      do {
        if (deps.signal?.aborted) throw deps.signal.reason;
        const command = new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: window.from,
          EndTime: window.to,
          ScanBy: 'TimestampAscending',
          ...(nextToken ? { NextToken: nextToken } : {}),
        });
        let output: GetMetricDataCommandOutput | undefined;
        for (let attempt = 1; output === undefined; attempt += 1) {
          try {
            output = await client.send(command, deps.signal ? { abortSignal: deps.signal } : {});
          } catch (error) {
            if (deps.signal?.aborted) throw error;
            const kind = classifyAwsError(describeAwsError(error));
            const retryable = kind === 'throttling' || kind === 'server' || kind === 'network';
            if (!retryable || attempt >= config.maxAttempts) throw toCapacityError(error, config, attempt);
            const delayMs = backoffDelayMs(attempt, config.baseDelayMs, config.maxDelayMs, random);
            retries += 1;
            deps.onRetry?.({ attempt, delayMs, code: errorCodeOf(error) });
            await sleep(delayMs, deps.signal);
          }
        }
        pages += 1;
        pagesOfChunk += 1;
        mergePage(collected, output.MetricDataResults ?? []);
        for (const message of output.Messages ?? []) if (message.Value) messages.push(`${message.Code ?? 'Message'}: ${message.Value}`);
        nextToken = output.NextToken || undefined;
        if (pagesOfChunk >= MAX_PAGES && nextToken) {
          throw new CapacityError(`CloudWatch returned more than ${MAX_PAGES} pages for one request`, {
            exitCode: ExitCode.Unhealthy,
            hint: 'narrow the window or lengthen the period',
          });
        }
      } while (nextToken);
    }
  } finally {
    client.destroy();
  }
  return {
    series: toServerSeries(specs, collected, window.runStart.getTime(), config.periodSeconds),
    pages,
    retries,
    messages,
  };
}
