import type { Command } from 'commander';
import type { CommandModule, CommandOptions } from '../command.js';
import { badInput, CapacityError, ExitCode } from '../../core/errors.js';
import { parseProviderList, parseRegionList } from '../../sizing/catalog-price.js';
import { addFormatOption, collect, formatOf, parseFraction, parseNumber } from '../options.js';

// Flags that set a named assumption directly (the rest go through --set name=value).
const ASSUMPTION_FLAGS: Array<[flag: string, option: string, assumption: string, description: string]> = [
  ['--concurrency-ratio <fraction>', 'concurrencyRatio', 'concurrencyRatio', 'share of users active at the peak, 0.01 or 1% (default 1%)'],
  ['--think-time <seconds>', 'thinkTime', 'thinkTimeS', 'think time between requests, Little\'s law (default 1)'],
  ['--response-time <seconds>', 'responseTime', 'responseTimeS', 'mean response time in Little\'s law (default 0.05)'],
  ['--peak-factor <x>', 'peakFactor', 'peakFactor', 'burst factor over the peak concurrency (default 1)'],
  ['--average-to-peak <fraction>', 'averageToPeak', 'averageToPeak', 'monthly mean rate over peak rate, for usage-priced lines, 0.3 or 30% (default 30%)'],
  ['--growth <fraction>', 'growth', 'growthPerMonth', 'user growth per month, 0.05 or 5% (default 0)'],
  ['--months <n>', 'months', 'horizonMonths', 'sizing horizon in months (default 12)'],
  ['--p95 <ms>', 'p95', 'sloP95Ms', 'p95 objective in ms (default 200)'],
  ['--error-rate <fraction>', 'errorRate', 'sloErrorRate', 'error-rate objective, 0.001 or 0.1% (default 0.1%)'],
  ['--target-utilization <fraction>', 'targetUtilization', 'targetUtilization', 'CPU utilization to size for, 0.7 or 70% (default 70%)'],
  ['--app-spare <n>', 'appSpare', 'appSpareNodes', 'spare app nodes, N+1 (default 1)'],
  ['--db-standby <n>', 'dbStandby', 'dbStandby', 'database standbys / Multi-AZ (default 1)'],
  ['--read-replicas <n>', 'readReplicas', 'dbReadReplicas', 'database read replicas (default 0)'],
  ['--redis-replicas <n>', 'redisReplicas', 'redisReplicas', 'Redis replicas per shard (default 1)'],
];

/** A flag's value as a number (a fraction or a percentage where `asFraction`), or a problem. */
function numberOf(raw: unknown, name: string, problems: string[], asFraction = false): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' ? (asFraction ? parseFraction(raw) : parseNumber(raw)) : undefined;
  if (value === undefined) problems.push(`${name}: ${asFraction ? 'not a fraction (0.1) or a percentage (10%)' : 'not a number'}: ${String(raw)}`);
  return value;
}

/** A flag's value as a number > 0, or a problem. */
function positiveOf(raw: unknown, name: string, problems: string[]): number | undefined {
  const value = numberOf(raw, name, problems);
  if (value !== undefined && !(value > 0)) problems.push(`${name}: must be a number > 0, got ${value}`);
  return value;
}

/** More users than people alive: a typo, not a plan. */
export const MAX_USERS = 1e10;

/**
 * `--users` as a whole number of users from 1 to MAX_USERS, written in decimal (digits, an
 * optional fraction that is zero, an optional exponent: 1000000, 1e6, 2.5e6); else the problem,
 * said precisely: hexadecimal, a fraction of a user, zero or negative, too large, or no number.
 */
export function parseUserCount(raw: string): { users: number } | { problem: string } {
  const text = raw.trim();
  const say = (what: string) => ({ problem: `--users: ${what}` });
  if (text === '') return say('empty: give a whole number of users, e.g. 1000000 or 1e6');
  if (/^[+-]?0[xob]/i.test(text)) return say(`"${text}" is written in hexadecimal, octal or binary; give the number of users in decimal`);
  if (/^[+-]?(infinity|inf)$/i.test(text)) return say(`"${text}" is infinite; give a whole number of users from 1 to ${MAX_USERS.toExponential()}`);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return say(`"${text}" is not a number; give a whole number of users, e.g. 1000000 or 1e6`);
  const value = Number(text);
  if (!Number.isFinite(value)) return say(`${text} is too large: it is beyond any finite number; give at most ${MAX_USERS.toExponential()} users`);
  if (value <= 0) return say(`must be at least 1 user, got ${text}`);
  if (!Number.isInteger(value)) return say(`must be a whole number of users, got ${text}`);
  if (value > MAX_USERS) return say(`${text} is more users than people alive; give at most ${MAX_USERS.toExponential()}`);
  return { users: value };
}

