import type { Plan, PlanRequest, PlanVariable } from '../scenarios/types.js';
import { readDataFile, type DataRow } from '../scenarios/data-files.js';
import { RUNTIME_SOURCE } from './runtime-source.js';

/**
 * The scenario runtime (runtime-source.ts) in Node, typed: what autocannon and the sign-in pool run,
 * and what the tests check the semantics on. Artillery's processor and k6's script embed the same source.
 */

/** A virtual user's state (captured values, its place in the flow); opaque outside the runtime. */
export type RuntimeUser = { readonly captured: Record<string, unknown> } & Record<string, unknown>;

export interface BuiltRequest {
  name: string;
  method: string;
  /** Path and query, relative to the base URL's path. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ReceiveOutcome {
  ok: boolean;
  /** status: the status is not an expected one; check: a check failed or a capture found nothing. */
  kind?: 'status' | 'check';
  problem?: string;
}

export interface Runtime {
  newUser(): RuntimeUser;
  next(user: RuntimeUser): PlanRequest;
  build(user: RuntimeUser, request: PlanRequest): BuiltRequest;
  receive(user: RuntimeUser, request: PlanRequest, status: number, header: (name: string) => string | undefined, body: string): ReceiveOutcome;
  thinkAfter(request: PlanRequest): number;
  fillText(user: RuntimeUser, text: string, encode: boolean): string;
}

export interface RuntimeIo {
  random: () => number;
  /** The shared counter of a sequential or unique source: 0, 1, 2, ... across all users. */
  next: (name: string) => number;
}

/** The data the runtime reads: the plan's parts, the data files' rows, the secrets' values. */
export interface RuntimeConfig {
  variables: PlanVariable[];
  rows: Record<string, DataRow[]>;
  env: Record<string, string>;
  headers: Record<string, string>;
  requests: PlanRequest[];
  flow: boolean;
  auth?: Plan['auth'];
  thinkTimeS: number;
}

/** The runtime's configuration. `env` holds secrets: pass it to engines through their environment, never a file. */
export function runtimeConfig(plan: Plan, rows: Record<string, DataRow[]>, env: Record<string, string>): RuntimeConfig {
  return {
    variables: plan.variables ?? [],
    rows,
    env,
    headers: plan.headers ?? {},
    requests: plan.requests,
    flow: plan.flow === true,
    ...(plan.auth ? { auth: plan.auth } : {}),
    thinkTimeS: plan.thinkTimeS,
  };
}

type RuntimeFactory = (config: RuntimeConfig, io: RuntimeIo) => Runtime;
// The source is the project's own text, evaluated once: the same function the other engines embed.
const factory = new Function(`${RUNTIME_SOURCE}\nreturn capacityRuntime;`)() as RuntimeFactory;

/** Counters shared by every user of a run (one per sequential or unique source). */
export function sharedCounters(): (name: string) => number {
  const counters = new Map<string, number>();
  return (name) => {
    const value = counters.get(name) ?? 0;
    counters.set(name, value + 1);
    return value;
  };
}

export function createRuntime(config: RuntimeConfig, io: RuntimeIo = { random: Math.random, next: sharedCounters() }): Runtime {
  return factory(config, io);
}

/** The error the runtime throws when a unique source has no rows left. */
export function exhaustedSource(error: unknown): string | undefined {
  return error !== null && typeof error === 'object' && 'capacityExhausted' in error ? String((error as { capacityExhausted: unknown }).capacityExhausted) : undefined;
}

/** Reads every data file of the plan (the loader has checked them; a file changed since is exit 2 here). */
export async function loadPlanRows(plan: Plan): Promise<Record<string, DataRow[]>> {
  const rows: Record<string, DataRow[]> = {};
  for (const variable of plan.variables ?? []) {
    if (variable.kind === 'data') rows[variable.name] = (await readDataFile(variable.file, variable.format, variable.file)).rows;
  }
  return rows;
}

/** Environment variables the plan reads (its secrets). */
export function secretNames(plan: Pick<Plan, 'variables'>): string[] {
  return (plan.variables ?? []).flatMap((variable) => (variable.kind === 'env' ? [variable.env] : []));
}

/** The secrets' values from an environment (missing ones are absent: the run refused them before). */
export function secretValues(plan: Pick<Plan, 'variables'>, env: Record<string, string | undefined>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of secretNames(plan)) {
    const value = env[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** The scenario-language features a plan uses beyond a weighted mix of fixed requests: what an engine without the runtime must refuse. */
export function planFeatures(plan: Plan): string[] {
  const features = new Set<string>();
  if (plan.flow) features.add('user flows');
  if (plan.auth?.per === 'user') features.add('sign-in per virtual user');
  for (const variable of plan.variables ?? []) {
    if (variable.kind === 'data') features.add(`data files (order: ${variable.order})`);
    if (variable.kind === 'env') features.add('environment variables (secrets)');
    if (variable.kind === 'uuid') features.add('uuid variables');
    if (variable.kind === 'range' && variable.order === 'sequential') features.add('sequential ranges');
  }
  for (const request of [...plan.requests, ...(plan.auth ? [plan.auth.login] : [])]) {
    if (request.checks && request.checks.length > 0) features.add('checks');
    if (request.captures && request.captures.length > 0 && request !== plan.auth?.login) features.add('captures');
    if (request.body && !('json' in request.body)) features.add('form and raw bodies');
  }
  return [...features];
}
