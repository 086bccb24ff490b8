import type { LogLevel } from './config.js';

const SEVERITY: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

/**
 * One JSON line per event on stderr. Fastify's own logger is off: it creates a child logger per
 * request even when nothing is logged, a cost the load tests would measure.
 */
export function createLogger(level: LogLevel, instanceId: string, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = SEVERITY[level];
  const emit = (name: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (SEVERITY[name] < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: name, instance: instanceId, msg: message };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[key] = value instanceof Error ? { message: value.message, stack: value.stack } : value;
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

/** A gate that opens at most once per `intervalMs`: keeps a failing dependency from flooding the log. */
export function throttle(intervalMs: number, now: () => number = Date.now): () => boolean {
  let last = -Infinity;
  return () => {
    const time = now();
    if (time - last < intervalMs) return false;
    last = time;
    return true;
  };
}
