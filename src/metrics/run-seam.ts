/**
 * How `capacity run` gets server metrics: a collector factory built from the run's flags
 * (--prometheus, --metrics-url, --no-collect) and the calibrator run on the finished result.
 * `capacity run` hands both to the run (RunDependencies).
 */
import type { Calibrator, CollectorFactory } from './types.js';
import { calibrateRun, createCollectors } from './index.js';
import { type TierMapping, parseTierMappings } from './prometheus/tiers.js';
import { badInput } from '../core/errors.js';

export interface MetricsFlags {
  /** --prometheus URL: a user's own Prometheus, instead of (or without) the stack's. */
  prometheusUrl?: string;
  /** --metrics-url URL (repeatable): /metrics endpoints to scrape directly. */
  metricsUrls?: string[];
  /** --no-collect: no server-side collection at all. */
  collect?: boolean;
  /** --prometheus-tier (repeatable): the user's tiers mapped to their own selectors. */
  tierMappings?: TierMapping[];
  onProblem?: (message: string) => void;
}

/** Reads the flags as commander hands them over (a string or a list for repeatable options). */
export function metricsFlagsFrom(options: Record<string, unknown>): MetricsFlags {
  const urls = options.metricsUrl;
  const metricsUrls = Array.isArray(urls) ? urls.map(String) : typeof urls === 'string' ? [urls] : [];
  const tiers = Array.isArray(options.prometheusTier) ? options.prometheusTier.map(String) : [];
  const tierMappings = tiers.length > 0 ? parseTierMappings(tiers) : undefined;
  // Refused before any load: the mapping would otherwise be silently unused.
  if (tierMappings && typeof options.prometheus !== 'string') throw badInput('--prometheus-tier needs a Prometheus to ask', [], 'add --prometheus http://your-prometheus:9090');
  if (tierMappings && options.collect === false) throw badInput('--prometheus-tier and --no-collect contradict each other', [], 'drop --no-collect');
  return {
    ...(typeof options.prometheus === 'string' ? { prometheusUrl: options.prometheus } : {}),
    metricsUrls,
    collect: options.collect !== false,
    ...(tierMappings ? { tierMappings } : {}),
  };
}

export function metricsCollectorFactory(flags: MetricsFlags): CollectorFactory {
  return (context) =>
    flags.collect === false
      ? []
      : createCollectors({
          stack: context.stack,
          prometheusUrl: flags.prometheusUrl,
          metricsUrls: flags.metricsUrls,
          ...(flags.tierMappings ? { tierMappings: flags.tierMappings } : {}),
          onProblem: flags.onProblem,
        });
}

export const metricsCalibrator: Calibrator = ({ result }) => calibrateRun(result);

/** Passes the first `max` problems on, then says once that more were left out (a dead endpoint fails every second). */
export function limitedReporter(write: (line: string) => void, max = 5): (message: string) => void {
  let count = 0;
  return (message) => {
    count += 1;
    if (count <= max) write(`metrics: ${message}`);
    else if (count === max + 1) write('metrics: further collection problems are not shown');
  };
}
