import type { Assumptions } from './assumptions.js';
import { creditCharge } from './burstable-credits.js';
import { monthly } from './catalog-price.js';
import type { Catalog, Price, ServerOffer } from './catalog-schema.js';
import { mmcResponsePercentile } from './erlang.js';
import type { Needs } from './needs.js';
import type { BomLine, RunnerUp } from './report-schema.js';
import { unitsForCapacity, uslEfficiency } from './usl.js';
import type { Workload } from './workload.js';

const GiB = 1024 ** 3;
// One formatter: toLocaleString builds a new one per call, which dominated the cost-curve time.
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const GB = 1e9;
const TB = 1e12;

export interface PlanOptions {
  eurUsd: number;
  /** Leave out shared/burstable vCPU offers. */
  dedicatedCpuOnly: boolean;
  /** 'prefer': managed database and cache where the catalog has them; 'never': self-host everything. */
  managed: 'prefer' | 'never';
  /**
   * Let every burstable (CPU-credit) offer carry the peak-sized tiers, credit charges priced where
   * the catalog sources them. Unset: the assumption burstableForPeak decides (0 by default: only
   * offers whose credit model is sourced; the others left out, with the reason in the notes).
   */
  includeBurstable?: boolean;
}

export interface ProviderPlan {
  lines: BomLine[];
  runnersUp: RunnerUp[];
  totalMonthly: number;
  notes: string[];
}

interface Candidate {
  type: string;
  count: number;
  monthly: number;
  line: BomLine;
  extraLines?: BomLine[];
  /** Database partitions (shards) the candidate needs; 1 when one instance class holds the tier. */
  partitions?: number;
  /** App tier split into independent clusters (cells); absent when one cluster carries the peak. */
  appCells?: number;
  /** True when no single cluster of this type can reach the peak before the USL's N*. */
  pastAppLimit?: boolean;
}

/** A candidate offer: its line and the lines it brings along (storage), priced together. */
function candidate(type: string, main: BomLine, extraLines?: BomLine[]): Candidate {
  const extras = extraLines ?? [];
  return { type, count: main.count, monthly: main.monthly + extras.reduce((sum, extra) => sum + extra.monthly, 0), line: main, ...(extraLines ? { extraLines } : {}) };
}

/** Cheapest first; ties go to fewer units, then to the name, so the choice is stable. */
function rank(candidates: Candidate[]): Candidate[] {
  return [...candidates].sort((x, y) => x.monthly - y.monthly || x.count - y.count || x.type.localeCompare(y.type));
}

function usd(catalog: Catalog, amount: number, options: PlanOptions): number {
  return catalog.currency === 'EUR' ? amount * options.eurUsd : amount;
}

function line(catalog: Catalog, options: PlanOptions, fields: Omit<BomLine, 'monthlyUsd'>): BomLine {
  return { ...fields, monthlyUsd: usd(catalog, fields.monthly, options) };
}

function priceFlags(price: Price, catalog: Catalog): string[] {
  const flags: string[] = [];
  if (price.derived) flags.push('derived price');
  if (price.note && /verify/i.test(price.note)) flags.push('price to verify');
  if (catalog.sources.find((s) => s.id === price.source)?.undated) flags.push('undated source');
  return flags;
}

/** The line item of a burstable tier's credit charge; not a server line. */
const CREDIT_ITEM = 'CPU credits (unlimited mode)';

/** Whether the catalog sources a burstable offer's credit model: its baseline and the surplus price. */
function hasCreditModel(catalog: Catalog, offer: { cpu: ServerOffer['cpu']; creditBaseline?: ServerOffer['creditBaseline'] }): boolean {
  return offer.cpu === 'burstable' && offer.creditBaseline !== undefined && catalog.cpuCreditSurplus !== undefined;
}

/**
 * Whether an offer may carry a peak-sized tier under the options. A burstable offer may when its
 * credit model is sourced (the charge is priced) or when the options include every burstable offer.
 */
function cpuAllowed(catalog: Catalog, offer: { cpu: ServerOffer['cpu']; creditBaseline?: ServerOffer['creditBaseline'] }, options: PlanOptions): boolean {
  if (options.dedicatedCpuOnly) return offer.cpu === 'dedicated';
  return offer.cpu !== 'burstable' || options.includeBurstable === true || hasCreditModel(catalog, offer);
}

function eligibleServers(catalog: Catalog, options: PlanOptions): ServerOffer[] {
  return catalog.servers.filter((s) => cpuAllowed(catalog, s, options));
}

/**
 * A burstable server tier's CPU-credit charge in unlimited mode, as its own line tied to the tier
 * (see burstable-credits.ts for the model and its stated assumption). Without a sourced credit
 * model (only with burstableForPeak=1) the tier's line is flagged instead.
 */
function withCredits(catalog: Catalog, options: PlanOptions, a: Assumptions, server: ServerOffer, c: Candidate, utilizationPerVcpu: number | null): Candidate {
  if (server.cpu !== 'burstable') return c;
  const surplus = catalog.cpuCreditSurplus;
  if (!server.creditBaseline || !surplus) {
    return { ...c, line: { ...c.line, flags: [...c.line.flags, 'CPU-credit charges not priced (no sourced baseline)'] } };
  }
  const baseline = server.creditBaseline.perVcpu;
  const charge = creditCharge({
    vcpu: server.vcpu, baselinePerVcpu: baseline, utilizationAtPeak: utilizationPerVcpu ?? 0, averageToPeak: a.averageToPeak,
    hoursPerMonth: catalog.hoursPerMonth, count: c.line.count, surplusPerVcpuHour: surplus.figure,
  });
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const detail = charge.sustained
    ? `mean ${pct(charge.meanUtilization)} per vCPU (${pct(utilizationPerVcpu ?? 0)} at the peak × averageToPeak ${a.averageToPeak}) above the ${pct(baseline)} baseline of ${server.type}: ${integer.format(charge.surplusVcpuHours)} surplus vCPU-hours × ${surplus.figure} ${surplus.unit}`
    : `mean ${pct(charge.meanUtilization)} per vCPU (${pct(utilizationPerVcpu ?? 0)} at the peak × averageToPeak ${a.averageToPeak}) within the ${pct(baseline)} baseline of ${server.type}; the busy ${charge.busyHoursPerDay.toFixed(1)} h a day spend ${integer.format(charge.burstCredits)} of at most ${integer.format(charge.maxBalance)} banked credits: no charge`;
  const credits = line(catalog, options, {
    tier: c.line.tier, item: CREDIT_ITEM, type: server.type, count: Math.round(charge.surplusVcpuHours), unitMonthly: surplus.figure, monthly: charge.monthly, utilizationAtPeak: null,
    detail, sources: [...new Set([server.creditBaseline.source, surplus.source])], flags: priceFlags(surplus, catalog),
  });
  return { ...c, monthly: c.monthly + credits.monthly, extraLines: [...(c.extraLines ?? []), credits] };
}

function fmtGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 2 : 0)} GiB`;
}

/**
 * Nodes per cell that carry a unit of capacity with the fewest nodes, spare included: the n in
 * 1..N* minimizing (n + spare) / (n · efficiency(n)). Null when more nodes never cost more
 * (no contention): one cluster of any size.
 */
function bestCellSize(usl: Needs['app']['usl'], spare: number): number | null {
  if (usl.sigma <= 0 && usl.kappa <= 0) return null;
  const ceiling = usl.nStar === null ? 10_000 : Math.max(1, Math.floor(usl.nStar));
  let best = 1;
  let bestCost = Infinity;
  for (let n = 1; n <= ceiling; n++) {
    const cost = (n + spare) / (n * uslEfficiency(n, usl));
    if (cost < bestCost - 1e-12) {
      best = n;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * App servers of one type for the peak: nodes from the cores at target and the USL efficiency,
 * raised until the M/M/c p95 of the CPU queue fits the app's share of the objective. Past the
 * scalability limit (one cluster of this type cannot reach the capacity before its N*) the tier
 * is split into independent cells, each within N* (each cell with its own share of Redis and
 * PostgreSQL behind it), and flagged: the plan that still works rather than no plan.
 */
function appCandidate(catalog: Catalog, server: ServerOffer, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): Candidate | undefined {
  const { app } = needs;
  const budgetS = (a.sloP95Ms / 1000) * a.appP95Share;
  // One app process per vCPU (Node.js is single-threaded); each needs its measured memory.
  const memoryNeed = server.vcpu * app.memoryBytesPerProcess + a.nodeOverheadGiB * GiB;
  if (memoryNeed > server.memoryGiB * GiB) return undefined;
  const required = app.coresAtTarget / server.vcpu;
  // Cells: independent clusters that share no contention. Past the size where a node of capacity
  // costs least (spare included) the tier grows by whole cells of that size plus one remainder
  // cell, so the node count never falls as the load rises; past N* it is the plan that still works.
  const pastLimit = unitsForCapacity(required, app.usl) === null;
  const cellSize = bestCellSize(app.usl, a.appSpareNodes);
  const cellCapacity = cellSize === null ? Infinity : cellSize * uslEfficiency(cellSize, app.usl);
  const fullCells = required > cellCapacity ? Math.floor(required / cellCapacity) : 0;
  // Without contention (no cell size) there are no full cells; 0 · Infinity would be NaN.
  const remainder = fullCells > 0 ? required - fullCells * cellCapacity : required;
  const p95Fits = (nodeCount: number, rateRps: number): number => {
    if (!(rateRps > 0) || !(app.serviceDemandS > 0)) return 0;
    return mmcResponsePercentile({ servers: nodeCount * server.vcpu, arrivalRate: rateRps, serviceTimeS: app.serviceDemandS / uslEfficiency(nodeCount, app.usl) }, 0.95);
  };
  // Raise a cell's nodes until the M/M/c p95 of its CPU queue fits the app's share of the objective.
  const sized = (units: number, rateRps: number): { nodes: number; p95: number } | undefined => {
    let nodes = Math.max(1, unitsForCapacity(units, app.usl) ?? cellSize ?? 1);
    let p95 = p95Fits(nodes, rateRps);
    // !(p95 <= budget) also raises the count when the queue is unstable (NaN or Infinity).
    for (let guard = 0; guard < 10_000 && !(p95 <= budgetS); guard++) p95 = p95Fits(++nodes, rateRps);
    return p95 <= budgetS ? { nodes, p95 } : undefined;
  };
  const full = fullCells > 0 ? sized(cellCapacity, (workload.peakRps * cellCapacity) / required) : undefined;
  const rest = remainder > 1e-9 || fullCells === 0 ? sized(remainder, required > 0 ? (workload.peakRps * remainder) / required : 0) : undefined;
  if ((fullCells > 0 && !full) || ((remainder > 1e-9 || fullCells === 0) && !rest)) return undefined;
  const cells = fullCells + (rest ? 1 : 0);
  const nodes = full?.nodes ?? rest!.nodes;
  const p95 = Math.max(full?.p95 ?? 0, rest?.p95 ?? 0);
  const cellRps = fullCells > 0 ? (workload.peakRps * cellCapacity) / required : workload.peakRps;
  const perCell = cells === 1 ? Math.max(nodes + a.appSpareNodes, a.appMinNodes) : nodes + a.appSpareNodes;
  const total = cells === 1 ? perCell : fullCells * (full!.nodes + a.appSpareNodes) + (rest ? rest.nodes + a.appSpareNodes : 0);
  const efficiency = uslEfficiency(perCell, app.usl);
  const utilizationAtPeak = total > 0 ? (app.busyCores / efficiency) / (total * server.vcpu) : 0;
  const unit = monthly(server.price, catalog.hoursPerMonth);
  const nStar = app.usl.nStar === null ? '∞' : app.usl.nStar.toFixed(0);
  const why = pastLimit ? `past the USL limit N* = ${nStar} nodes` : 'fewer nodes than one cluster under USL contention';
  const layout = `${fullCells} of ${full ? full.nodes + a.appSpareNodes : 0}${rest ? ` + 1 of ${rest.nodes + a.appSpareNodes}` : ''}`;
  const cellText = cells > 1 ? `${cells} independent cells, ${layout} nodes (${why}; ${nodes} carry a full cell's ${integer.format(cellRps)} req/s` : `${nodes} to carry the peak (`;
  const found = candidate(server.type, line(catalog, options, {
    tier: 'app',
    item: 'app servers',
    type: server.type,
    count: total,
    unitMonthly: unit,
    monthly: unit * total,
    utilizationAtPeak,
    detail: `${server.vcpu} vCPU / ${server.memoryGiB} GiB; ${cellText}, USL efficiency ${(uslEfficiency(nodes, app.usl) * 100).toFixed(1)} %) + ${perCell - nodes} spare${cells > 1 ? ' per cell' : ''}; M/M/c p95 of the CPU queue ${(p95 * 1000).toFixed(2)} ms ≤ ${(budgetS * 1000).toFixed(0)} ms`,
    sources: [server.price.source],
    flags: [
      ...priceFlags(server.price, catalog),
      ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : []),
      ...(pastLimit ? [`past the scalability limit: ${cells} independent cells`] : cells > 1 ? [`${cells} independent cells (cheaper than one cluster)`] : []),
    ],
  }));
  const priced = withCredits(catalog, options, a, server, found, utilizationAtPeak);
  return cells > 1 ? { ...priced, appCells: cells, pastAppLimit: pastLimit } : priced;
}

