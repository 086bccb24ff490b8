import { escapeHtml, REPORT_STYLE } from '../core/html.js';
import { modelLines } from './models-report.js';
import type { ProviderReport, SizeReport } from './report-schema.js';

/** Renderers of a SizeReport: terminal table, Markdown, JSON and self-contained HTML (inline SVG). */

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec = (digits: number) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function money(amount: number, currency: 'USD' | 'EUR'): string {
  const symbol = currency === 'USD' ? '$' : '€';
  return `${symbol}${amount >= 100 ? int.format(amount) : dec(2).format(amount)}`;
}

function bothCurrencies(p: ProviderReport, amount: number, amountUsd: number): string {
  return p.currency === 'USD' ? money(amount, 'USD') : `${money(amount, p.currency)} (${money(amountUsd, 'USD')})`;
}

function pct(value: number | null): string {
  return value === null ? '' : `${dec(0).format(value * 100)} %`;
}

function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${dec(v < 10 ? 1 : 0).format(v)} ${units[i]}`;
}

/** The rate's age against its freshness, flagged like a stale price catalog. */
function exchangeAge(r: SizeReport): string {
  const e = r.exchange;
  if (e.ageDays === null || e.freshnessDays === null) return '';
  return e.stale ? ` — STALE: ${e.ageDays} d old, fresh for ${e.freshnessDays} d` : ` — ${e.ageDays} d old`;
}

function headline(r: SizeReport): string[] {
  const w = r.workload;
  const c = r.calibration;
  return [
    `${int.format(w.totalUsers)} users → ${int.format(w.concurrentUsers)} concurrent at the peak, ${int.format(w.peakRps)} req/s at the peak, ${int.format(w.averageRps)} req/s on average (${dec(2).format(w.averageToPeak)} of peak), ${dec(1).format(w.requestsPerMonth / 1e9)} billion requests/month`,
    `calibration: ${c.kind === 'default' ? 'shipped default' : c.description}${c.provisional ? ' — PROVISIONAL' : ''}${c.scenario ? `, scenario ${c.scenario}` : ''}${c.machine ? `, ${c.machine}` : ''}${c.measuredAt ? `, ${c.measuredAt}` : ''}`,
    `exchange: 1 EUR = ${r.exchange.eurUsd} USD (${r.exchange.source}${r.exchange.date ? `, ${r.exchange.date}` : ''})${exchangeAge(r)}`,
  ];
}

function table(header: string[], rows: string[][], rightAligned: number[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)];
}

/** The letters of the sources a line's figures come from (the key is under each table). */
function sourceLetters(sources: readonly string[]): string {
  return [...new Set(sources)].join(', ');
}

function bomRows(p: ProviderReport): string[][] {
  return p.lines.map((l) => [l.tier, l.item, l.type, int.format(l.count), pct(l.utilizationAtPeak), bothCurrencies(p, l.monthly, l.monthlyUsd), sourceLetters(l.sources), l.flags.join('; ')]);
}

const BOM_HEADER = ['tier', 'item', 'type', 'count', 'util@peak', 'monthly', 'sources', 'flags'];

/** "K: title (2026-07-20)": what each source letter of a provider's table stands for. */
function sourceKey(p: ProviderReport): string[] {
  return p.sources.map((source) => `source ${source.id}: ${source.title} (${source.undated ? `undated, read ${source.date}` : source.date})`);
}

export function renderTerminal(r: SizeReport): string {
  const out: string[] = [];
  out.push(`capacity size — ${int.format(r.workload.totalUsers)} users`, ...headline(r), ...r.warnings.map((w) => `warning: ${w}`), '');
  out.push('Monthly total per provider');
  out.push(...table(['provider', 'region', 'total', 'prices'], r.providers.map((p) => [p.name, p.region, bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd), `${p.catalog.stale ? 'STALE: ' : ''}oldest ${p.catalog.oldestPriceDate} (${p.catalog.ageDays} d)`]), [2]));
  for (const p of r.providers) {
    out.push('', `${p.name} — bill of materials`);
    out.push(...table(BOM_HEADER, bomRows(p), [3, 4, 5]));
    out.push(...sourceKey(p).map((key) => `  ${key}`));
    out.push(`  total ${bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd)}`);
    if (p.runnersUp.length) out.push(`  runners-up (own price; whole bill if chosen): ${p.runnersUp.map((u) => `${u.tier} ${u.count}×${u.type} ${bothCurrencies(p, u.monthly, u.monthlyUsd)} (bill ${money(u.billMonthlyUsd, 'USD')})`).join(' · ')}`);
    for (const n of p.notes) out.push(`  note: ${n}`);
    // What the catalog lacks: it is why a tier is partitioned, self-hosted or left unpriced.
    for (const g of p.gaps) out.push(`  gap: ${g}`);
  }
  out.push('', 'Notes');
  for (const n of r.notes) out.push(`  - ${n}`);
  out.push('', 'Models (measured or assumed)', ...modelLines(r.models).map((l) => `  ${l}`));
  out.push('', 'Cost versus users (USD/month)');
  const providers = r.providers.map((p) => p.provider);
  out.push(...table(['users', ...providers], r.costCurve.map((c) => [int.format(c.users), ...providers.map((p) => (c.totalsUsd[p] === undefined ? '—' : money(c.totalsUsd[p]!, 'USD')))]), [0, 1, 2, 3]));
  out.push('', 'Assumptions (override with --set name=value)');
  out.push(...table(['name', 'value', 'unit', 'origin', 'reason'], r.assumptions.map((a) => [a.name, String(a.value), a.unit, a.origin, a.reason.length > 90 ? `${a.reason.slice(0, 89)}…` : a.reason]), [1]));
  return out.join('\n') + '\n';
}

function mdTable(header: string[], rows: string[][]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
}

export function renderMarkdown(r: SizeReport): string {
  const out: string[] = [`# Sizing for ${int.format(r.workload.totalUsers)} users`, '', ...headline(r).map((l) => `- ${l}`), '', ...r.warnings.flatMap((w) => [`> ⚠️ ${w}`, '']), ''];
  out.push('## Monthly totals', '', ...mdTable(['provider', 'region', 'total', 'prices'], r.providers.map((p) => [p.name, p.region, bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd), `${p.catalog.stale ? '**stale** — ' : ''}oldest ${p.catalog.oldestPriceDate} (${p.catalog.ageDays} days)`])), '');
  for (const p of r.providers) {
    out.push(`## ${p.name}`, '', ...mdTable([...BOM_HEADER, 'detail'], p.lines.map((l, i) => [...bomRows(p)[i]!, l.detail])), '', ...p.sources.map((source, i) => `${i === 0 ? 'Sources: ' : ''}**${source.id}** [${source.title}](${source.url}), ${source.undated ? `undated, read ${source.date}` : source.date}${i < p.sources.length - 1 ? ';' : ''}`), '', `**Total: ${bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd)}**`, '');
    if (p.runnersUp.length) out.push('Runners-up:', '', ...mdTable(['tier', 'type', 'count', 'monthly', 'whole bill if chosen'], p.runnersUp.map((u) => [u.tier, u.type, String(u.count), bothCurrencies(p, u.monthly, u.monthlyUsd), money(u.billMonthlyUsd, 'USD')])), '');
    for (const n of p.notes) out.push(`- ${n}`);
    for (const g of p.gaps) out.push(`- gap: ${g}`);
    out.push('');
  }
  out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push('## Universal Scalability Law', '', `σ = ${r.usl.sigma}, κ = ${r.usl.kappa}, N* = ${r.usl.nStar === null ? '∞' : dec(1).format(r.usl.nStar)} (${r.usl.origin})`, '');
  out.push('## Models (measured or assumed)', '', ...modelLines(r.models).map((l) => (l.startsWith('  ') ? `  - ${l.trim()}` : `- ${l}`)), '');
  const providers = r.providers.map((p) => p.provider);
  out.push('## Cost versus users (USD/month)', '', ...mdTable(['users', ...providers], r.costCurve.map((c) => [int.format(c.users), ...providers.map((p) => (c.totalsUsd[p] === undefined ? '—' : money(c.totalsUsd[p]!, 'USD')))])), '');
  out.push('## Assumptions', '', ...mdTable(['name', 'value', 'unit', 'default', 'origin', 'reason'], r.assumptions.map((a) => [a.name, String(a.value), a.unit, String(a.default), a.origin, a.reason])), '');
  const n = r.needs;
  out.push('## Needs at the peak', '', ...mdTable(['tier', 'need'], [
    ['app', `D = ${n.app.serviceDemandS.toExponential(3)} CPU-s/request; ${dec(2).format(n.app.busyCores)} busy cores, ${dec(2).format(n.app.coresAtTarget)} at target utilization`],
    ['redis', `${bytes(n.redis.memoryBytes)} (sessions ${bytes(n.redis.sessionBytes)} + cache ${bytes(n.redis.cacheBytes)}), ${int.format(n.redis.opsPerSecond)} ops/s`],
    ['postgres', `data ${bytes(n.postgres.dataBytes)}, RAM ${bytes(n.postgres.ramBytes)}, storage ${bytes(n.postgres.storageBytes)}, ${dec(2).format(n.postgres.coresAtTarget)} cores`],
    ['lb', `${int.format(n.lb.activeConnections)} connections, ${int.format(n.lb.newConnectionsPerSecond)} new/s`],
    ['egress', `${dec(1).format(n.egress.monthlyBytes / 1e12)} TB/month`],
  ]), '');
  return out.join('\n');
}

