import { stringify } from 'yaml';
import type { Plan, PlanRequest, WorkloadModel } from '../../scenarios/types.js';
import { figure, seconds, stageLabel, sumRequests, translationRefused, wholeCounts, type ImpliedLoad, type ImpliedStage, type Translation } from '../translation.js';
import { arrivalsOf, phaseLoad, stageCandidates, TIMER_PRECISE_RATE, type ArrivalStage, type ArtilleryPhase, type StagePhases } from './phases.js';

/**
 * Plan → Artillery test script. Pure. Stages become phases (see phases.ts for what Artillery
 * accepts); placeholders and tokens are filled by a small processor (processor.ts) in a
 * beforeRequest hook.
 */

/** Closed model: each Artillery virtual user lives this many think times (then a new one arrives). */
export const CLOSED_REQUESTS_PER_VU = 10;
/** The processor the script names; the adapter writes it beside the script. */
export const PROCESSOR_FILE = 'artillery-processor.cjs';

export interface ArtilleryScript {
  config: {
    target: string;
    phases: ArtilleryPhase[];
    http: { timeout: number; maxSockets?: number };
    processor: string;
    plugins: Record<string, unknown>;
    ensure?: Record<string, unknown>;
  };
  scenarios: Array<{ name: string; weight: number; flow: unknown[] }>;
}

export interface ArtilleryConfig {
  script: ArtilleryScript;
  /** For each phase of the script: the plan stage it belongs to, and whether it is the sub-second
   * tail after a whole-second ramp (its rate is not the stage's end rate). */
  phaseStages: Array<{ stage: number; tail?: true }>;
  stageCount: number;
  model: WorkloadModel;
  /** Requests each arrival sends: 1, or the loop of a closed-model virtual user. */
  requestsPerArrival: number;
  /** Closed model: how long a virtual user lives (its loop of requests and think times). */
  userLifetimeS: number;
}

/** One request of the script: the processor's runtime builds it (beforeRequest) and judges its response (afterResponse). */
function requestStep(request: PlanRequest, condition?: string): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    url: request.path,
    name: request.name,
    beforeRequest: 'capacityBefore',
    afterResponse: 'capacityAfter',
    ...(condition ? { ifTrue: condition } : {}),
  };
  return { [request.method.toLowerCase()]: spec };
}

/** What one Artillery virtual user sends: the script's flow, requests per arrival, and lifetime (closed model). */
interface UserShape {
  flow: (entry: PlanRequest) => unknown[];
  requestsPerArrival: number;
  lifetimeS: number;
}

/**
 * Artillery's virtual users live for one arrival. A mix entry: one request (open), or a loop of
 * CLOSED_REQUESTS_PER_VU requests with think time (closed). A flow: one pass through its steps
 * (open), or enough passes for about CLOSED_REQUESTS_PER_VU requests (closed); a per-user sign-in
 * first, and again, once, before a step after a 401 (a conditional step the runtime turns on).
 */
