/** CloudWatch collector: GetMetricData for a user's AWS deployment, as ServerSeries. */
import type { ServerSeries } from '../../results/schema.js';
import type { Collector, CollectorClock } from '../types.js';
import { systemClock } from '../types.js';
import type { CloudWatchConfig } from './config.js';
import { credentialsFromEnv as credentialsFromEnvironment, fetchCloudWatchSeries, type CloudWatchDeps, type CloudWatchFetchResult } from './client.js';

export { CloudWatchConfigSchema, cloudWatchConfigFromFlags, parseCloudWatchConfig } from './config.js';
export type { CloudWatchConfig, CloudWatchConfigInput, CloudWatchFlags } from './config.js';
export { fetchCloudWatchSeries, credentialsFromEnv } from './client.js';
export type { AwsCredentials, CloudWatchDeps, CloudWatchFetchResult, CloudWatchWindow, RetryNotice } from './client.js';
export { buildQuerySpecs } from './queries.js';

/**
 * A Collector for `capacity run`: remembers the run's start, and on stop fetches the window
 * from one period before the start to the stop time. CloudWatch publishes with a delay of a
 * minute or more, so the last period of a short run may be missing; `fetchCloudWatchSeries`
 * can be called again later for the same window.
 */
export function createCloudWatchCollector(
  config: CloudWatchConfig,
  deps: CloudWatchDeps = {},
  clock: CollectorClock = systemClock,
): Collector & { lastFetch(): CloudWatchFetchResult | undefined } {
  let runStart: Date | undefined;
  let last: CloudWatchFetchResult | undefined;
  return {
    name: 'cloudwatch',
    start(start: Date) {
      runStart = start;
    },
    async stop(): Promise<ServerSeries[]> {
      if (!runStart) return [];
      const from = new Date(runStart.getTime() - config.periodSeconds * 1000);
      const to = new Date(Math.max(clock.now(), runStart.getTime() + 1000));
      last = await fetchCloudWatchSeries(config, { from, to, runStart }, deps);
      return last.series;
    },
    lastFetch: () => last,
  };
}

/**
 * For `capacity run`'s collector seam (src/run/collectors.ts): a factory that adds the CloudWatch
 * collector for a config (from the scenario's `cloudwatch:` block or flags), with credentials
 * from the run's injected environment when it carries them, else the SDK's standard chain.
 */
export function cloudWatchCollectorFactory(
  config: CloudWatchConfig,
  deps: Omit<CloudWatchDeps, 'credentials'> = {},
): (context: { env: Record<string, string | undefined> }) => Collector[] {
  return (context) => {
    const credentials = config.profile ? undefined : credentialsFromEnvironment(context.env);
    return [createCloudWatchCollector(config, { ...deps, ...(credentials ? { credentials } : {}) })];
  };
}