export function renderJson(r: SizeReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

interface Series { name: string; color: string; points: Array<[number, number]> }

/** A line chart as inline SVG; log scales where asked. */
export function svgLineChart(title: string, series: Series[], opts: { logX?: boolean; logY?: boolean; xLabel: string; yLabel: string }): string {
  const W = 640, H = 320, L = 70, R = 20, T = 30, B = 45;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => (!opts.logX || x > 0) && (!opts.logY || y > 0));
  if (all.length === 0) return '';
  const tx = (v: number) => (opts.logX ? Math.log10(v) : v);
  const ty = (v: number) => (opts.logY ? Math.log10(v) : v);
  const xs = all.map(([x]) => tx(x)), ys = all.map(([, y]) => ty(y));
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const y0 = opts.logY ? Math.min(...ys) : 0, y1 = Math.max(...ys);
  const sx = (v: number) => L + ((tx(v) - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (v: number) => H - B - ((ty(v) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const ticks = (lo: number, hi: number, log: boolean) => {
    if (log) { const out: number[] = []; for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) out.push(10 ** e); return out.filter((v) => Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9); }
    const step = (hi - lo) / 4; return [0, 1, 2, 3, 4].map((i) => lo + i * step);
  };
  const label = (v: number) => (v >= 1e6 ? `${dec(0).format(v / 1e6)}M` : v >= 1e3 ? `${dec(0).format(v / 1e3)}k` : dec(v < 10 ? 1 : 0).format(v));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`];
  for (const v of ticks(x0, x1, Boolean(opts.logX))) {
    const x = sx(opts.logX ? v : v);
    parts.push(`<line x1="${x}" y1="${H - B}" x2="${x}" y2="${H - B + 4}" stroke="#333"/><text x="${x}" y="${H - B + 16}" text-anchor="middle" font-size="11">${label(v)}</text>`);
  }
  for (const v of ticks(y0, y1, Boolean(opts.logY))) {
    const y = sy(v);
    parts.push(`<line x1="${L - 4}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/><text x="${L - 6}" y="${y + 4}" text-anchor="end" font-size="11">${label(v)}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(opts.xLabel)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(T + H - B) / 2})">${escapeHtml(opts.yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => (!opts.logX || x > 0) && (!opts.logY || y > 0)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    parts.push(`<rect x="${L + 10 + i * 185}" y="${T + 2}" width="12" height="12" fill="${s.color}"/><text x="${L + 26 + i * 185}" y="${T + 12}" font-size="12">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const COLORS: Record<string, string> = { aws: '#d97706', digitalocean: '#2563eb', hetzner: '#dc2626' };

/** A table cell: figures right-aligned like the run report's, words left-aligned. */
function cell(tag: 'td' | 'th', text: string): string {
  const figure = /^[-+]?[$€]?[\d.,]+( ?(%|[A-Za-z/]+))?( \([$€][\d.,]+\))?$|^—$/.test(text.trim());
  return `<${tag}${figure ? '' : ' class="text"'}>${escapeHtml(text)}</${tag}>`;
}

function htmlTable(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => cell('th', h)).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((c) => cell('td', c)).join('')}</tr>`).join('')}</tbody></table>`;
}

/** One self-contained page with the run report's stylesheet (src/core/html.ts) and two inline SVG charts. */
export function renderHtml(r: SizeReport): string {
  const cost = svgLineChart('Monthly cost versus users', r.providers.map((p) => ({ name: p.name, color: COLORS[p.provider] ?? '#555', points: r.costCurve.filter((c) => c.totalsUsd[p.provider] !== undefined).map((c) => [c.users, c.totalsUsd[p.provider]!] as [number, number]) })), { logX: true, logY: true, xLabel: 'total users', yLabel: 'USD per month' });
  const usl = svgLineChart(`USL: relative throughput of N app nodes (σ=${r.usl.sigma}, κ=${r.usl.kappa})`, [
    { name: 'X(N)/X(1)', color: '#059669', points: r.usl.curve },
    { name: 'linear', color: '#9ca3af', points: r.usl.curve.map(([n]) => [n, n] as [number, number]) },
  ], { xLabel: 'nodes N', yLabel: 'throughput relative to one node' });
  const list = (items: string[]) => (items.length ? `<ul class="meta">${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>` : '');
  const body: string[] = [`<h1>Sizing for ${int.format(r.workload.totalUsers)} users</h1>`, list(headline(r)), ...r.warnings.map((w) => `<div class="warn">⚠ ${escapeHtml(w)}</div>`)];
  body.push('<h2>Monthly totals</h2>', htmlTable(['provider', 'region', 'total', 'prices'], r.providers.map((p) => [p.name, p.region, bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd), `${p.catalog.stale ? 'STALE — ' : ''}oldest ${p.catalog.oldestPriceDate} (${p.catalog.ageDays} days)`])));
  body.push(`<figure>${cost}</figure>`);
  for (const p of r.providers) {
    body.push(`<h2>${escapeHtml(p.name)} <span class="badge pass">${escapeHtml(bothCurrencies(p, p.totalMonthly, p.totalMonthlyUsd))} / month</span></h2>`, htmlTable([...BOM_HEADER, 'detail'], p.lines.map((l, i) => [...bomRows(p)[i]!, l.detail])));
    body.push(`<p class="meta">${p.sources.map((source) => `<strong>${escapeHtml(source.id)}</strong>: <a href="${escapeHtml(source.url)}">${escapeHtml(source.title)}</a> (${escapeHtml(source.undated ? `undated, read ${source.date}` : source.date)})`).join('<br>')}</p>`);
    if (p.runnersUp.length) body.push('<p class="meta">Runners-up:</p>', htmlTable(['tier', 'type', 'count', 'monthly', 'whole bill if chosen'], p.runnersUp.map((u) => [u.tier, u.type, String(u.count), bothCurrencies(p, u.monthly, u.monthlyUsd), money(u.billMonthlyUsd, 'USD')])));
    body.push(list([...p.notes, ...p.gaps.map((g) => `gap: ${g}`)]));
  }
  body.push('<h2>Universal Scalability Law</h2>', `<p class="meta">σ = ${r.usl.sigma}, κ = ${r.usl.kappa}, N* = ${r.usl.nStar === null ? '∞' : dec(1).format(r.usl.nStar)} (${r.usl.origin})</p>`, `<figure>${usl}</figure>`);
  body.push('<h2>Models (measured or assumed)</h2>', list(modelLines(r.models)));
  body.push('<h2>Notes</h2>', list(r.notes));
  body.push('<h2>Assumptions</h2>', htmlTable(['name', 'value', 'unit', 'default', 'origin', 'reason'], r.assumptions.map((a) => [a.name, String(a.value), a.unit, String(a.default), a.origin, a.reason])));
  body.push(`<footer>Rendered by capacity size from the calibration and the price catalogs named above; ${escapeHtml(r.generatedAt)}.</footer>`);
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>capacity size — ${int.format(r.workload.totalUsers)} users</title>\n<style>${REPORT_STYLE}</style>\n</head>\n<body>\n${body.join('\n')}\n</body>\n</html>\n`;
}