function planApp(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): { best: Candidate; runnersUp: Candidate[]; notes: string[] } {
  const notes: string[] = [];
  const candidates = eligibleServers(catalog, options)
    .map((server) => appCandidate(catalog, server, needs, workload, a, options))
    .filter((c): c is Candidate => c !== undefined);
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no server type can carry the app tier at ${integer.format(workload.peakRps)} req/s (${needs.app.coresAtTarget.toFixed(1)} cores at target): the memory per process or the p95 budget rules every type out`);
  const best = ranked[0]!;
  if (ranked.every((c) => c.pastAppLimit === true)) {
    const usl = needs.app.usl;
    const fewest = ranked.reduce((x, y) => ((y.appCells ?? 1) < (x.appCells ?? 1) ? y : x));
    notes.push(
      `past the scalability limit: one cluster of app servers stops gaining throughput at N* = ${usl.nStar?.toFixed(0) ?? '∞'} nodes (USL σ = ${usl.sigma.toPrecision(3)}, κ = ${usl.kappa.toPrecision(3)}, ${usl.origin === 'calibration' ? 'measured' : 'assumed'}) and no server type carries the peak in one cluster: the plan splits the tier into independent cells, each with its own share of users (cells of ${best.type} here; the biggest instances need the fewest: ${fewest.appCells} cells of ${fewest.type})`,
    );
  }
  return { best, runnersUp: ranked.slice(1, 4), notes };
}

interface TierPlan {
  best: Candidate;
  runnersUp: Candidate[];
  notes: string[];
  /** Every candidate that meets the need, cheapest first on its own price. */
  all: Candidate[];
}

function planRedis(catalog: Catalog, needs: Needs, a: Assumptions, options: PlanOptions): TierPlan {
  const notes: string[] = [];
  const { redis } = needs;
  const copies = 1 + a.redisReplicas;
  // Redis executes commands on one core: a shard gives at most one core of work.
  const shardsForCpu = Math.max(1, Math.ceil(redis.coresAtTarget));
  const candidates: Candidate[] = [];
  const managed = options.managed === 'prefer' && catalog.managedCaches.length > 0;
  if (managed) {
    for (const offer of catalog.managedCaches) {
      if (!cpuAllowed(catalog, offer, options)) continue;
      const shards = Math.max(shardsForCpu, Math.ceil(redis.memoryBytes / (offer.memoryGiB * GiB)));
      const nodes = shards * copies;
      const unit = monthly(offer.price, catalog.hoursPerMonth);
      const perShardData = redis.dataBytes / shards;
      candidates.push(candidate(`${offer.type} (${offer.engine})`, line(catalog, options, {
        tier: 'redis', item: `managed ${offer.engine}`, type: offer.type, count: nodes, unitMonthly: unit, monthly: unit * nodes,
        utilizationAtPeak: redis.coresAtTarget > 0 ? redis.busyCores / shards : null,
        detail: `${shards} shard(s) × ${copies} node(s); ${fmtGiB(perShardData)} of data per shard in ${offer.memoryGiB} GiB (sessions ${fmtGiB(redis.sessionBytes)} + cache ${fmtGiB(redis.cacheBytes)}); ${integer.format(redis.opsPerSecond)} ops/s at peak`,
        sources: [offer.price.source],
        flags: [...priceFlags(offer.price, catalog), ...(offer.cpu !== 'dedicated' ? [`${offer.cpu} vCPU`] : []), ...(shards > 1 ? ['sharded (Redis Cluster)'] : [])],
      })));
    }
  }
  if (candidates.length === 0) {
    if (options.managed === 'prefer') notes.push(managed ? 'no managed Redis/Valkey offer passes the CPU filters (--dedicated-cpu, burstable offers left out): Redis is self-hosted on servers (flagged)' : 'no sourced managed Redis/Valkey price: Redis is self-hosted on servers (flagged)');
    for (const server of eligibleServers(catalog, options)) {
      const usable = (server.memoryGiB - a.nodeOverheadGiB) * GiB;
      if (usable <= 0) continue;
      const shards = Math.max(shardsForCpu, Math.ceil(redis.memoryBytes / usable));
      const nodes = shards * copies;
      const unit = monthly(server.price, catalog.hoursPerMonth);
      // Redis runs its commands on one core: the instance's utilization per vCPU is that core's share.
      const perVcpu = redis.coresAtTarget > 0 ? redis.busyCores / shards / server.vcpu : null;
      candidates.push(withCredits(catalog, options, a, server, candidate(server.type, line(catalog, options, {
        tier: 'redis', item: 'self-hosted Redis', type: server.type, count: nodes, unitMonthly: unit, monthly: unit * nodes,
        utilizationAtPeak: redis.coresAtTarget > 0 ? redis.busyCores / shards : null,
        detail: `${shards} shard(s) × ${copies} node(s); ${fmtGiB(redis.dataBytes / shards)} of data per shard on ${server.memoryGiB} GiB (sessions ${fmtGiB(redis.sessionBytes)} + cache ${fmtGiB(redis.cacheBytes)}); ${integer.format(redis.opsPerSecond)} ops/s at peak`,
        sources: [server.price.source],
        flags: [...priceFlags(server.price, catalog), 'self-hosted', ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : []), ...(shards > 1 ? ['sharded (Redis Cluster)'] : [])],
      })), perVcpu));
    }
  }
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no offer can hold the Redis tier`);
  return { best: ranked[0]!, runnersUp: ranked.slice(1, 4), notes, all: ranked };
}

