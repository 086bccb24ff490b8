/**
 * `capacity run --k6-script my.js`: the user's own k6 script runs as it is; capacity needs a plan
 * beside it for the result, the reports, the gate and the calibration (stages, model, users). It
 * is read from what `k6 inspect --execution-requirements` says about the script's options. Pure.
 */
import { parseDuration } from '../../scenarios/duration.js';
import type { ScenarioInput } from '../../scenarios/schema.js';

/** The placeholder entry of the mix: a scenario needs one; the script's own requests are what run. */
export const K6_SCRIPT_REQUEST = 'k6-script';
/** k6's own default when a script sets no duration: one iteration; a bound for the plan's clock. */
const UNBOUNDED_FALLBACK_S = 600;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** k6 durations: "30s", "1m30s", "500ms", or a number of milliseconds. */
function seconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1000;
  if (typeof value === 'string') return parseDuration(value);
  return undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

interface Shape {
  model: 'open' | 'closed';
  startTarget: number;
  stages: Array<{ duration: number; target: number }>;
  maxUsers?: number;
}

function stagesOf(list: unknown, perSecond = 1): Array<{ duration: number; target: number }> | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const stages = list.map((stage) => (isRecord(stage) ? { duration: seconds(stage.duration), target: positive(stage.target) } : {}));
  if (stages.some((stage) => stage.duration === undefined || stage.target === undefined)) return undefined;
  return stages.map((stage) => ({ duration: stage.duration as number, target: (stage.target as number) * perSecond }));
}

/** One k6 scenario (executor) as stages; undefined when its executor has no timeline of its own. */
function executorShape(scenario: Json): Shape | undefined {
  const executor = scenario.executor;
  const timeUnitS = seconds(scenario.timeUnit ?? '1s') || 1;
  switch (executor) {
    case 'constant-vus': {
      const vus = positive(scenario.vus) ?? 1;
      const duration = seconds(scenario.duration);
      return duration === undefined ? undefined : { model: 'closed', startTarget: vus, stages: [{ duration, target: vus }], maxUsers: vus };
    }
    case 'ramping-vus': {
      const stages = stagesOf(scenario.stages);
      return stages ? { model: 'closed', startTarget: positive(scenario.startVUs) ?? 1, stages } : undefined;
    }
    case 'constant-arrival-rate': {
      const rate = (positive(scenario.rate) ?? 0) / timeUnitS;
      const duration = seconds(scenario.duration);
      const maxUsers = positive(scenario.maxVUs) ?? positive(scenario.preAllocatedVUs);
      return duration === undefined ? undefined : { model: 'open', startTarget: rate, stages: [{ duration, target: rate }], ...(maxUsers ? { maxUsers } : {}) };
    }
    case 'ramping-arrival-rate': {
      const stages = stagesOf(scenario.stages, 1 / timeUnitS);
      const maxUsers = positive(scenario.maxVUs) ?? positive(scenario.preAllocatedVUs);
      return stages ? { model: 'open', startTarget: (positive(scenario.startRate) ?? 0) / timeUnitS, stages, ...(maxUsers ? { maxUsers } : {}) } : undefined;
    }
    default:
      return undefined;
  }
}

export interface K6ScriptPlan {
  scenario: ScenarioInput;
  /** How the plan was read from the script, for the result's notes. */
  notes: string[];
}

/**
 * The scenario that stands for a k6 script in the result: from `k6 inspect --execution-requirements`
 * output (the script's options, plus totalDuration and maxVUs).
 */
export function k6ScriptScenario(inspected: unknown, options: { scriptName: string; targetUrl: string }): K6ScriptPlan {
  const root = isRecord(inspected) ? inspected : {};
  const notes: string[] = [];
  const totalS = seconds(root.totalDuration);
  const maxVUs = positive(root.maxVUs);
  const scenarios = isRecord(root.scenarios) ? Object.entries(root.scenarios).filter(([, value]) => isRecord(value)) : [];
  let shape: Shape | undefined;
  if (scenarios.length === 1) {
    const [name, scenario] = scenarios[0] as [string, Json];
    shape = executorShape(scenario);
    notes.push(shape ? `plan read from the script's scenario "${name}" (${String(scenario.executor)})` : `the script's scenario "${name}" (${String(scenario.executor)}) has no timeline of its own: the plan holds its ${maxVUs ?? 1} users for its ${totalS ?? UNBOUNDED_FALLBACK_S} s`);
  } else if (scenarios.length > 1) {
    notes.push(`the script has ${scenarios.length} scenarios (${scenarios.map(([name]) => name).join(', ')}): the plan holds their ${maxVUs ?? 1} users for their ${totalS ?? UNBOUNDED_FALLBACK_S} s`);
  } else {
    const stages = stagesOf(root.stages);
    const duration = seconds(root.duration);
    const vus = positive(root.vus) ?? 1;
    if (stages) shape = { model: 'closed', startTarget: vus, stages };
    else if (duration !== undefined) shape = { model: 'closed', startTarget: vus, stages: [{ duration, target: vus }], maxUsers: vus };
    notes.push(shape ? "plan read from the script's stages / vus and duration" : `the script sets no duration: the plan holds ${maxVUs ?? vus} users for ${totalS ?? UNBOUNDED_FALLBACK_S} s (k6's own bound)`);
  }
  if (!shape) {
    const users = Math.max(1, Math.ceil(maxVUs ?? 1));
    const duration = Math.max(1, totalS ?? UNBOUNDED_FALLBACK_S);
    shape = { model: 'closed', startTarget: users, stages: [{ duration, target: users }], maxUsers: users };
  }
  if (shape.model === 'open') notes.push('open model: the script\'s arrival rate counts iterations per second; each iteration may send several requests');
  const peak = Math.max(shape.startTarget, ...shape.stages.map((stage) => stage.target));
  const maxUsers = Math.max(1, Math.ceil(shape.maxUsers ?? maxVUs ?? (shape.model === 'closed' ? peak : Math.max(peak, 1))));
  const stem = options.scriptName.replace(/\.[cm]?[jt]s$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'script';
  return {
    notes,
    scenario: {
      name: `k6-${stem}`.slice(0, 80),
      description: `The user's k6 script ${options.scriptName}, run as it is (its own requests, checks and thresholds).`,
      target: { url: options.targetUrl },
      model: shape.model,
      maxUsers: shape.model === 'closed' ? Math.max(maxUsers, Math.ceil(peak)) : maxUsers,
      startTarget: shape.startTarget,
      stages: shape.stages,
      requests: [{ name: K6_SCRIPT_REQUEST, path: '/' }],
    },
  };
}
