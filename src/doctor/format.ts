/** Pure rendering of doctor results: a table for people, JSON for machines. */
import type { CheckResult } from './checks.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function statusOf(result: CheckResult): string {
  if (result.found) return 'ok';
  return result.required ? 'MISSING' : 'missing (optional)';
}

/** A fixed-width table, then one hint line per missing check, then a verdict line. */
export function formatDoctorTable(results: readonly CheckResult[]): string {
  const header = ['name', 'kind', 'status', 'version', 'path'];
  const rows = results.map((r) => [r.name, r.required ? r.kind : `${r.kind}*`, statusOf(r), r.version ?? '-', r.path ?? '-']);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i]!))).join('  ');
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  out.push('(* optional)');

  const notes = results.filter((r) => r.found && r.note);
  for (const r of notes) out.push(`note: ${r.name}: ${r.note}`);

  const missing = results.filter((r) => !r.found);
  if (missing.length > 0) {
    out.push('');
    for (const r of missing) out.push(`${r.required ? 'missing' : 'optional'}: ${r.name} (${r.purpose})\n  install: ${r.hint}`);
  }
  const requiredMissing = missing.filter((r) => r.required).map((r) => r.name);
  out.push('');
  out.push(
    requiredMissing.length === 0
      ? 'all required engines and services found'
      : `${requiredMissing.length} required missing: ${requiredMissing.join(', ')}`,
  );
  return out.join('\n') + '\n';
}

export function formatDoctorJson(results: readonly CheckResult[]): string {
  const requiredMissing = results.filter((r) => !r.found && r.required).map((r) => r.name);
  return JSON.stringify({ ok: requiredMissing.length === 0, requiredMissing, checks: results }, null, 2) + '\n';
}
