/**
 * Durations in scenarios: a number of seconds, or a string such as "500ms", "30s", "5m",
 * "1h30m" or "1m30s". Pure helpers shared by the schema, the plan and the printed tables.
 */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$';

/** Seconds for a duration string, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  PART.lastIndex = 0;
  let seconds = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    const [whole, amount, unit] = match;
    seconds += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
    consumed += whole.length;
  }
  return consumed === trimmed.length ? seconds : undefined;
}

/** "1h02m03s", "5m", "45s", "0.5s": short and exact enough for tables. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return String(totalSeconds);
  if (totalSeconds < 1 && totalSeconds > 0) return `${Math.round(totalSeconds * 1000)}ms`;
  const whole = Math.round(totalSeconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${hours > 0 ? String(minutes).padStart(2, '0') : minutes}m`);
  if (seconds > 0 || parts.length === 0) parts.push(`${parts.length > 0 ? String(seconds).padStart(2, '0') : seconds}s`);
  return parts.join('');
}
