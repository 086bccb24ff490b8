import { Option } from 'commander';
import type { CommandModule } from '../command.js';
import { badInput } from '../../core/errors.js';
import { addFormatOption, finiteNumber, formatOf, fraction, parseNumber } from '../options.js';

export const command: CommandModule = {
  name: 'gate',
  summary: 'fail (exit 1) when a run regressed against a baseline: p95, p99, error rate, throughput',
  configure(command) {
    command
      .requiredOption('--current <result>', 'the run to judge: result folder or result.json')
      .option('--baseline <path>', 'baseline file, result, or folder of results/baselines')
      .option('--update-baseline <path>', 'write a trimmed baseline from the current run (atomic; skipped on a regression)')
      .addOption(new Option('--tolerance <fraction>', 'relative tolerance for p95, p99, throughput (0.1 or 10%)').argParser(fraction('--tolerance')).default(0.1, '10%'))
      .addOption(new Option('--error-tolerance <fraction>', 'absolute tolerance for the error rate (0.005 or 0.5%)').argParser(fraction('--error-tolerance')).default(0.005, '0.5%'))
      .addOption(new Option('--confidence <fraction>', 'confidence of the bootstrap interval (0.95 or 95%)').argParser(fraction('--confidence')).default(0.95, '95%'))
      .option('--metrics <list>', 'metrics to gate, comma-separated', 'p95,p99,errorRate,throughput')
      .addOption(new Option('--iterations <n>', 'bootstrap resamples').argParser(finiteNumber('--iterations')).default(2000))
      .addOption(new Option('--seed <n>', 'seed of the bootstrap (same seed, same answer)').argParser(finiteNumber('--seed')).default(1))
      .addOption(new Option('--warmup <seconds>', 'leave out intervals starting before this second').argParser(finiteNumber('--warmup')).default(0))
      .option('--block-length <n|auto>', 'bootstrap block length in intervals (auto = n^(1/3))', 'auto');
    addFormatOption(command, ['text', 'markdown', 'json']);
    command.addHelpText(
      'after',
      '\nA metric regresses when the bootstrap interval of current/baseline lies beyond the tolerance\n' +
        'and a one-sided Mann-Whitney test against the tolerance agrees (docs/ci.md). With too few\n' +
        'intervals to tell a change of the tolerance from none, a metric is "too few data", not "ok".\n' +
        'Exit codes: 0 no regression, 1 regression, 2 bad input (other scenario, schema, corrupt file,\n' +
        'a run gated against itself).',
    );
  },
  async action({ options, ctx }) {
    const { loadRunResult } = await import('../../results/read.js');
    const { applyGate } = await import('../../gate/apply.js');
    const { GATE_METRICS } = await import('../../regression/evaluate.js');
    const format = formatOf(options, ['text', 'markdown', 'json']);
    const metrics = String(options.metrics).split(',').map((metric) => metric.trim()).filter(Boolean);
    const unknown = metrics.filter((metric) => !(GATE_METRICS as readonly string[]).includes(metric));
    if (unknown.length > 0) throw badInput(`unknown gate metric(s): ${unknown.join(', ')}`, [], `choose from ${GATE_METRICS.join(', ')}`);
    const blockLength = options.blockLength === 'auto' ? ('auto' as const) : parseNumber(String(options.blockLength));
    if (blockLength === undefined) throw badInput(`--block-length must be a number or auto, got "${String(options.blockLength)}"`);
    const gateOptions = {
      tolerance: options.tolerance as number,
      errorRateTolerance: options.errorTolerance as number,
      confidence: options.confidence as number,
      iterations: options.iterations as number,
      seed: options.seed as number,
      warmupS: options.warmup as number,
      metrics: metrics as ('p95' | 'p99' | 'errorRate' | 'throughput')[],
      blockLength,
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
