/**
 * The engine-output contract: what every engine adapter hands back, already normalized. It lives
 * with the results because assembling a RunResult from it is the results' job; engines implement it.
 */
import type { EndpointFigures, EngineInfo, GeneratorLoad, Interval, SetupFigures, Totals } from './schema.js';

/** What an engine returns, already normalized; `capacity run` adds scenario, target, SLOs, server series. */
export interface EngineRunOutput {
  engine: EngineInfo;
  startedAt: Date;
  endedAt: Date;
  totals: Totals;
  intervals: Interval[];
  endpoints: EndpointFigures[];
  generator: GeneratorLoad;
  /** Paths relative to the result folder. */
  rawFiles: string[];
  /** True when the run was cut short (signal); figures cover what ran. */
  interrupted: boolean;
  /** Requests made before the measured load (the sign-in pool of every engine): reported here,
   * never in totals, intervals or endpoints. */
  setup?: SetupFigures;
}