function userShape(plan: Plan): UserShape {
  const login = plan.auth?.per === 'user' ? plan.auth.login : undefined;
  const signInAgain = (step: unknown): unknown[] => (login ? [requestStep(login, 'capacitySignInAgain'), step] : [step]);
  if (!plan.flow) {
    const closed = plan.model === 'closed';
    return {
      flow: (entry) => (closed ? [{ loop: [requestStep(entry), { think: plan.thinkTimeS }], count: CLOSED_REQUESTS_PER_VU }] : [requestStep(entry)]),
      requestsPerArrival: closed ? CLOSED_REQUESTS_PER_VU : 1,
      lifetimeS: plan.thinkTimeS * CLOSED_REQUESTS_PER_VU,
    };
  }
  const steps = plan.requests;
  const passes = plan.model === 'closed' ? Math.max(1, Math.round(CLOSED_REQUESTS_PER_VU / steps.length)) : 1;
  const pass = steps.flatMap((step) => {
    const think = step.thinkTimeS ?? plan.thinkTimeS;
    return [...signInAgain(requestStep(step)), ...(plan.model === 'closed' && think > 0 ? [{ think }] : [])];
  });
  // Closed model: the sign-in is followed by the mean think time, so a user's requests come at
  // users / think time like the plan's (the sign-in counts as one of them).
  const loginThinkS = login && plan.model === 'closed' ? plan.thinkTimeS : 0;
  const flow = [...(login ? [requestStep(login), ...(loginThinkS > 0 ? [{ think: loginThinkS }] : [])] : []), ...(passes > 1 ? [{ loop: pass, count: passes }] : pass)];
  const passThinkS = steps.reduce((sum, step) => sum + (step.thinkTimeS ?? plan.thinkTimeS), 0);
  return { flow: () => flow, requestsPerArrival: passes * steps.length + (login ? 1 : 0), lifetimeS: passes * passThinkS + loginThinkS };
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

/** Arrivals at each stage: requests per second (open), or users / lifetime (closed). */
function arrivalStages(plan: Plan, lifetimeS: number, requestsPerArrival: number): Array<Omit<ArrivalStage, 'whole'>> {
  const perSecond = (target: number): number => (plan.model === 'open' ? target / requestsPerArrival : target / lifetimeS);
  const durationsMs = wholeCounts(plan.stages.map((stage) => stage.durationS * 1000));
  let from = perSecond(plan.startTarget);
  return plan.stages.map((stage, index) => {
    const to = perSecond(stage.target);
    const entry = { durationMs: durationsMs[index] as number, from, to, planned: (stage.durationS * (from + to)) / 2, ...(stage.name ? { name: stage.name } : {}) };
    from = to;
    return entry;
  });
}

/** How far a stage's arrivals may be from the plan's: 1 %, or one arrival (they are whole). */
const slack = (planned: number): number => Math.max(0.01 * planned, 1);

/** The first way of writing the stage that sends its whole number of arrivals (within 0.5 % when
 * Artillery's timer rounds), else the closest one within 1 % of the plan; undefined when none is. */
function bestWritten(candidates: readonly StagePhases[], stage: ArrivalStage): StagePhases | undefined {
  const close = candidates.filter((candidate) => Math.abs(arrivalsOf(candidate.phases) - stage.planned) <= slack(stage.planned));
  const exact = close.find((candidate) => Math.abs(arrivalsOf(candidate.phases) - stage.whole) <= 0.005 * stage.planned);
  return exact ?? close.sort((a, b) => Math.abs(arrivalsOf(a.phases) - stage.whole) - Math.abs(arrivalsOf(b.phases) - stage.whole))[0];
}

/**
 * A stage as phases, aiming at `carried` arrivals (what the plan asks for so far less what was
 * sent), kept within the stage's own slack; then at the stage's own count, rounded either way,
 * when Artillery cannot send that closely enough. A stage planned at 0 stays silent.
 */
function writeStage(planned: Omit<ArrivalStage, 'whole'>, carried: number, unit: string): StagePhases | undefined {
  if (planned.planned <= 0) return bestWritten(stageCandidates({ ...planned, whole: 0 }, unit), { ...planned, whole: 0 });
  const within = Math.min(Math.max(carried, Math.ceil(planned.planned - slack(planned.planned)), 0), Math.floor(planned.planned + slack(planned.planned)));
  for (const whole of new Set([within, Math.round(planned.planned), Math.floor(planned.planned), Math.ceil(planned.planned)])) {
    const stage = { ...planned, whole };
    const written = bestWritten(stageCandidates(stage, unit), stage);
    if (written) return written;
  }
  return undefined;
}

export function translateArtillery(plan: Plan): Translation<ArtilleryConfig> {
  if (plan.auth?.per === 'user' && !plan.flow) {
    throw translationRefused(
      'artillery',
      'sign-in per virtual user with a weighted mix: an Artillery virtual user lives for one request of the mix, so it would sign in before every request',
      'use auth.per: pool, or a flow, or --engine autocannon or k6',
    );
  }
  if (plan.model === 'closed' && plan.thinkTimeS <= 0) {
    throw translationRefused(
      'artillery',
      'the closed model without think time: Artillery has no fixed users (its virtual users arrive at a rate), so a number of users sending back to back cannot be expressed',
      'use --engine k6 or autocannon for this scenario, or give it a thinkTime',
    );
  }
  const shape = userShape(plan);
  const lifetimeS = shape.lifetimeS;
  const unit = plan.model === 'open' ? (shape.requestsPerArrival === 1 ? 'req/s' : 'virtual users/s') : 'virtual users/s';
  const adaptations: string[] = [];
  if (plan.flow) {
    adaptations.push(
      plan.model === 'open'
        ? `flow: each Artillery virtual user makes one pass (${shape.requestsPerArrival} requests${plan.auth?.per === 'user' ? ', its sign-in included' : ''}); they arrive at the planned req/s / ${shape.requestsPerArrival}, and think times are not waited in the open model`
        : `flow: each Artillery virtual user sends ${shape.requestsPerArrival} requests (${Math.max(1, Math.round(CLOSED_REQUESTS_PER_VU / plan.requests.length))} pass(es)${plan.auth?.per === 'user' ? ' after its sign-in' : ''}) over ${seconds(lifetimeS)} of think time, then a new one arrives`,
    );
  } else if (plan.model === 'closed') {
    adaptations.push(
      `closed model: Artillery has no fixed users; virtual users arrive at users / ${lifetimeS} s and each sends ${CLOSED_REQUESTS_PER_VU} requests with ${plan.thinkTimeS} s of think time between them, so about the planned users are active in a steady stage`,
    );
  }
  const phases: ArtilleryPhase[] = [];
  const phaseStages: ArtilleryConfig['phaseStages'] = [];
  // Each stage aims at the planned arrivals so far, rounded, less what the stages before it send
  // (within its own 1 %): what Artillery's rounding adds or drops is made up, never accumulated.
  let plannedSoFar = 0;
  let sentSoFar = 0;
  arrivalStages(plan, lifetimeS, shape.requestsPerArrival).forEach((planned, index) => {
    plannedSoFar += planned.planned;
    if (planned.durationMs <= 0) return;
    const written = writeStage(planned, Math.round(plannedSoFar) - sentSoFar, unit);
    if (!written) {
      throw translationRefused(
        'artillery',
        `${stageLabel(plan, index)}: ${figure(planned.from)}→${figure(planned.to)} ${unit} over ${planned.durationMs / 1000} s cannot be paced by Artillery within 1 % of its ${Math.round(planned.planned)} planned arrivals (its arrival timer ticks in whole microseconds: a stage under 1 s above about ${figure(TIMER_PRECISE_RATE)} a second)`,
        'lengthen the stage to a second or more, lower the rate, or use --engine k6 or autocannon',
      );
    }
    if (written.adaptation) adaptations.push(`${stageLabel(plan, index)}: ${written.adaptation}`);
    for (const phase of written.phases) {
      sentSoFar += phaseLoad(phase).arrivals;
      phases.push(phase);
      phaseStages.push(written.tail?.includes(phase) ? { stage: index, tail: true } : { stage: index });
    }
  });
  if (phases.length === 0) throw translationRefused('artillery', `the plan lasts ${plan.totalDurationS} s: Artillery needs phases of at least a millisecond`, 'lengthen the stages');

  const ensure = artilleryEnsure(plan);
  const scenarios = plan.flow
    ? [{ name: plan.scenario, weight: 1, flow: shape.flow(plan.requests[0] as PlanRequest) }]
    : plan.requests.filter((request) => request.weight > 0).map((request) => ({ name: request.name, weight: request.weight, flow: shape.flow(request) }));
  const script: ArtilleryScript = {
    config: {
      target: plan.baseUrl.replace(/\/$/, ''),
      phases,
      http: { timeout: plan.requestTimeoutS, ...(plan.model === 'open' ? {} : { maxSockets: 1 }) },
      processor: `./${PROCESSOR_FILE}`,
      plugins: { 'metrics-by-endpoint': { useOnlyRequestNames: true } },
      ...(ensure ? { ensure } : {}),
    },
    scenarios,
  };
  return {
    config: { script, phaseStages, stageCount: plan.stages.length, model: plan.model, requestsPerArrival: shape.requestsPerArrival, userLifetimeS: lifetimeS },
    adaptations,
  };
}

/** The script as the adapter writes it. */
export function artilleryScriptText(config: ArtilleryConfig): string {
  return stringify(config.script);
}

/** The load Artillery sends for this configuration, from its phases' own arithmetic. */
export function impliedArtilleryLoad(config: ArtilleryConfig): ImpliedLoad {
  // Arrivals per second, as req/s (open) or as the users they keep active (closed).
  const asRate = (arrivalsPerS: number): number => (config.model === 'open' ? arrivalsPerS * config.requestsPerArrival : arrivalsPerS * config.userLifetimeS);
  const stages: ImpliedStage[] = Array.from({ length: config.stageCount }, (_unused, index) => {
    const loads = config.script.config.phases.map((phase, at) => ({ load: phaseLoad(phase), tail: config.phaseStages[at]?.tail === true, stage: config.phaseStages[at]?.stage })).filter((entry) => entry.stage === index);
    const body = loads.filter((entry) => !entry.tail);
    const first = body[0]?.load;
    const last = body[body.length - 1]?.load;
    if (!first || !last) return { durationS: 0, startRate: 0, endRate: 0, requests: 0 };
    const steps = body.flatMap((entry) => (entry.load.stepS === undefined ? [] : [entry.load.stepS]));
    return {
      durationS: loads.reduce((sum, entry) => sum + entry.load.durationS, 0),
      startRate: asRate(first.startRate),
      endRate: asRate(last.endRate),
      requests: loads.reduce((sum, entry) => sum + entry.load.arrivals, 0) * config.requestsPerArrival,
      ...(steps.length > 0 ? { stepS: Math.min(...steps) } : {}),
    };
  });
  const requests = sumRequests(stages);
  return { model: config.model, ...(requests === undefined ? {} : { requests }), stages, requestUnit: config.requestsPerArrival };
}
