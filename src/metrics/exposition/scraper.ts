/**
 * Periodic scraper of one or more /metrics endpoints, for a service without a Prometheus: it keeps
 * the parsed samples of every scrape and derives rates and quantiles when the run is over.
 */
import type { ServerSeries } from '../../results/schema.js';
import type { Collector, CollectorClock } from '../types.js';
import { systemClock } from '../types.js';
import { SeriesDeriver } from './derive.js';
import { parseExposition } from './parse.js';
import { PeriodicTask } from '../periodic.js';

export interface ScrapeTarget {
  url: string;
  tier: string;
  /** Series instance name; default: the URL's host:port. */
  instance?: string;
}

export interface ScrapeProblem {
  url: string;
  t: number;
  message: string;
}

export interface ExpositionScraperOptions {
  targets: ScrapeTarget[];
  intervalMs?: number;
  timeoutMs?: number;
  clock?: CollectorClock;
  fetchImpl?: typeof fetch;
  /** Called for a failed scrape or unreadable lines; collection goes on. */
  onProblem?: (problem: ScrapeProblem) => void;
}

/** Fetches a /metrics page once; throws a plain Error with the reason on failure. */
export async function fetchExposition(url: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<string> {
  const response = await fetchImpl(url, {
    headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return text;
}

export class ExpositionScraper implements Collector {
  readonly name = 'scrape';
  private readonly derivers = new Map<string, SeriesDeriver>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly clock: CollectorClock;
  private readonly fetchImpl: typeof fetch;
  private runStartMs = 0;
  private readonly periodic: PeriodicTask;
  readonly problems: ScrapeProblem[] = [];

  constructor(private readonly options: ExpositionScraperOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? Math.max(500, this.intervalMs - 100);
    this.clock = options.clock ?? systemClock;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.periodic = new PeriodicTask(() => this.scrapeAll(), this.intervalMs);
  }

  async start(runStart: Date): Promise<void> {
    this.runStartMs = runStart.getTime();
    await this.periodic.start();
  }

  async stop(): Promise<ServerSeries[]> {
    await this.periodic.stop();
    return this.options.targets.flatMap((target) => this.derivers.get(target.url)?.series() ?? []);
  }

  private report(problem: ScrapeProblem): void {
    // Keep a bounded number: a broken endpoint scraped every second for an hour must not grow without end.
    if (this.problems.length < 100) this.problems.push(problem);
    this.options.onProblem?.(problem);
  }

  private async scrapeAll(): Promise<void> {
    await Promise.all(
      this.options.targets.map(async (target) => {
        try {
          const text = await fetchExposition(target.url, this.timeoutMs, this.fetchImpl);
          // The time the page was answered is the closest to when its counters were read.
          const t = (this.clock.now() - this.runStartMs) / 1000;
          const parsed = parseExposition(text);
          if (parsed.problems.length > 0) {
            const first = parsed.problems[0];
            this.report({ url: target.url, t, message: `${parsed.problems.length} unreadable line(s), first at line ${first?.line}: ${first?.reason}` });
          }
          let deriver = this.derivers.get(target.url);
          if (!deriver) {
            deriver = new SeriesDeriver({ tier: target.tier, instance: target.instance ?? instanceOf(target.url), source: 'scrape' });
            this.derivers.set(target.url, deriver);
          }
          deriver.push({ t, samples: parsed.samples });
        } catch (error) {
          const t = (this.clock.now() - this.runStartMs) / 1000;
          this.report({ url: target.url, t, message: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }
}

function instanceOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
