import type { Command } from 'commander';
import type { CommandModule, CommandOptions } from '../command.js';
import { badInput, ExitCode } from '../../core/errors.js';
import { parseProviderList } from '../../sizing/catalog-price.js';

// Flags that set a named assumption directly (the rest go through --set name=value).
const ASSUMPTION_FLAGS: Array<[flag: string, option: string, assumption: string, description: string]> = [
  ['--concurrency-ratio <fraction>', 'concurrencyRatio', 'concurrencyRatio', 'share of users active at the peak (default 0.01)'],
  ['--think-time <seconds>', 'thinkTime', 'thinkTimeS', 'think time between requests, Little\'s law (default 1)'],
  ['--response-time <seconds>', 'responseTime', 'responseTimeS', 'mean response time in Little\'s law (default 0.05)'],
  ['--peak-factor <x>', 'peakFactor', 'peakFactor', 'burst factor over the peak concurrency (default 1)'],
  ['--average-to-peak <fraction>', 'averageToPeak', 'averageToPeak', 'monthly mean rate over peak rate, for usage-priced lines (default 0.3)'],
  ['--growth <fraction>', 'growth', 'growthPerMonth', 'user growth per month (default 0)'],
  ['--months <n>', 'months', 'horizonMonths', 'sizing horizon in months (default 12)'],
  ['--p95 <ms>', 'p95', 'sloP95Ms', 'p95 objective in ms (default 200)'],
  ['--error-rate <fraction>', 'errorRate', 'sloErrorRate', 'error-rate objective (default 0.001)'],
  ['--target-utilization <fraction>', 'targetUtilization', 'targetUtilization', 'CPU utilization to size for (default 0.70)'],
  ['--app-spare <n>', 'appSpare', 'appSpareNodes', 'spare app nodes, N+1 (default 1)'],
  ['--db-standby <n>', 'dbStandby', 'dbStandby', 'database standbys / Multi-AZ (default 1)'],
  ['--read-replicas <n>', 'readReplicas', 'dbReadReplicas', 'database read replicas (default 0)'],
  ['--redis-replicas <n>', 'redisReplicas', 'redisReplicas', 'Redis replicas per shard (default 1)'],
];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseNumber(raw: unknown, name: string, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
    problems.push(`${name}: not a number: ${String(raw)}`);
    return undefined;
  }
  return value;
}

export const command: CommandModule = {
  name: 'size',
  summary: 'size the stack and price it on AWS, DigitalOcean and Hetzner for a number of users',
  configure(cmd: Command) {
    cmd
      .option('--users <n>', 'total users to size for (required)')
      .option('--concurrent <n>', 'concurrent users at the peak (instead of --concurrency-ratio)')
      .option('--requests-per-user <rps>', 'requests per user per second (instead of 1/(R+Z))')
      .option('--daily-profile <csv>', '24 relative hourly loads; sets the average-to-peak ratio');
    for (const [flag, , , description] of ASSUMPTION_FLAGS) cmd.option(flag, description);
    cmd
      .option('--set <name=value>', 'override any named assumption (repeatable; see the report\'s table)', collect, [])
      .option('--calibration <path>', 'a run folder (results/<id>) or result.json with a calibration block')
      .option('--provider <list>', 'providers to price: aws,do,hetzner', 'aws,do,hetzner')
      .option('--prices <file>', 'a catalog YAML that overrides or extends the built-in one (repeatable)', collect, [])
      .option('--eur-usd <rate>', 'EUR→USD rate for Hetzner (default: the rate stated in its catalog)')
      .option('--dedicated-cpu', 'leave out shared and burstable vCPU offers')
      .option('--self-hosted', 'self-host PostgreSQL and Redis on servers even where a managed offer exists')
      .option('--format <format>', 'terminal | markdown | json | html', 'terminal')
      .option('--out <file>', 'write the report to a file (atomically) instead of stdout')
      .option('--print-schema', 'print the JSON Schema of the --format json report and exit');
  },
  async action({ options, ctx }) {
    if (options.printSchema) {
      const { sizeReportJsonSchema } = await import('../../sizing/report-json-schema.js');
      ctx.stdout.write(JSON.stringify(sizeReportJsonSchema(), null, 2) + '\n');
      return ExitCode.Ok;
    }
    const input = await parseOptions(options);
    const [{ loadDefaultCalibration, loadRunCalibration }, { loadCatalogs, builtInCatalogPath }, { buildSizeReport }, render] = await Promise.all([
      import('../../sizing/calibration.js'),
      import('../../sizing/catalog-load.js'),
      import('../../sizing/size.js'),
      import('../../sizing/render.js'),
    ]);
    const calibration = input.calibration ? await loadRunCalibration(input.calibration, ctx.cwd) : await loadDefaultCalibration();
    const path = await import('node:path');
    const overrides = input.prices.map((p) => path.resolve(ctx.cwd, p));
    const catalogs = await loadCatalogs({ providers: input.providers, overrides });
    let report;
    try {
      report = buildSizeReport({
        workload: input.workload,
        assumptions: input.assumptions,
        origins: input.origins,
        calibration: calibration.calibration,
        calibrationSource: calibration.source,
        catalogs: catalogs.map((catalog) => ({ catalog, file: overrides.length ? `${builtInCatalogPath(catalog.provider)} + ${overrides.join(', ')}` : builtInCatalogPath(catalog.provider) })),
        plan: { dedicatedCpuOnly: input.dedicatedCpu, managed: input.selfHosted ? 'never' : 'prefer' },
        eurUsd: input.eurUsd,
        now: ctx.now(),
      });
    } catch (error) {
      if (error instanceof RangeError) throw badInput(`cannot size: ${error.message}`);
      throw error;
    }
    const text =
      input.format === 'json' ? render.renderJson(report)
      : input.format === 'markdown' ? render.renderMarkdown(report)
      : input.format === 'html' ? render.renderHtml(report)
      : render.renderTerminal(report);
    if (input.out) {
      const { writeFileAtomic } = await import('../../core/atomic-file.js');
      const target = path.resolve(ctx.cwd, input.out);
      await writeFileAtomic(target, text);
      ctx.stdout.write(`wrote ${target}\n`);
    } else {
      ctx.stdout.write(text);
    }
    return ExitCode.Ok;
  },
};

