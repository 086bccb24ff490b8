import type { Assumptions } from './assumptions.js';
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

function eligibleServers(catalog: Catalog, options: PlanOptions): ServerOffer[] {
  return catalog.servers.filter((s) => !options.dedicatedCpuOnly || s.cpu === 'dedicated');
}

function fmtGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 2 : 0)} GiB`;
}

function planApp(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): { best: Candidate; runnersUp: Candidate[]; notes: string[] } {
  const notes: string[] = [];
  const { app } = needs;
  const budgetS = (a.sloP95Ms / 1000) * a.appP95Share;
  const candidates: Candidate[] = [];
  for (const server of eligibleServers(catalog, options)) {
    // One app process per vCPU (Node.js is single-threaded); each needs its measured memory.
    const memoryNeed = server.vcpu * app.memoryBytesPerProcess + a.nodeOverheadGiB * GiB;
    if (memoryNeed > server.memoryGiB * GiB) continue;
    let nodes = unitsForCapacity(app.coresAtTarget / server.vcpu, app.usl);
    if (nodes === null) continue;
    nodes = Math.max(nodes, 1);
    // Raise the count until the M/M/c p95 of the CPU queue fits the app's share of the objective.
    let p95 = Infinity;
    for (let guard = 0; guard < 10_000; guard++) {
      const efficiency = uslEfficiency(nodes, app.usl);
      p95 = workload.peakRps > 0 && app.serviceDemandS > 0
        ? mmcResponsePercentile({ servers: nodes * server.vcpu, arrivalRate: workload.peakRps, serviceTimeS: app.serviceDemandS / efficiency }, 0.95)
        : 0;
      if (p95 <= budgetS) break;
      nodes += 1;
    }
    if (!(p95 <= budgetS)) continue;
    const total = Math.max(nodes + a.appSpareNodes, a.appMinNodes);
    const efficiency = uslEfficiency(total, app.usl);
    const utilizationAtPeak = total > 0 ? (app.busyCores / efficiency) / (total * server.vcpu) : 0;
    const unit = monthly(server.price, catalog.hoursPerMonth);
    candidates.push(candidate(server.type, line(catalog, options, {
      tier: 'app',
      item: 'app servers',
      type: server.type,
      count: total,
      unitMonthly: unit,
      monthly: unit * total,
      utilizationAtPeak,
      detail: `${server.vcpu} vCPU / ${server.memoryGiB} GiB; ${nodes} to carry the peak (USL efficiency ${(uslEfficiency(nodes, app.usl) * 100).toFixed(1)} %) + ${total - nodes} spare; M/M/c p95 of the CPU queue ${(p95 * 1000).toFixed(2)} ms ≤ ${(budgetS * 1000).toFixed(0)} ms`,
      sources: [server.price.source],
      flags: [...priceFlags(server.price, catalog), ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : [])],
    })));
  }
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no server type can carry the app tier at ${integer.format(workload.peakRps)} req/s (${needs.app.coresAtTarget.toFixed(1)} cores at target; USL N* = ${app.usl.nStar === null ? '∞' : app.usl.nStar.toFixed(0)} nodes caps the tier; or the memory per process or the p95 budget rules every type out)`);
  return { best: ranked[0]!, runnersUp: ranked.slice(1, 4), notes };
}