/**
 * The partition flag says why a database is split: no single class is large enough, or (when one
 * is) that the split costs less than the smallest class that holds it alone, which is named.
 */
function flagPartitions(candidates: Candidate[], currency: string): void {
  const single = rank(candidates.filter((c) => (c.partitions ?? 1) === 1))[0];
  for (const c of candidates) {
    if ((c.partitions ?? 1) <= 1) continue;
    c.line.flags.push(single
      ? `partitioned: ${c.partitions} partitions cost less than one ${single.type} (${single.count} node(s), ${currency} ${single.monthly.toFixed(2)}), which would hold it unsplit`
      : 'partitioned: no single sourced class is large enough');
  }
}

function planPostgres(catalog: Catalog, needs: Needs, a: Assumptions, options: PlanOptions): TierPlan {
  const notes: string[] = [];
  const { postgres } = needs;
  const candidates: Candidate[] = [];
  const storageGB = postgres.storageBytes / GB;
  const managed = options.managed === 'prefer' && catalog.managedPostgres.length > 0;
  if (managed) {
    const noStandby: string[] = [];
    for (const offer of catalog.managedPostgres) {
      if (!cpuAllowed(catalog, offer, options)) continue;
      // A plan that cannot take the standbys asked for cannot be bought that way.
      if (offer.maxStandbys !== undefined && a.dbStandby > offer.maxStandbys) { noStandby.push(offer.type); continue; }
      const partitions = Math.max(1, Math.ceil(postgres.coresAtTarget / offer.vcpu), Math.ceil(postgres.ramBytes / (offer.memoryGiB * GiB)));
      const single = monthly(offer.price, catalog.hoursPerMonth);
      let primaryAndStandby: number;
      const flags = priceFlags(offer.price, catalog);
      if (a.dbStandby > 0 && catalog.managedPostgresHa === 'deployment') {
        if (!offer.haPrice) continue; // an HA price that is not in the catalog is a gap, not a guess
        primaryAndStandby = monthly(offer.haPrice, catalog.hoursPerMonth) * Math.max(1, a.dbStandby);
        flags.push(...priceFlags(offer.haPrice, catalog).filter((f) => !flags.includes(f)));
      } else {
        primaryAndStandby = single * (1 + a.dbStandby);
      }
      const perPartition = primaryAndStandby + single * a.dbReadReplicas;
      const nodes = partitions * (1 + a.dbStandby + a.dbReadReplicas);
      const storagePrice = a.dbStandby > 0 ? (catalog.storage.databaseHa ?? catalog.storage.database) : catalog.storage.database;
      const extra: BomLine[] = [];
      if (storagePrice) {
        // Each partition is its own instance with its own volume, at least the provider's minimum.
        const minimum = catalog.storage.databaseMinimumGB?.amount ?? 0;
        const perPartitionGB = Math.max(minimum, storageGB / partitions);
        const gb = perPartitionGB * partitions;
        const replicaPrice = catalog.storage.database?.figure ?? storagePrice.figure;
        const cost = gb * storagePrice.figure + gb * a.dbReadReplicas * replicaPrice;
        const atMinimum = minimum > 0 && perPartitionGB === minimum;
        extra.push(line(catalog, options, {
          tier: 'storage', item: 'database storage', type: storagePrice.note ?? 'database storage', count: Math.ceil(gb * (1 + a.dbReadReplicas)), unitMonthly: storagePrice.figure, monthly: cost, utilizationAtPeak: null,
          detail: `${partitions} partition(s) × ${perPartitionGB.toFixed(1)} GB${atMinimum ? ` (the ${minimum} GB minimum per instance)` : ''}${a.dbReadReplicas ? `, + ${a.dbReadReplicas} replica copy(ies)` : ''}; need ${storageGB.toFixed(1)} GB (data ${fmtGiB(postgres.dataBytes)} with indexes, WAL ${a.walGiB} GiB, filled to ${(a.storageMaxFill * 100).toFixed(0)} %)`,
          sources: [...new Set([storagePrice.source, ...(atMinimum && catalog.storage.databaseMinimumGB ? [catalog.storage.databaseMinimumGB.source] : [])])], flags: priceFlags(storagePrice, catalog),
        }));
      }
      const c = candidate(offer.type, line(catalog, options, {
        tier: 'postgres', item: 'managed PostgreSQL', type: offer.type, count: nodes, unitMonthly: single, monthly: perPartition * partitions,
        utilizationAtPeak: postgres.coresAtTarget > 0 ? postgres.busyCores / (partitions * offer.vcpu) : null,
        detail: `${offer.vcpu} vCPU / ${offer.memoryGiB} GiB; ${partitions} primary(ies) + ${a.dbStandby} standby each${a.dbReadReplicas ? ` + ${a.dbReadReplicas} replica(s)` : ''}; hot set ${fmtGiB(postgres.hotBytes)} needs ${fmtGiB(postgres.ramBytes)} RAM`,
        sources: [...new Set([offer.price.source, ...(offer.haPrice ? [offer.haPrice.source] : [])])],
        flags: [...flags, ...(offer.cpu !== 'dedicated' ? [`${offer.cpu} vCPU`] : [])],
      }), extra);
      candidates.push({ ...c, partitions });
    }
    if (noStandby.length > 0) notes.push(`managed PostgreSQL ${noStandby.join(', ')} left out: the plan takes no ${a.dbStandby > 1 ? `${a.dbStandby} standbys` : 'standby node'} (dbStandby = ${a.dbStandby})`);
    if (candidates.length > 0 && !storageOf(catalog)) notes.push('managed PostgreSQL storage beyond the plan is not in the catalog (not priced)');
  }
  if (candidates.length === 0) {
    if (options.managed === 'prefer') notes.push(managed ? 'no managed PostgreSQL offer passes the CPU filters (--dedicated-cpu, burstable offers left out), takes the standbys asked for, or has the HA price it needs: PostgreSQL is self-hosted on servers (flagged)' : 'no managed PostgreSQL in the catalog: PostgreSQL is self-hosted on servers (flagged)');
    for (const server of eligibleServers(catalog, options)) {
      const usableRam = (server.memoryGiB - a.nodeOverheadGiB) * GiB;
      if (usableRam <= 0) continue;
      const partitions = Math.max(1, Math.ceil(postgres.coresAtTarget / server.vcpu), Math.ceil(postgres.ramBytes / usableRam));
      const nodes = partitions * (1 + a.dbStandby + a.dbReadReplicas);
      const unit = monthly(server.price, catalog.hoursPerMonth);
      const extra: BomLine[] = [];
      const block = catalog.storage.block;
      if (block) {
        // each node keeps a full copy of its partition
        const gb = storageGB * (1 + a.dbStandby + a.dbReadReplicas);
        extra.push(line(catalog, options, {
          tier: 'storage', item: 'database volumes', type: block.note ?? 'block storage', count: Math.ceil(gb), unitMonthly: block.figure, monthly: gb * block.figure, utilizationAtPeak: null,
          detail: `${storageGB.toFixed(0)} GB per copy × ${1 + a.dbStandby + a.dbReadReplicas} copies (data ${fmtGiB(postgres.dataBytes)} with indexes, WAL ${a.walGiB} GiB)`,
          sources: [block.source], flags: priceFlags(block, catalog),
        }));
      }
      const c = candidate(server.type, line(catalog, options, {
        tier: 'postgres', item: 'self-hosted PostgreSQL', type: server.type, count: nodes, unitMonthly: unit, monthly: unit * nodes,
        utilizationAtPeak: postgres.coresAtTarget > 0 ? postgres.busyCores / (partitions * server.vcpu) : null,
        detail: `${server.vcpu} vCPU / ${server.memoryGiB} GiB; ${partitions} primary(ies) + ${a.dbStandby} standby each${a.dbReadReplicas ? ` + ${a.dbReadReplicas} replica(s)` : ''}; hot set ${fmtGiB(postgres.hotBytes)} needs ${fmtGiB(postgres.ramBytes)} RAM${block ? '' : '; data on the local disk (volumes not in the catalog)'}`,
        sources: [server.price.source],
        flags: [...priceFlags(server.price, catalog), 'self-hosted', ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : [])],
      }), extra);
      // Standbys and replicas are charged as if as busy as their primary: an upper bound.
      candidates.push({ ...withCredits(catalog, options, a, server, c, postgres.coresAtTarget > 0 ? postgres.busyCores / (partitions * server.vcpu) : null), partitions });
    }
  }
  flagPartitions(candidates, catalog.currency);
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no offer can hold the PostgreSQL tier`);
  return { best: ranked[0]!, runnersUp: ranked.slice(1, 4), notes, all: ranked };
}

function storageOf(catalog: Catalog): Price | undefined {
  return catalog.storage.databaseHa ?? catalog.storage.database;
}

function planLoadBalancer(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): { lines: BomLine[]; notes: string[] } {
  const notes: string[] = [];
  const { lb } = needs;
  const elastic = catalog.loadBalancers.find((l) => l.kind === 'lcu' && l.lcu && l.lcuPrice);
  if (elastic && elastic.lcu && elastic.lcuPrice) {
    const dims = elastic.lcu;
    const ruleEvaluations = workload.peakRps * Math.max(0, a.lbRules - dims.freeRules);
    const lcuByDimension = {
      'new connections': lb.newConnectionsPerSecond / dims.newConnectionsPerSecond,
      'active connections': lb.activeConnections / dims.activeConnectionsPerMinute,
      'processed bytes': (lb.processedBytesPerSecond * 3600) / GB / dims.processedGBPerHour,
      'rule evaluations': ruleEvaluations / dims.ruleEvaluationsPerSecond,
    };
    const [driver, peakLcu] = Object.entries(lcuByDimension).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    const averageLcu = peakLcu * workload.averageToPeak;
    const hours = catalog.hoursPerMonth;
    const base = monthly(elastic.price, hours);
    const lcuCost = averageLcu * hours * elastic.lcuPrice.figure;
    return {
      notes,
      lines: [
        line(catalog, options, {
          tier: 'lb', item: 'load balancer', type: elastic.type, count: 1, unitMonthly: base, monthly: base, utilizationAtPeak: null,
          detail: 'hourly charge', sources: [elastic.price.source], flags: priceFlags(elastic.price, catalog),
        }),
        line(catalog, options, {
          tier: 'lb', item: 'load balancer capacity units', type: 'LCU-hours', count: Math.round(averageLcu * hours), unitMonthly: elastic.lcuPrice.figure, monthly: lcuCost, utilizationAtPeak: null,
          detail: `peak ${peakLcu.toFixed(1)} LCU driven by ${driver} (${Object.entries(lcuByDimension).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}); mean ${averageLcu.toFixed(1)} LCU`,
          sources: [elastic.lcuPrice.source], flags: priceFlags(elastic.lcuPrice, catalog),
        }),
      ],
    };
  }
  const nodesOffers = catalog.loadBalancers.filter((l) => l.kind === 'per-node');
  const candidates = nodesOffers.map((offer) => {
    const capacity = (offer.maxConnections ?? Infinity) * a.targetUtilization;
    const count = Math.max(1, Math.ceil(lb.activeConnections / capacity));
    const unit = monthly(offer.price, catalog.hoursPerMonth);
    return { offer, count, unit, monthly: count * unit };
  }).sort((x, y) => x.monthly - y.monthly);
  const best = candidates[0];
  if (!best) {
    notes.push('no load balancer in the catalog: not priced');
    return { lines: [], notes };
  }
  const flags = priceFlags(best.offer.price, catalog);
  if (best.count > 1 && nodesOffers.length === 1 && catalog.provider === 'hetzner') flags.push('several LB11 behind DNS: larger types not priced');
  return {
    notes,
    lines: [
      line(catalog, options, {
        tier: 'lb', item: 'load balancer', type: best.offer.type, count: best.count, unitMonthly: best.unit, monthly: best.monthly,
        utilizationAtPeak: best.offer.maxConnections ? lb.activeConnections / (best.count * best.offer.maxConnections) : null,
        detail: `${integer.format(lb.activeConnections)} connections at peak${best.offer.maxConnections ? `, ${integer.format(best.offer.maxConnections)} per node` : ''}`,
        sources: [best.offer.price.source], flags,
      }),
    ],
  };
}

/** Bytes in one "TB" of a server's included transfer: 1,000 GiB where the catalog says so (DigitalOcean), else 10^12. */
function allowanceBytesPerTB(catalog: Catalog): number {
  return catalog.transfer.allowanceGiBPerTB ? catalog.transfer.allowanceGiBPerTB * GiB : TB;
}

function bytesPerUnit(unit: string): number {
  const period = unit.split('/')[1];
  return period === 'TB' ? TB : period === 'GiB' ? GiB : GB;
}

function planEgress(catalog: Catalog, needs: Needs, includedTB: number, options: PlanOptions): { lines: BomLine[]; notes: string[] } {
  const notes: string[] = [];
  const bytes = needs.egress.monthlyBytes;
  const { transfer } = catalog;
  if (transfer.tiers.length > 0) {
    // Tiers follow the whole month's volume; the free allowance (AWS: 100 GB, aggregated across
    // services) comes off the first tier's charge.
    const freeGB = Math.min(transfer.freeGB?.amount ?? 0, bytes / GB);
    let remainingGB = bytes / GB;
    let previousTB = 0;
    let cost = 0;
    const parts: string[] = [];
    const sources = new Set<string>();
    let last: Price | undefined;
    for (const tierPrice of transfer.tiers) {
      const sizeGB = tierPrice.upToTB === undefined ? Infinity : (tierPrice.upToTB - previousTB) * (TB / GB);
      const used = Math.min(remainingGB, sizeGB);
      if (used > 0) {
        const free = previousTB === 0 ? Math.min(freeGB, used) : 0;
        cost += (used - free) * tierPrice.price.figure;
        parts.push(`${((used - free) / 1000).toFixed(1)} TB × ${tierPrice.price.figure}${free > 0 ? ` (after ${integer.format(free)} GB free)` : ''}`);
        sources.add(tierPrice.price.source);
        if (free > 0 && transfer.freeGB) sources.add(transfer.freeGB.source);
      }
      remainingGB -= used;
      previousTB = tierPrice.upToTB ?? Infinity;
      last = tierPrice.price;
    }
    const flags: string[] = [];
    if (remainingGB > 0 && last) {
      cost += remainingGB * last.figure;
      parts.push(`${(remainingGB / 1000).toFixed(1)} TB × ${last.figure} (beyond the catalog's last tier)`);
      flags.push('volume beyond the last priced tier');
    }
    return {
      notes,
      lines: [line(catalog, options, {
        tier: 'egress', item: 'data transfer out', type: 'internet egress', count: Math.round(bytes / GB), unitMonthly: null, monthly: cost, utilizationAtPeak: null,
        detail: `${(bytes / TB).toFixed(1)} TB/month (${needs.egress.bytesPerResponse} B per response): ${parts.join(' + ') || 'none'}`,
        sources: [...sources], flags,
      })],
    };
  }
  if (transfer.overage) {
    const perUnitBytes = bytesPerUnit(transfer.overage.unit);
    const pooled = transfer.includedPerServer ? transfer.pooledAllowance : undefined;
    // Where the catalog says the servers' allowances are pooled and the load balancer's traffic
    // counts against the pool, the pool is credited; otherwise it is shown, not credited (an upper bound).
    const creditBytes = pooled ? Math.min(bytes, includedTB * allowanceBytesPerTB(catalog)) : 0;
    const billable = bytes - creditBytes;
    const cost = (billable / perUnitBytes) * transfer.overage.figure;
    if (transfer.includedPerServer && !pooled && includedTB > 0) {
      notes.push(`egress is priced without the servers' transfer allowance (${includedTB.toFixed(1)} TB in this plan): responses leave through the load balancer, and the catalog has no sourced rule that the servers' allowance covers them`);
    }
    const detail = pooled
      ? `${(bytes / TB).toFixed(1)} TB/month against the account's pooled allowance of ${((includedTB * allowanceBytesPerTB(catalog)) / TB).toFixed(1)} TB (${integer.format((includedTB * allowanceBytesPerTB(catalog)) / GiB)} GiB; load balancer traffic counts against it): ${(billable / TB).toFixed(1)} TB billable × ${transfer.overage.figure} ${transfer.overage.unit}`
      : `${(bytes / TB).toFixed(1)} TB/month × ${transfer.overage.figure} ${transfer.overage.unit}${transfer.includedPerServer ? ` (servers' allowance of ${includedTB.toFixed(1)} TB not credited)` : ''}`;
    return {
      notes,
      lines: [line(catalog, options, {
        tier: 'egress', item: 'data transfer out', type: 'internet egress', count: Math.round(bytes / GB), unitMonthly: null, monthly: cost, utilizationAtPeak: null,
        detail,
        sources: [...new Set([transfer.overage.source, ...(pooled ? [pooled.source] : [])])], flags: priceFlags(transfer.overage, catalog),
      })],
    };
  }
  notes.push('no transfer price in the catalog: egress not priced');
  return { lines: [], notes };
}

