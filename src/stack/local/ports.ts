/**
 * Loopback addresses and ports of the local stack. Free ports come from the kernel (bind port 0);
 * fixed ones are checked before anything starts, so a taken one fails with nothing left behind.
 */
import { createServer } from 'node:net';
import { badInput } from '../../core/errors.js';
import type { UpOptions } from '../types.js';

export const LOOPBACK = '127.0.0.1';
export const MAX_APPS = 64;

/** App instance i (1-based) listens on 127.0.0.(10 + i) when loopback aliases work, else on 127.0.0.1. */
export function appHosts(apps: number, aliasesUsable: boolean): string[] {
  return Array.from({ length: apps }, (_, index) => (aliasesUsable ? `127.0.0.${11 + index}` : LOOPBACK));
}

export type FixedPortName = keyof NonNullable<UpOptions['ports']>;

export const FIXED_PORT_OPTIONS: Record<FixedPortName, string> = {
  lb: '--port',
  postgres: '--postgres-port',
  redis: '--redis-port',
  prometheus: '--prometheus-port',
};

/** Every problem with the fixed ports asked for (range, duplicates), as bad-input details. */
export function fixedPortProblems(ports: UpOptions['ports']): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports ?? {}) as Array<[FixedPortName, number | undefined]>) {
    if (port === undefined) continue;
    const option = FIXED_PORT_OPTIONS[name];
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      problems.push(`${option} ${port}: a port is an integer from 1 to 65535`);
      continue;
    }
    const other = seen.get(port);
    if (other) problems.push(`${option} ${port}: the same port as ${other}`);
    seen.set(port, option);
  }
  return problems;
}

/** Binds host:port and releases it; resolves the port bound (the kernel's choice for 0). */
function tryBind(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port free on `host` now, distinct from `taken`. */
export async function freePort(host: string, taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await tryBind(host, 0);
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port found on ${host}`);
}

/** Exit 2 when a fixed port is taken or not ours to bind, naming the option. */
export async function assertPortFree(host: string, port: number, option: string): Promise<void> {
  try {
    await tryBind(host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges to bind' : `cannot be bound (${code})`;
    throw badInput(`port ${port} on ${host} (${option}) ${why}`, [], `choose another port, or leave ${option} out to pick a free one`);
  }
}

/** Whether 127.0.0.11.. can be bound here (Linux routes all of 127.0.0.0/8 to lo; some sandboxes do not). */
export async function loopbackAliasesUsable(apps: number): Promise<boolean> {
  try {
    for (const host of appHosts(apps, true)) await tryBind(host, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StackPorts {
  postgres: number;
  redis: number;
  lb: number;
  /** nginx stub_status, on its own listener. */
  status: number;
  prometheus: number;
  /** App instance i at apps[i - 1]. */
  apps: Array<{ host: string; port: number }>;
}

/** The fixed ports asked for, free ones for the rest: all distinct, picked in this order. */
export async function allocatePorts(apps: number, fixed: UpOptions['ports']): Promise<StackPorts> {
  const taken = new Set<number>(Object.values(fixed ?? {}).filter((port): port is number => port !== undefined));
  const pick = async (port: number | undefined) => port ?? (await freePort(LOOPBACK, taken));
  const postgres = await pick(fixed?.postgres);
  const redis = await pick(fixed?.redis);
  const lb = await pick(fixed?.lb);
  const status = await pick(undefined);
  const prometheus = await pick(fixed?.prometheus);
  const endpoints: StackPorts['apps'] = [];
  for (const host of appHosts(apps, await loopbackAliasesUsable(apps))) endpoints.push({ host, port: await freePort(host, taken) });
  return { postgres, redis, lb, status, prometheus, apps: endpoints };
}
