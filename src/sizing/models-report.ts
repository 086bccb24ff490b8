/**
 * Builds and prints the report's models section (pure): the USL, each tier's CPU model, session
 * bytes, headroom and bottleneck of the measured hardware, and the scalability-limit flag.
 */
import type { Calibration } from '../results/schema.js';
import { computeHeadroom } from './headroom.js';
import type { ModelsSection } from './models-schema.js';
import type { Needs } from './needs.js';

export const SCALABILITY_FLAG = 'past the scalability limit';

const SESSION_REASON =
  'the reference app keeps no session in Redis (stateless JWT access and refresh tokens); its per-user keys, profile:<id> and orders:<id>, are cache entries that expire after CACHE_TTL_SECONDS and count in the cache working set. Session bytes are therefore an input for systems that do store sessions (--set sessionBytes=<bytes>), not the calibration\'s memory growth, which follows the generator\'s connections and the cache filling';

export function buildModelsSection(needs: Needs, calibration: Calibration, providers: ReadonlyArray<{ provider: string; lines: ReadonlyArray<{ flags: readonly string[] }> }>): ModelsSection {
  const usl = needs.app.usl;
  const exceeded = providers.filter((p) => p.lines.some((line) => line.flags.some((flag) => flag.startsWith(SCALABILITY_FLAG)))).map((p) => p.provider);
  const assumed = [
    ...(usl.origin === 'assumption' ? ['USL σ (uslSigma)', 'USL κ (uslKappa)'] : []),
    ...needs.cpu.filter((c) => c.origin === 'single rate').map((c) => `${c.tier} CPU growth (one rate: U = X·D)`),
    ...(needs.session.origin === 'assumption' ? ['session bytes (sessionBytes)'] : []),
  ];
  return {
    usl: {
      origin: usl.origin,
      sigma: usl.sigma,
      kappa: usl.kappa,
      lambda: usl.lambda,
      nStar: usl.nStar,
      intervals: usl.intervals ?? null,
      provenance: usl.provenance ?? null,
      rejected: usl.rejected ?? null,
    },
    cpu: needs.cpu,
    session: { bytesPerUser: needs.session.bytesPerUser, origin: needs.session.origin, reason: SESSION_REASON },
    headroom: computeHeadroom(calibration),
    scalabilityLimit: { exceeded: exceeded.length > 0, providers: exceeded },
    assumed,
  };
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const sig = (v: number) => v.toPrecision(3);

/** Plain lines (terminal and markdown alike): each model, measured or assumed, with its error. */
export function modelLines(m: ModelsSection): string[] {
  const out: string[] = [];
  if (m.scalabilityLimit.exceeded) out.push(`SCALABILITY LIMIT: past the USL peak for ${m.scalabilityLimit.providers.join(', ')}: the app tier is split into independent cells (see each plan's notes); the plan below still works`);
  const u = m.usl;
  if (u.origin === 'assumption') {
    out.push(`USL: σ = ${sig(u.sigma)} (assumed), κ = ${sig(u.kappa)} (assumed), N* = ${u.nStar === null ? '∞' : int.format(u.nStar)} nodes; a stress run measures them (capacity run --scenario stress, then --calibration)`);
    if (u.rejected) out.push(`  the calibration's stepped-run fit is not used: ${u.rejected}`);
  } else {
    const iv = u.intervals;
    const r = (x: { low: number; high: number }) => `${sig(x.low)}–${sig(x.high)}`;
    const nStar = u.nStar === null ? '∞' : int.format(u.nStar);
    const nStarRange = iv ? ` (95 % ${iv.nStar.low === null ? '?' : int.format(iv.nStar.low)}–${iv.nStar.high === null ? '∞' : int.format(iv.nStar.high)})` : '';
    out.push(`USL (measured): σ = ${sig(u.sigma)}${iv ? ` (95 % ${r(iv.sigma)})` : ''}, κ = ${sig(u.kappa)}${iv ? ` (95 % ${r(iv.kappa)})` : ''}, λ = ${sig(u.lambda)}${iv ? ` (95 % ${r(iv.lambda)})` : ''}, N* = ${nStar}${nStarRange}${iv ? '' : '; no intervals (3 steps)'}`);
    if (u.provenance) out.push(`  from ${u.provenance}`);
  }
  for (const c of m.cpu) {
    const range = c.rateRangeRps[0] === c.rateRangeRps[1] ? `${int.format(c.rateRangeRps[0])} req/s` : `${int.format(c.rateRangeRps[0])}–${int.format(c.rateRangeRps[1])} req/s`;
    const quality = c.origin === 'model' ? `fit error ${pct(c.fitError)}, held-out error ${c.heldOutError === null ? 'not checked (too few rates)' : pct(c.heldOutError)}` : 'one rate: linear growth assumed';
    out.push(`CPU ${c.tier.padEnd(9)} ${c.formula}${c.kind === 'wake-ups' ? '' : ' cores'} (${c.origin === 'model' ? `${c.kind}, measured at ${range}` : `measured at ${range}`}; ${quality}); sizing uses ${(c.demandUsedS * 1000).toFixed(3)} ms/request`);
  }
  out.push(`Session bytes: ${int.format(m.session.bytesPerUser)} B per active user (${m.session.origin === 'input' ? 'input' : 'assumed: sessionBytes'})`);
  const h = m.headroom;
  out.push(`Headroom of the measured hardware (calibrated at ${int.format(h.calibrationRps)} req/s${h.machineCores === null ? '' : ` on ${h.machineCores} cores`}):`);
  for (const t of h.tiers) {
    out.push(`  ${t.tier.padEnd(10)} ${t.saturationRps === null ? '' : `runs out at ${int.format(t.saturationRps)} req/s (×${t.headroom?.toFixed(2) ?? '?'}); `}${t.limitReason}${t.basis === 'single rate' ? '; linear from one rate' : ''}`);
  }
  if (h.machine) {
    out.push(`  ${'machine'.padEnd(10)} ${h.machine.saturationRps === null ? 'no limit' : `runs out at ${int.format(h.machine.saturationRps)} req/s`}: all tiers${h.machine.includesGenerator ? ' and the load generator' : ''} on ${h.machineCores} shared cores${h.machine.busiestTierAtLimit ? ` (busiest there: ${h.machine.busiestTierAtLimit})` : ''}`);
  }
  const b = h.bottleneck;
  if (b?.basis === 'usl') {
    const cpu = h.cpuModelBottleneck;
    out.push(`Bottleneck: the stack peaks at ${int.format(b.rateRps)} req/s (basis: USL fit of the stepped run, X(N*)${h.usl?.peakUsers == null ? ' → λ/σ' : ` at ${int.format(h.usl.peakUsers)} users`}); busiest tier there by the CPU models: ${b.busiestTier ?? '?'}${cpu ? `; the CPU models alone: ${cpu.limit === 'machine' ? 'the shared machine' : `the ${cpu.limit} tier`} at ${int.format(cpu.rateRps)} req/s` : ''}`);
    if (h.usl) out.push(`  the USL fit is the limit because ${h.usl.reason}`);
  } else if (b) {
    out.push(`Bottleneck: ${b.limit === 'machine' ? 'the shared machine' : `the ${b.limit} tier`} saturates first, at ${int.format(b.rateRps)} req/s (basis: CPU models${b.limit === 'machine' && b.busiestTier ? `; busiest tier there: ${b.busiestTier}` : ''})`);
    if (h.caveat) out.push(`  ${h.caveat}`);
  }
  if (m.assumed.length > 0) out.push(`Assumed, not measured: ${m.assumed.join('; ')}`);
  return out;
}