function planMonitoring(catalog: Catalog, servers: number, a: Assumptions, options: PlanOptions): BomLine[] {
  const m = catalog.monitoring;
  if (!m) return [];
  const metrics = servers * a.cwMetricsPerServer;
  const alarms = servers * a.cwAlarmsPerServer;
  const free = m.freeTier ?? { metrics: 0, alarms: 0, dashboards: 0 };
  const billed = { metrics: Math.max(0, metrics - free.metrics), alarms: Math.max(0, alarms - free.alarms), dashboards: Math.max(0, a.cwDashboards - free.dashboards) };
  const cost = billed.metrics * m.metric.figure + billed.alarms * m.alarm.figure + billed.dashboards * m.dashboard.figure;
  return [line(catalog, options, {
    tier: 'monitoring', item: 'monitoring', type: 'CloudWatch', count: metrics, unitMonthly: m.metric.figure, monthly: cost, utilizationAtPeak: null,
    detail: `${metrics} custom metrics, ${alarms} alarms, ${a.cwDashboards} dashboard(s) for ${servers} servers${m.freeTier ? `; free tier ${free.metrics} metrics, ${free.alarms} alarms, ${free.dashboards} dashboards: ${billed.metrics} metrics, ${billed.alarms} alarms, ${billed.dashboards} dashboard(s) billed` : ''}`,
    sources: [...new Set([m.metric.source, m.alarm.source, m.dashboard.source, ...(m.freeTier ? [m.freeTier.source] : [])])], flags: [],
  })];
}

