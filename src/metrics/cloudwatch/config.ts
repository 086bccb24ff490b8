/**
 * What to fetch from CloudWatch for a user's AWS deployment: one zod schema, filled by a
 * scenario's `cloudwatch:` block or by command-line flags (cloudWatchConfigFromFlags).
 */
import { z } from 'zod';

const nonEmpty = z.string().trim().min(1);
const names = z.array(nonEmpty).default([]);
const vcpus = z.number().positive().optional().describe('vCPUs per instance: turns CPUUtilization % into cores busy');

export const CloudWatchConfigSchema = z
  .object({
    region: nonEmpty.describe('AWS region, e.g. eu-west-1'),
    /** Seconds per data point: 1, 5, 10, 30 (high-resolution metrics) or a multiple of 60. */
    periodSeconds: z
      .number()
      .int()
      .positive()
      .default(60)
      .refine((p) => [1, 5, 10, 30].includes(p) || p % 60 === 0, {
        message: 'period must be 1, 5, 10, 30 or a multiple of 60 seconds',
      }),
    /** Overrides the CloudWatch endpoint (tests, VPC endpoints, LocalStack). */
    endpoint: z.url().optional(),
    /** Named profile of the shared AWS config; the standard credential chain applies otherwise. */
    profile: nonEmpty.optional(),
    /** Attempts per request when CloudWatch throttles or fails on its side (bounded). */
    maxAttempts: z.number().int().min(1).max(10).default(6),
    /** First retry delay; each retry doubles it (full jitter), up to maxDelayMs. */
    baseDelayMs: z.number().int().min(0).default(200),
    maxDelayMs: z.number().int().min(0).default(10_000),
    ec2: z
      .object({ instanceIds: names, autoScalingGroupNames: names, vcpus })
      .strict()
      .optional()
      .describe('app tier: EC2 CPUUtilization by instance or Auto Scaling group'),
    alb: z
      .object({ loadBalancers: names })
      .strict()
      .optional()
      .describe('lb tier: the LoadBalancer dimension, e.g. app/my-alb/50dc6c495c0c9188'),
    rds: z.object({ dbInstanceIdentifiers: names, vcpus }).strict().optional().describe('postgres tier'),
    elasticache: z.object({ cacheClusterIds: names, vcpus }).strict().optional().describe('redis tier'),
  })
  .strict()
  .refine(
    (c) =>
      (c.ec2?.instanceIds.length ?? 0) +
        (c.ec2?.autoScalingGroupNames.length ?? 0) +
        (c.alb?.loadBalancers.length ?? 0) +
        (c.rds?.dbInstanceIdentifiers.length ?? 0) +
        (c.elasticache?.cacheClusterIds.length ?? 0) >
      0,
    { message: 'name at least one resource: EC2 instance or Auto Scaling group, ALB, RDS instance or ElastiCache cluster' },
  );

export type CloudWatchConfig = z.output<typeof CloudWatchConfigSchema>;
export type CloudWatchConfigInput = z.input<typeof CloudWatchConfigSchema>;

/** Command-line flags as commander hands them over (comma-separated lists as strings). */
export interface CloudWatchFlags {
  region?: string;
  period?: string | number;
  endpoint?: string;
  profile?: string;
  ec2Instances?: string;
  ec2Asg?: string;
  ec2Vcpus?: string | number;
  alb?: string;
  rds?: string;
  rdsVcpus?: string | number;
  elasticache?: string;
  elasticacheVcpus?: string | number;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function numberOrUndefined(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'number' ? value : Number(value);
}

/** Turns flags into the schema's input shape (validation stays with the schema). */
export function cloudWatchConfigFromFlags(flags: CloudWatchFlags): CloudWatchConfigInput {
  const input: Record<string, unknown> = { region: flags.region ?? '' };
  const period = numberOrUndefined(flags.period);
  if (period !== undefined) input.periodSeconds = period;
  if (flags.endpoint) input.endpoint = flags.endpoint;
  if (flags.profile) input.profile = flags.profile;
  const ec2Vcpus = numberOrUndefined(flags.ec2Vcpus);
  if (flags.ec2Instances || flags.ec2Asg) {
    input.ec2 = {
      instanceIds: list(flags.ec2Instances),
      autoScalingGroupNames: list(flags.ec2Asg),
      ...(ec2Vcpus !== undefined ? { vcpus: ec2Vcpus } : {}),
    };
  }
  if (flags.alb) input.alb = { loadBalancers: list(flags.alb) };
  const rdsVcpus = numberOrUndefined(flags.rdsVcpus);
  if (flags.rds) input.rds = { dbInstanceIdentifiers: list(flags.rds), ...(rdsVcpus !== undefined ? { vcpus: rdsVcpus } : {}) };
  const cacheVcpus = numberOrUndefined(flags.elasticacheVcpus);
  if (flags.elasticache) {
    input.elasticache = { cacheClusterIds: list(flags.elasticache), ...(cacheVcpus !== undefined ? { vcpus: cacheVcpus } : {}) };
  }
  return input as CloudWatchConfigInput;
}

/** Validates into a config or a list of every problem, each naming its field. */
export function parseCloudWatchConfig(
  input: unknown,
  where = 'cloudwatch',
): { ok: true; config: CloudWatchConfig } | { ok: false; problems: string[] } {
  const parsed = CloudWatchConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where;
      return `${path}: ${issue.message}`;
    }),
  };
}