const SIZE_FORMATS = ['text', 'markdown', 'json', 'html'] as const;

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
      .option('--set <name=value>', 'override any named assumption (repeatable; see the report\'s table); fractions as 0.1 or 10%', collect, [])
      .option('--calibration <path>', 'a run folder (results/<id>) or result.json with a calibration block')
      .option('--provider <list>', 'providers to price: aws,do,hetzner', 'aws,do,hetzner')
      .option('--region <provider=region,...>', 'price in these catalog regions, e.g. aws=us-east-1,hetzner=nbg1 (default: each catalog\'s own; a region no catalog holds is refused)')
      .option('--prices <file>', 'a catalog YAML that overrides or extends the built-in one (repeatable)', collect, [])
      .option('--eur-usd <rate>', 'EUR→USD rate for Hetzner (default: the rate stated in its catalog)')
      .option('--dedicated-cpu', 'leave out shared and burstable vCPU offers')
      .option('--self-hosted', 'self-host PostgreSQL and Redis on servers even where a managed offer exists');
    addFormatOption(cmd, SIZE_FORMATS);
    cmd
      .option('-o, --out <file>', 'write the report to a file (atomically) instead of stdout')
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
    const { inRegion, regionProblems } = await import('../../sizing/catalog-price.js');
    const loaded = await loadCatalogs({ providers: input.providers, overrides });
    const unknownRegions = regionProblems(loaded, input.regions);
    if (unknownRegions.length > 0) throw badInput('invalid --region for capacity size', unknownRegions, '`capacity prices` shows each catalog and its region; --prices adds a catalog for another one');
    const catalogs = loaded.map((catalog) => (input.regions[catalog.provider] === undefined ? catalog : inRegion(catalog, input.regions[catalog.provider]!)));
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
    for (const warning of report.warnings) ctx.stderr.write(`warning: ${warning}\n`);
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
  regions: ReturnType<typeof parseRegionList>['regions'];
  prices: string[];
  eurUsd?: number;
  dedicatedCpu: boolean;
  selfHosted: boolean;
  format: (typeof SIZE_FORMATS)[number];
  out?: string;
}

/** Every problem with the options at once (exit 2), then the typed input. */
async function parseOptions(options: CommandOptions): Promise<ParsedSizeOptions> {
  const { ASSUMPTIONS, defaultAssumptions, checkAssumptions, isAssumptionName } = await import('../../sizing/assumptions.js');
  // An assumption measured as a fraction takes 0.1 or 10% alike, from its flag or from --set.
  const isFraction = (name: string) => ASSUMPTIONS.some((spec) => spec.name === name && spec.unit.startsWith('fraction'));
  const problems: string[] = [];
  if (options.users === undefined) problems.push('--users: required (total users to size for)');
  let users: number | undefined;
  if (options.users !== undefined) {
    const parsed = parseUserCount(String(options.users));
    if ('problem' in parsed) problems.push(parsed.problem);
    else users = parsed.users;
  }
  const concurrent = positiveOf(options.concurrent, '--concurrent', problems);
  if (concurrent !== undefined && users !== undefined && concurrent > users) problems.push(`--concurrent: ${concurrent} is more than --users ${users}`);
  if (concurrent !== undefined && options.concurrencyRatio !== undefined) problems.push('--concurrent and --concurrency-ratio: give one, not both');
  const rpu = positiveOf(options.requestsPerUser, '--requests-per-user', problems);
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
    const value = numberOf(options[option], flag.split(' ')[0]!, problems, isFraction(name));
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
    const value = numberOf(raw, `--set ${name}`, problems, isFraction(name!));
    if (value !== undefined) { assumptions[name] = value; origins[name] = 'option'; }
  }
  problems.push(...checkAssumptions(assumptions).map((p) => p.replace(/^concurrencyRatio: must be ≤ 1/, 'concurrencyRatio (--concurrency-ratio): must be ≤ 1 (100%)')));

  const { providers, problems: providerProblems } = parseProviderList(String(options.provider ?? ''));
  problems.push(...providerProblems);
  if (providers.length === 0 && !problems.some((p) => p.startsWith('--provider'))) problems.push('--provider: give at least one of aws, do, hetzner');
  const { regions, problems: regionListProblems } = parseRegionList(typeof options.region === 'string' ? options.region : '');
  problems.push(...regionListProblems);
  const eurUsd = positiveOf(options.eurUsd, '--eur-usd', problems);
  let format: ParsedSizeOptions['format'] = 'text';
  try {
    format = formatOf(options, SIZE_FORMATS);
  } catch (error) {
    if (!(error instanceof CapacityError)) throw error;
    problems.push(`${error.message} (${SIZE_FORMATS.join(', ')})`);
  }

  if (problems.length > 0) throw badInput('invalid options for capacity size', problems, 'run capacity size --help');
  return {
    workload: { totalUsers: users!, concurrentUsers: concurrent, requestsPerUserPerSecond: rpu, dailyProfile },
    assumptions,
    origins,
    calibration: typeof options.calibration === 'string' ? options.calibration : undefined,
    providers,
    regions,
    prices: (options.prices as string[] | undefined) ?? [],
    eurUsd,
    dedicatedCpu: Boolean(options.dedicatedCpu),
    selfHosted: Boolean(options.selfHosted),
    format,
    out: typeof options.out === 'string' ? options.out : undefined,
  };
}