function isServerLine(l: BomLine): boolean {
  return (l.tier === 'app' && l.item !== CREDIT_ITEM) || l.item.startsWith('self-hosted');
}

/** Every server carries the catalog's per-server charges (Hetzner's primary IPv4): added to its line. */
function withPerServerCharges(catalog: Catalog, options: PlanOptions, c: Candidate): Candidate {
  if (catalog.perServer.length === 0 || !isServerLine(c.line)) return c;
  const each = catalog.perServer.reduce((sum, charge) => sum + monthly(charge.price, catalog.hoursPerMonth), 0);
  const main = c.line;
  const charged = line(catalog, options, {
    ...main,
    unitMonthly: (main.unitMonthly ?? 0) + each,
    monthly: main.monthly + each * main.count,
    detail: `${main.detail}; each server incl. ${catalog.perServer.map((charge) => `${charge.item} ${charge.price.figure} ${charge.price.unit}`).join(', ')}`,
    sources: [...new Set([...main.sources, ...catalog.perServer.map((charge) => charge.price.source)])],
  });
  return { ...c, line: charged, monthly: c.monthly + each * main.count };
}

/**
 * The app tier's candidates: planApp's choice and runners-up, and every other server type it can
 * carry the tier on (planApp asked one type at a time), so the bill can choose among all of them.
 */
