/**
 * Result ids sort by time: "20261122-133704-123_peak_k6". Folder names must be safe on every
 * filesystem, so anything else in a scenario name becomes "-".
 */
function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

export function safeName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return cleaned === '' ? 'run' : cleaned.slice(0, 60);
}

export function resultId(startedAt: Date, scenario: string, engine: string): string {
  const stamp =
    `${startedAt.getUTCFullYear()}${pad(startedAt.getUTCMonth() + 1)}${pad(startedAt.getUTCDate())}` +
    `-${pad(startedAt.getUTCHours())}${pad(startedAt.getUTCMinutes())}${pad(startedAt.getUTCSeconds())}` +
    `-${pad(startedAt.getUTCMilliseconds(), 3)}`;
  return `${stamp}_${safeName(scenario)}_${safeName(engine)}`;
}

/** The n-th alternative when an id is taken (two runs in the same millisecond): "<id>-2", "<id>-3", ... */
export function alternativeId(id: string, attempt: number): string {
  return attempt <= 1 ? id : `${id}-${attempt}`;
}
