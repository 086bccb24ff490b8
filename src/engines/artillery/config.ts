import { stringify } from 'yaml';
import type { Plan, PlanRequest } from '../../scenarios/types.js';

/**
 * Pure translation of a Plan into an Artillery test script (YAML). Placeholders and tokens are
 * filled by a small processor (processor.ts) in a beforeRequest hook.
 */

/** Closed model: each Artillery virtual user lives this many think times (then a new one arrives). */
export const CLOSED_REQUESTS_PER_VU = 10;

type Phase = { name?: string; duration: number; arrivalRate?: number; rampTo?: number; pause?: number };

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Arrival rate of new virtual users for a target: req/s (open), or users / lifetime (closed). */
export function arrivalRateFor(plan: Plan, target: number): number {
  if (plan.model === 'open') return round2(target);
  const lifetime = Math.max(plan.thinkTimeS, 0.001) * CLOSED_REQUESTS_PER_VU;
  return round2(target / lifetime);
}

export function artilleryPhases(plan: Plan): Phase[] {
  const phases: Phase[] = [];
  let from = plan.startTarget;
  for (const stage of plan.stages) {
    const start = arrivalRateFor(plan, from);
    const end = arrivalRateFor(plan, stage.target);
    const name = stage.name ? { name: stage.name } : {};
    if (start === 0 && end === 0) phases.push({ ...name, pause: stage.durationS, duration: stage.durationS });
    else if (start === end) phases.push({ ...name, duration: stage.durationS, arrivalRate: start });
    else phases.push({ ...name, duration: stage.durationS, arrivalRate: start, rampTo: end });
    from = stage.target;
  }
  // Artillery takes `pause` phases without duration.
  return phases.map((phase) => (phase.pause !== undefined ? { ...(phase.name ? { name: phase.name } : {}), pause: phase.pause } as Phase : phase));
}

function requestStep(request: PlanRequest): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    url: request.path,
    name: request.name,
    beforeRequest: request.auth ? 'capacityFillAuth' : 'capacityFill',
  };
  if (request.body !== undefined) spec['json'] = request.body;
  return { [request.method.toLowerCase()]: spec };
}

export function artilleryEnsure(plan: Plan): Record<string, unknown> | undefined {
  const thresholds: Record<string, number>[] = [];
  let maxErrorRate: number | undefined;
  for (const slo of plan.slos) {
    if (slo.metric === 'errorRate' && !slo.endpoint) maxErrorRate = slo.threshold * 100;
    if (slo.metric === 'errorRate' || slo.metric === 'minRps') continue;
    const metric = slo.endpoint ? `plugins.metrics-by-endpoint.response_time.${slo.endpoint}` : 'http.response_time';
    const stat = slo.metric === 'p50' ? 'median' : slo.metric;
    thresholds.push({ [`${metric}.${stat}`]: slo.threshold });
  }
  if (thresholds.length === 0 && maxErrorRate === undefined) return undefined;
  return { ...(thresholds.length > 0 ? { thresholds } : {}), ...(maxErrorRate === undefined ? {} : { maxErrorRate }) };
}

export function artilleryScript(plan: Plan, processorFile: string): string {
  const ensure = artilleryEnsure(plan);
  const scenarios = plan.requests
    .filter((request) => request.weight > 0)
    .map((request) => {
      const step = requestStep(request);
      const flow =
        plan.model === 'closed'
          ? [{ loop: [step, ...(plan.thinkTimeS > 0 ? [{ think: plan.thinkTimeS }] : [])], count: CLOSED_REQUESTS_PER_VU }]
          : [step];
      return { name: request.name, weight: request.weight, flow };
    });
  const document = {
    config: {
      target: plan.baseUrl.replace(/\/$/, ''),
      phases: artilleryPhases(plan),
      http: { timeout: plan.requestTimeoutS, ...(plan.model === 'open' ? {} : { maxSockets: 1 }) },
      processor: processorFile,
      plugins: { 'metrics-by-endpoint': { useOnlyRequestNames: true } },
      ...(ensure ? { ensure } : {}),
    },
    scenarios,
  };
  return stringify(document);
}