function appCandidates(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): TierPlan {
  const whole = planApp(catalog, needs, workload, a, options);
  const all = [whole.best, ...whole.runnersUp];
  for (const server of eligibleServers(catalog, options)) {
    if (all.some((c) => c.type === server.type)) continue;
    try {
      all.push(planApp({ ...catalog, servers: [server] }, needs, workload, a, options).best);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return { ...whole, all: rank(all) };
}

interface Bill {
  lines: BomLine[];
  notes: string[];
  total: number;
}

/** The whole bill for one choice per tier: the tiers, the load balancer, egress after allowances, monitoring. */
function billFor(catalog: Catalog, needs: Needs, a: Assumptions, options: PlanOptions, picked: readonly Candidate[], lb: { lines: BomLine[] }): Bill {
  const serverByType = new Map(catalog.servers.map((s) => [s.type, s]));
  let chosen = [...picked];
  const serverLines = chosen.map((c) => c.line).filter(isServerLine);
  let includedTB = serverLines.reduce((sum, l) => sum + l.count * (serverByType.get(l.type)?.includedTransferTB ?? 0), 0);
  const spare = transferServers(catalog, needs, chosen[0]!, includedTB, options);
  if (spare) {
    chosen = [spare.app, ...chosen.slice(1)];
    includedTB += spare.addedTB;
  }
  const egress = planEgress(catalog, needs, includedTB, options);
  const servers = chosen.map((c) => c.line).filter(isServerLine).reduce((sum, l) => sum + l.count, 0) + (spare?.extraLine?.count ?? 0);
  const lines = [...chosen.flatMap((c) => [c.line, ...(c.extraLines ?? [])]), ...lb.lines, ...(spare?.extraLine ? [spare.extraLine] : []), ...egress.lines, ...planMonitoring(catalog, servers, a, options)];
  return { lines, notes: egress.notes, total: lines.reduce((s, l) => s + l.monthly, 0) };
}

/**
 * Where the servers' transfer allowances are pooled and a server costs less than the overage its
 * allowance saves, servers are the cheaper way to carry the traffic: the plan buys the fewest
 * dollars of them (more app servers when the app type is among the cheapest per TB, else a line of
 * the cheapest droplets, flagged). Without this the bill would fall each time a tier happened to
 * need one more server, so a larger audience could cost less.
 */
function transferServers(catalog: Catalog, needs: Needs, app: Candidate, includedTB: number, options: PlanOptions): { app: Candidate; extraLine?: BomLine; addedTB: number } | undefined {
  const { transfer } = catalog;
  if (!transfer.includedPerServer || !transfer.pooledAllowance || !transfer.overage) return undefined;
  // In the catalog's allowance "TB" (1,000 GiB on DigitalOcean), like includedTransferTB.
  const perTBBytes = allowanceBytesPerTB(catalog);
  const deficitTB = needs.egress.monthlyBytes / perTBBytes - includedTB;
  if (deficitTB <= 0) return undefined;
  const overagePerTB = transfer.overage.figure * (perTBBytes / bytesPerUnit(transfer.overage.unit));
  const perServerCharge = catalog.perServer.reduce((sum, charge) => sum + monthly(charge.price, catalog.hoursPerMonth), 0);
  const perTB = (s: ServerOffer) => (monthly(s.price, catalog.hoursPerMonth) + perServerCharge) / (s.includedTransferTB ?? 0);
  const fillers = eligibleServers(catalog, options).filter((s) => (s.includedTransferTB ?? 0) > 0).sort((x, y) => perTB(x) - perTB(y) || x.type.localeCompare(y.type));
  const cheapest = fillers[0];
  if (!cheapest || perTB(cheapest) >= overagePerTB) return undefined;
  const appOffer = fillers.find((s) => s.type === app.line.type);
  const filler = appOffer && perTB(appOffer) <= perTB(cheapest) + 1e-9 ? appOffer : cheapest;
  const allowanceTB = filler.includedTransferTB!;
  const unit = monthly(filler.price, catalog.hoursPerMonth) + perServerCharge;
  let extra = Math.floor(deficitTB / allowanceTB);
  if ((deficitTB - extra * allowanceTB) * overagePerTB > unit) extra += 1;
  if (extra === 0) return undefined;
  const why = `${allowanceTB} TB of pooled transfer each, which costs less than the ${transfer.overage.figure} ${transfer.overage.unit} overage it saves`;
  if (filler === appOffer) {
    const main = app.line;
    const count = main.count + extra;
    const grown = line(catalog, options, {
      ...main,
      count,
      monthly: (main.unitMonthly ?? unit) * count,
      utilizationAtPeak: main.utilizationAtPeak === null ? null : (main.utilizationAtPeak * main.count) / count,
      detail: `${main.detail}; + ${extra} more for their transfer (${why})`,
    });
    return { app: { ...app, count, line: grown, monthly: app.monthly + unit * extra }, addedTB: extra * allowanceTB };
  }
  const extraLine = line(catalog, options, {
    tier: 'egress', item: 'servers for transfer', type: filler.type, count: extra, unitMonthly: unit, monthly: unit * extra, utilizationAtPeak: null,
    detail: `${extra} × ${filler.type} bought for their ${why}; they can run more app processes`,
    sources: [...new Set([filler.price.source, transfer.pooledAllowance.source])],
    flags: ['bought for transfer'],
  });
  return { app, extraLine, addedTB: extra * allowanceTB };
}

/**
 * The bill of materials of one provider. Each tier's offer is chosen by the total it makes the
 * bill, not by its own price: per-server charges, storage minimums, transfer allowances and
 * per-server monitoring move with the choice. One tier at a time, the others held, until no
 * choice changes (a few rounds; each round can only lower the total).
 */
export function planProvider(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions, withRunnersUp = true): ProviderPlan {
  const effective: PlanOptions = { ...options, includeBurstable: options.includeBurstable ?? a.burstableForPeak >= 1 };
  const tiers = [
    appCandidates(catalog, needs, workload, a, effective),
    planRedis(catalog, needs, a, effective),
    planPostgres(catalog, needs, a, effective),
  ].map((tier) => ({ ...tier, all: tier.all.map((c) => withPerServerCharges(catalog, effective, c)) }));
  const lb = planLoadBalancer(catalog, needs, workload, a, effective);
  const chosen = tiers.map((tier) => tier.all[0]!);
  let bill = billFor(catalog, needs, a, effective, chosen, lb);
  for (let round = 0; round < 5; round++) {
    let changed = false;
    tiers.forEach((tier, index) => {
      for (const option of tier.all) {
        if (option === chosen[index]) continue;
        const trial = chosen.map((c, i) => (i === index ? option : c));
        const trialBill = billFor(catalog, needs, a, effective, trial, lb);
        if (trialBill.total < bill.total - 1e-9) {
          chosen[index] = option;
          bill = trialBill;
          changed = true;
        }
      }
    });
    if (!changed) break;
  }
  const notes = [...tiers.flatMap((tier) => tier.notes), ...lb.notes, ...bill.notes];
  const burstable = [...catalog.servers, ...catalog.managedCaches, ...catalog.managedPostgres].filter((offer) => offer.cpu === 'burstable');
  const unpriced = burstable.filter((offer) => !hasCreditModel(catalog, offer)).map((offer) => offer.type);
  if (!effective.includeBurstable && !effective.dedicatedCpuOnly && unpriced.length > 0) {
    const why = catalog.cpuCreditSurplus ? 'the catalog has no sourced CPU-credit baseline for them' : 'the catalog has no sourced surplus-credit price';
    notes.push(`burstable offers left out of peak sizing (${[...new Set(unpriced)].join(', ')}): sized for the peak at ${(a.targetUtilization * 100).toFixed(0)} % they may run above their CPU-credit baseline, and ${why}, so their credit charge cannot be priced; --set burstableForPeak=1 includes them (credit charges not priced)`);
  }
  const serverByType = new Map(catalog.servers.map((s) => [s.type, s]));
  const app = chosen[0]!;
  const connections = app.count * (serverByType.get(app.type)?.vcpu ?? 1) * a.dbPoolPerProcess;
  if (connections > a.dbMaxConnections) {
    notes.push(`${connections} app connections (processes × pool ${a.dbPoolPerProcess}) exceed max_connections ${a.dbMaxConnections}: put a pooler (PgBouncer, transaction mode) in front of PostgreSQL`);
  }
  // Runners-up: per tier, the next offers by the bill they would make, the others held.
  const tierNames = ['app', 'redis', 'postgres'];
  const runnersUp: RunnerUp[] = !withRunnersUp ? [] : tiers.flatMap((tier, index) =>
    tier.all
      .filter((c) => c !== chosen[index])
      .map((c) => ({ c, total: billFor(catalog, needs, a, effective, chosen.map((x, i) => (i === index ? c : x)), lb).total }))
      .sort((x, y) => x.total - y.total || x.c.monthly - y.c.monthly)
      .slice(0, 3)
      .map(({ c, total }) => ({ tier: tierNames[index]!, type: c.type, count: c.count, monthly: c.monthly, monthlyUsd: usd(catalog, c.monthly, effective), billMonthlyUsd: usd(catalog, total, effective) })),
  );
  return { lines: bill.lines, runnersUp, totalMonthly: bill.total, notes };
}
