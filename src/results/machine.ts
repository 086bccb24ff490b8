import os from 'node:os';
import type { Machine } from './schema.js';

/** The machine the load generator ran on, for the record (results from different machines differ). */
export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpus: Math.max(1, cpus.length),
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
  };
}
