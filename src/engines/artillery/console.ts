import type { EngineTick } from '../types.js';

/**
 * Pure reader of Artillery's console output, for live progress only: Artillery prints a block of
 * metrics per 10 s period while it runs ("Metrics for period to: ... (width: 9.98s)"), while its
 * JSON report exists only at the end. Each finished block becomes one tick; the result itself
 * comes from the report.
 */
interface Block {
  widthS: number;
  counters: Map<string, number>;
  summaryOf?: string;
  summaries: Map<string, Map<string, number>>;
}

export class ArtilleryConsoleReader {
  private block: Block | undefined;
  private seenBlocks = 0;

  /** Feed one line; `elapsedS` is the time since the run started. A finished block gives a tick. */
  feed(line: string, elapsedS: number): EngineTick | undefined {
    const header = /^Metrics for period to: .*\(width: ([\d.]+)s\)/.exec(line);
    if (header) {
      const finished = this.finish(elapsedS);
      this.block = { widthS: Number(header[1]), counters: new Map(), summaries: new Map() };
      return finished;
    }
    if (!this.block) return undefined;
    if (/^(Phase (started|completed)|All VUs finished|Summary report)/.test(line)) return this.finish(elapsedS);
    const nested = /^\s+(\w+): \.+ ([\d.]+)/.exec(line);
    if (nested && this.block.summaryOf) {
      this.block.summaries.get(this.block.summaryOf)?.set(nested[1] as string, Number(nested[2]));
      return undefined;
    }
    const counter = /^([\w.\-/]+): \.+ ([\d.]+)/.exec(line);
    if (counter) {
      this.block.summaryOf = undefined;
      this.block.counters.set(counter[1] as string, Number(counter[2]));
      return undefined;
    }
    const summary = /^([\w.\-/]+):\s*$/.exec(line);
    if (summary) {
      this.block.summaryOf = summary[1] as string;
      this.block.summaries.set(summary[1] as string, new Map());
    }
    return undefined;
  }

  /** The block in progress, if any, as a tick (call when the output ends). */
  finish(elapsedS: number): EngineTick | undefined {
    const block = this.block;
    this.block = undefined;
    if (!block) return undefined;
    this.seenBlocks += 1;
    let requests = 0;
    let errors = 0;
    for (const [name, value] of block.counters) {
      if (name === 'http.requests') requests = value;
      if (name.startsWith('errors.')) errors += value;
      const code = /^http\.codes\.(\d+)$/.exec(name);
      if (code && Number(code[1]) >= 400) errors += value;
    }
    const latency = block.summaries.get('http.response_time');
    const p50 = latency?.get('median') ?? latency?.get('p50');
    const p95 = latency?.get('p95');
    const p99 = latency?.get('p99');
    return {
      t: elapsedS,
      achievedRps: block.widthS > 0 ? Math.round((requests / block.widthS) * 1000) / 1000 : 0,
      requests,
      errors,
      ...(p50 !== undefined && p95 !== undefined && p99 !== undefined ? { latencyMs: { p50, p95, p99 } } : {}),
    };
  }

  get blocks(): number {
    return this.seenBlocks;
  }
}
