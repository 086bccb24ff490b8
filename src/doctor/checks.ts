/**
 * The checks `capacity doctor` runs: each engine and service, found or not, its version, path
 * and install hint. Lookup itself lives in core/binaries.ts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findBinary, findNodeModuleBin, findPostgresBinDir, nodePackageVersion } from '../core/binaries.js';
import { locateLocust } from '../engines/locust/adapter.js';

export const K6_INSTALL_HINT =
  'k6 is not bundled (it is AGPL-3.0): install it from Grafana\'s packages (https://grafana.com/docs/k6/latest/set-up/install-k6/, e.g. the k6 apt repository), then check with `capacity doctor`';

export type CheckKind = 'engine' | 'service' | 'tool';

export interface CheckResult {
  name: string;
  kind: CheckKind;
  required: boolean;
  /** What capacity uses it for. */
  purpose: string;
  found: boolean;
  path?: string;
  version?: string;
  /** One line telling the user how to install it. */
  hint: string;
  /** Anything else worth knowing (e.g. "no Docker engine: offline validation only"). */
  note?: string;
}

export interface DoctorLookup {
  path: string | undefined;
  projectRoot: string;
  postgresRoot?: string;
  /** Time limit for each `--version` probe. */
  probeTimeoutMs?: number;
}

interface ProbeOutput {
  ok: boolean;
  text: string;
}

/** Runs `file args` with a time limit and returns stdout+stderr, whatever the exit code. */
function probe(file: string, args: string[], timeoutMs: number, env: Record<string, string>): Promise<ProbeOutput> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, env, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ ok: !error, text: `${stdout}\n${stderr}` });
    });
  });
}

/** Pulls a version out of a `--version` banner with the given pattern (first capture group). */
export function parseVersion(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  return match?.[1];
}

interface BinarySpec {
  name: string;
  kind: CheckKind;
  required: boolean;
  purpose: string;
  hint: string;
  locate(lookup: DoctorLookup): string | undefined;
  versionArgs: string[];
  versionPattern: RegExp;
}

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

const BINARY_SPECS: BinarySpec[] = [
  {
    name: 'k6',
    kind: 'engine',
    // Optional: the user installs it; without it autocannon is the default engine.
    required: false,
    purpose: 'load engine (open and closed models, remote write to Prometheus); AGPL-3.0, installed by the user',
    hint: K6_INSTALL_HINT,
    locate: (l) => findBinary('k6', { path: l.path }),
    versionArgs: ['version'],
    versionPattern: /k6 v?(\d+\.\d+\.\d+\S*)/,
  },
  {
    name: 'postgres',
    kind: 'service',
    required: true,
    purpose: 'PostgreSQL server and initdb for the local stack',
    hint: 'apt-get install postgresql',
    locate: (l) => {
      const dir = findPostgresBinDir(l);
      return dir ? join(dir, 'postgres') : undefined;
    },
    versionArgs: ['--version'],
    versionPattern: /PostgreSQL\)?\s+(\d+(?:\.\d+)*)/,
  },
  {
    name: 'redis-server',
    kind: 'service',
    required: true,
    purpose: 'Redis for sessions, cache and rate limiting',
    hint: 'apt-get install redis-server',
    locate: (l) => findBinary('redis-server', { path: l.path }),
    versionArgs: ['--version'],
    versionPattern: /v=(\d+\.\d+\.\d+)/,
  },
  {
    name: 'nginx',
    kind: 'service',
    required: true,
    purpose: 'load balancer of the local stack',
    hint: 'apt-get install nginx-light',
    // Debian installs nginx in /usr/sbin, which is not on an ordinary user's PATH.
    locate: (l) => findBinary('nginx', { path: l.path, extraDirs: l.path ? SBIN_DIRS : [] }),
    versionArgs: ['-v'],
    versionPattern: /nginx\/(\d+\.\d+\.\d+)/,
  },
  {
    name: 'prometheus',
    kind: 'service',
    required: true,
    purpose: 'metrics store of the local stack (remote-write receiver for k6)',
    hint: 'apt-get install prometheus',
    locate: (l) => findBinary('prometheus', { path: l.path }),
    versionArgs: ['--version'],
    versionPattern: /version (\d+\.\d+\.\d+)/,
  },
  {
    name: 'wrk',
    kind: 'tool',
    required: false,
    purpose: 'independent load generator for bench/ only',
    hint: 'apt-get install wrk',
    locate: (l) => findBinary('wrk', { path: l.path }),
    versionArgs: ['--version'],
    versionPattern: /wrk (?:debian\/)?(\d+\.\d+\.\d+)/,
  },
  {
    name: 'chromium',
    kind: 'tool',
    required: false,
    purpose: 'renders HTML reports to PDF/PNG and checks them',
    hint: 'apt-get install chromium',
    locate: (l) => findBinary('chromium', { path: l.path }) ?? findBinary('chromium-browser', { path: l.path }),
    versionArgs: ['--version'],
    versionPattern: /Chromium (\d+(?:\.\d+)+)/,
  },
];

