/** Facts about this machine that the stack's settings scale with (read once, then pure math). */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { MachineFacts } from './tuning.js';

function readNumber(file: string, fallback: number): number {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** "Max open files  20000  20000  files" in /proc/self/limits → 20000 (the hard limit). */
export function parseNofileHardLimit(limits: string): number | undefined {
  const line = limits.split('\n').find((row) => row.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  if (hard === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const value = Number(hard);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export function readMachineFacts(): MachineFacts {
  let nofileHardLimit = 1024;
  try {
    nofileHardLimit = parseNofileHardLimit(readFileSync('/proc/self/limits', 'utf8')) ?? nofileHardLimit;
  } catch {
    // not Linux /proc: keep the conservative default
  }
  return {
    totalMemoryBytes: totalmem(),
    cpus: availableParallelism(),
    somaxconn: readNumber('/proc/sys/net/core/somaxconn', 4096),
    nofileHardLimit,
    privileged: process.getuid?.() === 0,
  };
}
