import type { CommandModule } from '../command.js';
import { badInput, ExitCode } from '../../core/errors.js';
import { addFormatOption, formatOf } from '../options.js';

/** "15m", "2h", "90s" ago, "now", or an ISO-8601 time. */
export function parseTimeFlag(value: string, now: Date, flag: string): Date {
  const trimmed = value.trim();
  if (trimmed === 'now') return now;
  const relative = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(trimmed);
  if (relative) {
    const seconds = { s: 1, m: 60, h: 3600, d: 86_400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * seconds * 1000);
  }
  const parsed = new Date(trimmed);
  if (Number.isNaN(parsed.getTime())) {
    throw badInput(`${flag}: "${value}" is not a time`, [], 'give an ISO-8601 time (2026-01-31T12:00:00Z), "now", or a duration ago such as 15m or 2h');
  }
  return parsed;
}

export const command: CommandModule = {
  name: 'cloudwatch',
  summary: "fetch a window of CloudWatch metrics of an AWS deployment (EC2, ALB, RDS, ElastiCache) as server series",
  configure(command) {
    command
      .option('--region <region>', 'AWS region (else AWS_REGION)')
      .option('--period <seconds>', 'seconds per point: 1, 5, 10, 30 or a multiple of 60', '60')
      .option('--ec2-instances <ids>', 'EC2 instance ids, comma-separated (app tier)')
      .option('--ec2-asg <names>', 'Auto Scaling group names, comma-separated (app tier)')
      .option('--ec2-vcpus <n>', 'vCPUs per EC2 instance, to report cores busy')
      .option('--alb <names>', 'ALB LoadBalancer dimension values, e.g. app/web/50dc6c495c0c9188')
      .option('--rds <ids>', 'RDS DB instance identifiers (postgres tier)')
      .option('--rds-vcpus <n>', 'vCPUs per RDS instance')
      .option('--elasticache <ids>', 'ElastiCache cache cluster ids (redis tier)')
      .option('--elasticache-vcpus <n>', 'vCPUs per ElastiCache node')
      .option('--from <time>', 'window start: ISO time or a duration ago (15m, 2h)', '15m')
      .option('--to <time>', 'window end: ISO time, a duration ago, or now', 'now')
      .option('--profile <name>', 'AWS shared-config profile (else the standard credential chain)')
      .option('--endpoint <url>', 'CloudWatch endpoint override (VPC endpoint, tests)')
      .option('-o, --out <file>', 'write the series as JSON to this file (atomically)');
    addFormatOption(command, ['text', 'json']);
  },
  async action({ options, ctx }) {
    const format = formatOf(options, ['text', 'json']);
    const { cloudWatchConfigFromFlags, parseCloudWatchConfig } = await import('../../metrics/cloudwatch/config.js');
    const { fetchCloudWatchSeries, credentialsFromEnv } = await import('../../metrics/cloudwatch/client.js');
    const str = (key: string) => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
    const input = cloudWatchConfigFromFlags({
      region: str('region') ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION,
      period: str('period'),
      endpoint: str('endpoint'),
      profile: str('profile') ?? ctx.env.AWS_PROFILE,
      ec2Instances: str('ec2Instances'),
      ec2Asg: str('ec2Asg'),
      ec2Vcpus: str('ec2Vcpus'),
      alb: str('alb'),
      rds: str('rds'),
      rdsVcpus: str('rdsVcpus'),
      elasticache: str('elasticache'),
      elasticacheVcpus: str('elasticacheVcpus'),
    });
    const parsed = parseCloudWatchConfig(input, 'flags');
    if (!parsed.ok) throw badInput('invalid CloudWatch options', parsed.problems, 'see capacity cloudwatch --help');
    const now = ctx.now();
    const from = parseTimeFlag(str('from') ?? '15m', now, '--from');
    const to = parseTimeFlag(str('to') ?? 'now', now, '--to');
    if (!(to > from)) throw badInput(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);

    const explicit = parsed.config.profile ? undefined : credentialsFromEnv(ctx.env);
    const result = await fetchCloudWatchSeries(
      parsed.config,
      { from, to, runStart: from },
      {
        ...(explicit ? { credentials: explicit } : {}),
        signal: ctx.signal,
        onRetry: (notice) =>
          void ctx.stderr.write(`cloudwatch: ${notice.code}, retry ${notice.attempt} in ${notice.delayMs} ms\n`),
      },
    );
    const document = {
      source: 'cloudwatch' as const,
      region: parsed.config.region,
      periodSeconds: parsed.config.periodSeconds,
      window: { from: from.toISOString(), to: to.toISOString() },
      series: result.series,
      messages: result.messages,
    };
    const out = str('out');
    if (out) {
      const { writeFileAtomic } = await import('../../core/atomic-file.js');
      await writeFileAtomic(out, JSON.stringify(document, null, 2) + '\n');
    }
    if (format === 'json') {
      ctx.stdout.write(JSON.stringify(document, null, 2) + '\n');
    } else {
      const lines = result.series.map((s) => `${s.tier.padEnd(9)}${s.instance.padEnd(40)}${s.metric.padEnd(28)}${String(s.points.length).padStart(6)} points`);
      ctx.stdout.write(
        `CloudWatch ${parsed.config.region}, ${document.window.from} .. ${document.window.to}, period ${parsed.config.periodSeconds}s: ` +
          `${result.series.length} series, ${result.pages} pages, ${result.retries} retries\n` +
          lines.join('\n') + (lines.length ? '\n' : '') +
          result.messages.map((m) => `note: ${m}\n`).join('') +
          (out ? `written to ${out}\n` : ''),
      );
    }
    return ExitCode.Ok;
  },
};