function planRedis(catalog: Catalog, needs: Needs, a: Assumptions, options: PlanOptions): { best: Candidate; runnersUp: Candidate[]; notes: string[] } {
  const notes: string[] = [];
  const { redis } = needs;
  const copies = 1 + a.redisReplicas;
  // Redis executes commands on one core: a shard gives at most one core of work.
  const shardsForCpu = Math.max(1, Math.ceil(redis.coresAtTarget));
  const candidates: Candidate[] = [];
  const managed = options.managed === 'prefer' && catalog.managedCaches.length > 0;
  if (managed) {
    for (const offer of catalog.managedCaches) {
      if (options.dedicatedCpuOnly && offer.cpu !== 'dedicated') continue;
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
    if (options.managed === 'prefer') notes.push(managed ? 'no managed Redis/Valkey offer passes the filters (--dedicated-cpu): Redis is self-hosted on servers (flagged)' : 'no sourced managed Redis/Valkey price: Redis is self-hosted on servers (flagged)');
    for (const server of eligibleServers(catalog, options)) {
      const usable = (server.memoryGiB - a.nodeOverheadGiB) * GiB;
      if (usable <= 0) continue;
      const shards = Math.max(shardsForCpu, Math.ceil(redis.memoryBytes / usable));
      const nodes = shards * copies;
      const unit = monthly(server.price, catalog.hoursPerMonth);
      candidates.push(candidate(server.type, line(catalog, options, {
        tier: 'redis', item: 'self-hosted Redis', type: server.type, count: nodes, unitMonthly: unit, monthly: unit * nodes,
        utilizationAtPeak: redis.coresAtTarget > 0 ? redis.busyCores / shards : null,
        detail: `${shards} shard(s) × ${copies} node(s); ${fmtGiB(redis.dataBytes / shards)} of data per shard on ${server.memoryGiB} GiB (sessions ${fmtGiB(redis.sessionBytes)} + cache ${fmtGiB(redis.cacheBytes)}); ${integer.format(redis.opsPerSecond)} ops/s at peak`,
        sources: [server.price.source],
        flags: [...priceFlags(server.price, catalog), 'self-hosted', ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : []), ...(shards > 1 ? ['sharded (Redis Cluster)'] : [])],
      })));
    }
  }
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no offer can hold the Redis tier`);
  return { best: ranked[0]!, runnersUp: ranked.slice(1, 4), notes };
}

function planPostgres(catalog: Catalog, needs: Needs, a: Assumptions, options: PlanOptions): { best: Candidate; runnersUp: Candidate[]; notes: string[] } {
  const notes: string[] = [];
  const { postgres } = needs;
  const candidates: Candidate[] = [];
  const storageGB = postgres.storageBytes / GB;
  const managed = options.managed === 'prefer' && catalog.managedPostgres.length > 0;
  if (managed) {
    for (const offer of catalog.managedPostgres) {
      if (options.dedicatedCpuOnly && offer.cpu !== 'dedicated') continue;
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
        const replicasStorage = storageGB * a.dbReadReplicas * (catalog.storage.database?.figure ?? storagePrice.figure);
        const cost = storageGB * storagePrice.figure + replicasStorage;
        extra.push(line(catalog, options, {
          tier: 'storage', item: 'database storage', type: storagePrice.note ?? 'database storage', count: Math.ceil(storageGB), unitMonthly: storagePrice.figure, monthly: cost, utilizationAtPeak: null,
          detail: `${storageGB.toFixed(0)} GB (data ${fmtGiB(postgres.dataBytes)} with indexes, WAL ${a.walGiB} GiB, filled to ${(a.storageMaxFill * 100).toFixed(0)} %)`,
          sources: [storagePrice.source], flags: priceFlags(storagePrice, catalog),
        }));
      }
      candidates.push(candidate(offer.type, line(catalog, options, {
        tier: 'postgres', item: 'managed PostgreSQL', type: offer.type, count: nodes, unitMonthly: single, monthly: perPartition * partitions,
        utilizationAtPeak: postgres.coresAtTarget > 0 ? postgres.busyCores / (partitions * offer.vcpu) : null,
        detail: `${offer.vcpu} vCPU / ${offer.memoryGiB} GiB; ${partitions} primary(ies) + ${a.dbStandby} standby each${a.dbReadReplicas ? ` + ${a.dbReadReplicas} replica(s)` : ''}; hot set ${fmtGiB(postgres.hotBytes)} needs ${fmtGiB(postgres.ramBytes)} RAM`,
        sources: [...new Set([offer.price.source, ...(offer.haPrice ? [offer.haPrice.source] : [])])],
        flags: [...flags, ...(offer.cpu !== 'dedicated' ? [`${offer.cpu} vCPU`] : []), ...(partitions > 1 ? ['partitioned: no single sourced class is large enough'] : [])],
      }), extra));
    }
    if (candidates.length > 0 && !storageOf(catalog)) notes.push('managed PostgreSQL storage beyond the plan is not in the catalog (not priced)');
  }
  if (candidates.length === 0) {
    if (options.managed === 'prefer') notes.push(managed ? 'no managed PostgreSQL offer passes the filters (--dedicated-cpu) or has the HA price it needs: PostgreSQL is self-hosted on servers (flagged)' : 'no managed PostgreSQL in the catalog: PostgreSQL is self-hosted on servers (flagged)');
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
      candidates.push(candidate(server.type, line(catalog, options, {
        tier: 'postgres', item: 'self-hosted PostgreSQL', type: server.type, count: nodes, unitMonthly: unit, monthly: unit * nodes,
        utilizationAtPeak: postgres.coresAtTarget > 0 ? postgres.busyCores / (partitions * server.vcpu) : null,
        detail: `${server.vcpu} vCPU / ${server.memoryGiB} GiB; ${partitions} primary(ies) + ${a.dbStandby} standby each${a.dbReadReplicas ? ` + ${a.dbReadReplicas} replica(s)` : ''}; hot set ${fmtGiB(postgres.hotBytes)} needs ${fmtGiB(postgres.ramBytes)} RAM${block ? '' : '; data on the local disk (volumes not in the catalog)'}`,
        sources: [server.price.source],
        flags: [...priceFlags(server.price, catalog), 'self-hosted', ...(server.cpu !== 'dedicated' ? [`${server.cpu} vCPU`] : []), ...(partitions > 1 ? ['partitioned'] : [])],
      }), extra));
    }
  }
  const ranked = rank(candidates);
  if (ranked.length === 0) throw new RangeError(`${catalog.provider}: no offer can hold the PostgreSQL tier`);
  return { best: ranked[0]!, runnersUp: ranked.slice(1, 4), notes };
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

function planEgress(catalog: Catalog, needs: Needs, includedTB: number, options: PlanOptions): { lines: BomLine[]; notes: string[] } {
  const notes: string[] = [];
  const bytes = needs.egress.monthlyBytes;
  const { transfer } = catalog;
  if (transfer.tiers.length > 0) {
    let remainingGB = bytes / GB;
    let previousTB = 0;
    let cost = 0;
    const parts: string[] = [];
    const sources = new Set<string>();
    let last: Price | undefined;
    for (const tierPrice of transfer.tiers) {
      const sizeGB = (tierPrice.upToTB - previousTB) * (TB / GB);
      const used = Math.min(remainingGB, sizeGB);
      if (used > 0) {
        cost += used * tierPrice.price.figure;
        parts.push(`${(used / 1000).toFixed(1)} TB × ${tierPrice.price.figure}`);
        sources.add(tierPrice.price.source);
      }
      remainingGB -= used;
      previousTB = tierPrice.upToTB;
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
    const period = transfer.overage.unit.split('/')[1];
    const perUnitBytes = period === 'TB' ? TB : period === 'GiB' ? GiB : GB;
    // Responses leave through the load balancer, whose own allowance is not in the catalog, so the
    // servers' allowances are shown but not credited: an upper bound that cannot fall when a tier
    // picks a different server type.
    const billable = bytes;
    const cost = (billable / perUnitBytes) * transfer.overage.figure;
    if (transfer.includedPerServer && includedTB > 0) {
      notes.push(`egress is priced without the servers' transfer allowance (${includedTB.toFixed(1)} TB in this plan): responses leave through the load balancer, whose allowance is not in the catalog; crediting it would lower the egress line`);
    }
    return {
      notes,
      lines: [line(catalog, options, {
        tier: 'egress', item: 'data transfer out', type: 'internet egress', count: Math.round(bytes / GB), unitMonthly: null, monthly: cost, utilizationAtPeak: null,
        detail: `${(bytes / TB).toFixed(1)} TB/month × ${transfer.overage.figure} ${transfer.overage.unit} (servers' allowance of ${includedTB.toFixed(1)} TB not credited)`,
        sources: [transfer.overage.source], flags: priceFlags(transfer.overage, catalog),
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
  const cost = metrics * m.metric.figure + alarms * m.alarm.figure + a.cwDashboards * m.dashboard.figure;
  return [line(catalog, options, {
    tier: 'monitoring', item: 'monitoring', type: 'CloudWatch', count: metrics, unitMonthly: m.metric.figure, monthly: cost, utilizationAtPeak: null,
    detail: `${metrics} custom metrics, ${alarms} alarms, ${a.cwDashboards} dashboard(s) for ${servers} servers`,
    sources: [...new Set([m.metric.source, m.alarm.source, m.dashboard.source])], flags: [],
  })];
}

/** The bill of materials of one provider: per tier the cheapest offer that meets the need. */
export function planProvider(catalog: Catalog, needs: Needs, workload: Workload, a: Assumptions, options: PlanOptions): ProviderPlan {
  const app = planApp(catalog, needs, workload, a, options);
  const redis = planRedis(catalog, needs, a, options);
  const postgres = planPostgres(catalog, needs, a, options);
  const lb = planLoadBalancer(catalog, needs, workload, a, options);
  const chosen = [app.best, redis.best, postgres.best];
  const serverLines = chosen.map((c) => c.line).filter((l) => l.item.startsWith('app') || l.item.startsWith('self-hosted'));
  const serverByType = new Map(catalog.servers.map((s) => [s.type, s]));
  const includedTB = serverLines.reduce((sum, l) => sum + l.count * (serverByType.get(l.type)?.includedTransferTB ?? 0), 0);
  const egress = planEgress(catalog, needs, includedTB, options);
  const servers = serverLines.reduce((sum, l) => sum + l.count, 0);
  const lines = [
    ...chosen.flatMap((c) => [c.line, ...(c.extraLines ?? [])]),
    ...lb.lines,
    ...egress.lines,
    ...planMonitoring(catalog, servers, a, options),
  ];
  const notes = [...app.notes, ...redis.notes, ...postgres.notes, ...lb.notes, ...egress.notes];
  const connections = app.best.count * (serverByType.get(app.best.type)?.vcpu ?? 1) * a.dbPoolPerProcess;
  if (connections > a.dbMaxConnections) {
    notes.push(`${connections} app connections (processes × pool ${a.dbPoolPerProcess}) exceed max_connections ${a.dbMaxConnections}: put a pooler (PgBouncer, transaction mode) in front of PostgreSQL`);
  }
  const runnersUp: RunnerUp[] = [
    ...app.runnersUp.map((c) => ({ tier: 'app', c })),
    ...redis.runnersUp.map((c) => ({ tier: 'redis', c })),
    ...postgres.runnersUp.map((c) => ({ tier: 'postgres', c })),
  ].map(({ tier, c }) => ({ tier, type: c.type, count: c.count, monthly: c.monthly, monthlyUsd: usd(catalog, c.monthly, options) }));
  return { lines, runnersUp, totalMonthly: lines.reduce((s, l) => s + l.monthly, 0), notes };
}
