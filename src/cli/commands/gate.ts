import type { CommandModule } from '../command.js';
import { badInput } from '../../core/errors.js';

function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw badInput(`--${name} must be a number, got "${String(value)}"`);
  return parsed;
}

/** "10%" or "0.1" → 0.1 */
function fractionOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const parsed = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(parsed)) throw badInput(`--${name} must be a fraction (0.1) or a percentage (10%), got "${text}"`);
  return parsed;
}

export const command: CommandModule = {
  name: 'gate',
  summary: 'fail (exit 1) when a run regressed against a baseline: p95, p99, error rate, throughput',
  configure(command) {
    command
      .requiredOption('--current <result>', 'the run to judge: result folder or result.json')
      .option('--baseline <path>', 'baseline file, result, or folder of results/baselines')
      .option('--update-baseline <path>', 'write a trimmed baseline from the current run (atomic; skipped on a regression)')
      .option('--tolerance <fraction>', 'relative tolerance for p95, p99, throughput (0.1 or 10%)', '10%')
      .option('--error-tolerance <fraction>', 'absolute tolerance for the error rate (0.005 or 0.5%)', '0.5%')
      .option('--confidence <fraction>', 'confidence of the bootstrap interval', '0.95')
      .option('--metrics <list>', 'metrics to gate, comma-separated', 'p95,p99,errorRate,throughput')
      .option('--iterations <n>', 'bootstrap resamples', '2000')
      .option('--seed <n>', 'seed of the bootstrap (same seed, same answer)', '1')
      .option('--warmup <seconds>', 'leave out intervals starting before this second', '0')
      .option('--block-length <n|auto>', 'bootstrap block length in intervals (auto = n^(1/3))', 'auto')
      .option('--format <format>', 'text | markdown | json', 'text')
      .addHelpText(
        'after',
        '\nA metric regresses when the bootstrap interval of current/baseline lies beyond the tolerance\n' +
          'and a one-sided Mann-Whitney test against the tolerance agrees (docs/ci.md).\n' +
          'Exit codes: 0 no regression, 1 regression, 2 bad input (other scenario, schema, corrupt file).',
      );
  },
  async action({ options, ctx }) {
    const { loadRunResult } = await import('../../results/read.js');
    const { applyGate } = await import('../../gate/apply.js');
    const { GATE_METRICS } = await import('../../regression/evaluate.js');
    const format = String(options.format);
    if (format !== 'text' && format !== 'markdown' && format !== 'json') throw badInput(`--format must be text, markdown or json, got "${format}"`);
    const metrics = String(options.metrics).split(',').map((metric) => metric.trim()).filter(Boolean);
    const unknown = metrics.filter((metric) => !(GATE_METRICS as readonly string[]).includes(metric));
    if (unknown.length > 0) throw badInput(`unknown gate metric(s): ${unknown.join(', ')}`, [], `choose from ${GATE_METRICS.join(', ')}`);
    const gateOptions = {
      tolerance: fractionOption(options.tolerance, 'tolerance'),
      errorRateTolerance: fractionOption(options.errorTolerance, 'error-tolerance'),
      confidence: fractionOption(options.confidence, 'confidence'),
      iterations: numberOption(options.iterations, 'iterations'),
      seed: numberOption(options.seed, 'seed'),
      warmupS: numberOption(options.warmup, 'warmup'),
      metrics: metrics as ('p95' | 'p99' | 'errorRate' | 'throughput')[],
      blockLength: options.blockLength === 'auto' ? ('auto' as const) : numberOption(options.blockLength, 'block-length'),
    };
    const { result } = await loadRunResult(String(options.current), ctx.cwd);
    const outcome = await applyGate({
      ...(typeof options.baseline === 'string' ? { baseline: options.baseline } : {}),
      ...(typeof options.updateBaseline === 'string' ? { updateBaseline: options.updateBaseline } : {}),
      current: result,
      options: gateOptions,
      format,
      cwd: ctx.cwd,
      env: ctx.env,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      now: ctx.now,
    });
    return outcome.exitCode;
  },
};