async function checkBinary(spec: BinarySpec, lookup: DoctorLookup, env: Record<string, string>): Promise<CheckResult> {
  const base = { name: spec.name, kind: spec.kind, required: spec.required, purpose: spec.purpose, hint: spec.hint };
  const path = spec.locate(lookup);
  if (!path) return { ...base, found: false };
  const output = await probe(path, spec.versionArgs, lookup.probeTimeoutMs ?? 10_000, env);
  const version = parseVersion(output.text, spec.versionPattern);
  return version ? { ...base, found: true, path, version } : { ...base, found: true, path, note: 'version not recognised' };
}

function checkNodePackage(
  lookup: DoctorLookup,
  name: string,
  binName: string,
  purpose: string,
): CheckResult {
  const version = nodePackageVersion(lookup.projectRoot, name);
  const path = findNodeModuleBin(lookup.projectRoot, binName);
  const base = { name, kind: 'engine' as const, required: true, purpose, hint: 'npm run setup (installs the npm dependencies)' };
  if (!version) return { ...base, found: false };
  return path ? { ...base, found: true, version, path } : { ...base, found: true, version, path: join(lookup.projectRoot, 'node_modules', name) };
}

/** `docker compose` (v2 plugin) preferred, else `docker-compose` (v1). Optional. */
async function checkCompose(lookup: DoctorLookup, env: Record<string, string>): Promise<CheckResult> {
  const base = {
    name: 'docker compose',
    kind: 'tool' as const,
    required: false,
    purpose: 'the compose stack driver (--driver compose)',
    hint: 'install Docker Engine with the compose plugin (https://docs.docker.com/engine/install/); apt-get install docker-compose validates files only',
  };
  const timeout = lookup.probeTimeoutMs ?? 10_000;
  const docker = findBinary('docker', { path: lookup.path });
  if (docker) {
    const v2 = await probe(docker, ['compose', 'version'], timeout, env);
    const version = v2.ok ? parseVersion(v2.text, /v?(\d+\.\d+\.\d+)/) : undefined;
    if (version) return { ...base, found: true, path: `${docker} compose`, version };
  }
  const v1Path = findBinary('docker-compose', { path: lookup.path });
  if (!v1Path) return { ...base, found: false };
  const v1 = await probe(v1Path, ['version'], timeout, env);
  const version = parseVersion(v1.text, /docker-compose version v?(\d+\.\d+\.\d+)/) ?? parseVersion(v1.text, /v?(\d+\.\d+\.\d+)/);
  const engine = docker ? await probe(docker, ['version', '--format', '{{.Server.Version}}'], timeout, env) : undefined;
  const note = !docker
    ? 'no docker CLI on PATH: the compose file can be validated (config -q), not started'
    : engine?.ok
      ? undefined
      : 'no Docker engine reachable: the compose file can be validated (config -q), not started';
  return { ...base, found: true, path: v1Path, ...(version ? { version } : {}), ...(note ? { note } : {}) };
}

/** Locust in the project's own Python environment (scripts/setup.sh creates it). Optional: the
 * other engines run without it; it is the engine for runs over several generator hosts. */
function checkLocust(lookup: DoctorLookup): CheckResult {
  const found = locateLocust(lookup.projectRoot);
  const base = {
    name: 'locust',
    kind: 'engine' as const,
    required: false,
    purpose: 'load engine for distributed runs (master and workers, HDR histograms merged exactly); MIT, in .venv-locust/',
    hint: found.hint,
  };
  if (!found.available || !found.path) return { ...base, found: false };
  return { ...base, found: true, path: found.path, ...(found.version && found.version !== 'unknown' ? { version: found.version } : { note: 'version not recognised' }) };
}

/** Runs every check (binaries probed concurrently); order is the table's order. */
export async function checkAll(lookup: DoctorLookup): Promise<CheckResult[]> {
  const env: Record<string, string> = lookup.path ? { PATH: lookup.path } : {};
  const [k6, ...services] = await Promise.all(BINARY_SPECS.map((spec) => checkBinary(spec, lookup, env)));
  const compose = await checkCompose(lookup, env);
  const autocannon = checkNodePackage(lookup, 'autocannon', 'autocannon', 'load engine (in-process, HDR histograms)');
  const artillery = checkNodePackage(lookup, 'artillery', 'artillery', 'load engine (scenario flows, child process)');
  const locust = checkLocust(lookup);
  return [k6!, autocannon, artillery, locust, ...services, compose];
}

/** True when every required check passed. */
export function allRequiredFound(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.found || !result.required);
}
