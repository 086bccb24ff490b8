import path from 'node:path';

/** Environment for an engine's child process: the caller's, or a minimal one that still finds
 * `node` (Artillery's launcher needs it), plus the engine's own variables. */
export function childEnv(env: Record<string, string | undefined> | undefined, extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) if (value !== undefined) base[key] = value;
  const nodeDir = path.dirname(process.execPath);
  const pathValue = base['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
  base['PATH'] = pathValue.split(':').includes(nodeDir) ? pathValue : `${pathValue}:${nodeDir}`;
  return { ...base, ...extra };
}