interface ParsedSizeOptions {
  workload: { totalUsers: number; concurrentUsers?: number; requestsPerUserPerSecond?: number; dailyProfile?: number[] };
  assumptions: import('../../sizing/assumptions.js').Assumptions;
  origins: Partial<Record<import('../../sizing/assumptions.js').AssumptionName, 'option'>>;
  calibration?: string;
  providers: Array<'aws' | 'digitalocean' | 'hetzner'>;
  prices: string[];
  eurUsd?: number;
  dedicatedCpu: boolean;
  selfHosted: boolean;
  format: 'terminal' | 'markdown' | 'json' | 'html';
  out?: string;
}

/** Every problem with the options at once (exit 2), then the typed input. */
async function parseOptions(options: CommandOptions): Promise<ParsedSizeOptions> {
  const { defaultAssumptions, checkAssumptions, isAssumptionName } = await import('../../sizing/assumptions.js');
  const problems: string[] = [];
  if (options.users === undefined) problems.push('--users: required (total users to size for)');
  const users = parseNumber(options.users, '--users', problems);
  if (users !== undefined && !(users > 0)) problems.push(`--users: must be a positive number of users, got ${users}`);
  const concurrent = parseNumber(options.concurrent, '--concurrent', problems);
  if (concurrent !== undefined && !(concurrent > 0)) problems.push(`--concurrent: must be positive, got ${concurrent}`);
  if (concurrent !== undefined && users !== undefined && concurrent > users) problems.push(`--concurrent: ${concurrent} is more than --users ${users}`);
  if (concurrent !== undefined && options.concurrencyRatio !== undefined) problems.push('--concurrent and --concurrency-ratio: give one, not both');
  const rpu = parseNumber(options.requestsPerUser, '--requests-per-user', problems);
  if (rpu !== undefined && !(rpu > 0)) problems.push(`--requests-per-user: must be positive, got ${rpu}`);
  let dailyProfile: number[] | undefined;
  if (typeof options.dailyProfile === 'string') {
    dailyProfile = options.dailyProfile.split(',').map((v) => Number(v.trim()));
    if (dailyProfile.length !== 24 || dailyProfile.some((v) => !Number.isFinite(v) || v < 0) || !(Math.max(...dailyProfile) > 0)) {
      problems.push('--daily-profile: give 24 comma-separated non-negative numbers with a positive maximum');
    }
  }

  const assumptions = defaultAssumptions();
  const origins: ParsedSizeOptions['origins'] = {};
  for (const [flag, option, name] of ASSUMPTION_FLAGS) {
    const value = parseNumber(options[option], flag.split(' ')[0]!, problems);
    if (value !== undefined && isAssumptionName(name)) {
      assumptions[name] = value;
      origins[name] = 'option';
    }
  }
  for (const pair of (options.set as string[] | undefined) ?? []) {
    const match = /^([A-Za-z0-9]+)=(.+)$/.exec(pair);
    if (!match) { problems.push(`--set ${pair}: expected name=value`); continue; }
    const [, name, raw] = match;
    if (!isAssumptionName(name!)) { problems.push(`--set ${pair}: unknown assumption "${name}" (see the assumptions table in the report)`); continue; }
    const value = parseNumber(raw, `--set ${name}`, problems);
    if (value !== undefined) { assumptions[name] = value; origins[name] = 'option'; }
  }
  problems.push(...checkAssumptions(assumptions).map((p) => p.replace(/^concurrencyRatio: must be ≤ 1/, 'concurrencyRatio (--concurrency-ratio): must be ≤ 1')));

  const { providers, problems: providerProblems } = parseProviderList(String(options.provider ?? ''));
  problems.push(...providerProblems);
  if (providers.length === 0 && !problems.some((p) => p.startsWith('--provider'))) problems.push('--provider: give at least one of aws, do, hetzner');
  const eurUsd = parseNumber(options.eurUsd, '--eur-usd', problems);
  if (eurUsd !== undefined && !(eurUsd > 0)) problems.push(`--eur-usd: must be positive, got ${eurUsd}`);
  const format = String(options.format ?? 'terminal');
  if (!['terminal', 'markdown', 'json', 'html'].includes(format)) problems.push(`--format: unknown format "${format}" (terminal, markdown, json, html)`);

  if (problems.length > 0) throw badInput('invalid options for capacity size', problems, 'run capacity size --help');
  return {
    workload: { totalUsers: users!, concurrentUsers: concurrent, requestsPerUserPerSecond: rpu, dailyProfile },
    assumptions,
    origins,
    calibration: typeof options.calibration === 'string' ? options.calibration : undefined,
    providers,
    prices: (options.prices as string[] | undefined) ?? [],
    eurUsd,
    dedicatedCpu: Boolean(options.dedicatedCpu),
    selfHosted: Boolean(options.selfHosted),
    format: format as ParsedSizeOptions['format'],
    out: typeof options.out === 'string' ? options.out : undefined,
  };
}
