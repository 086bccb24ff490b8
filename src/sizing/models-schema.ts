import { z } from 'zod';
import { CPU_MODEL_KINDS } from '../results/schema.js';

/**
 * The "models" part of the size report: what each model behind the sizing is, measured or
 * assumed, with its error; headroom of the measured hardware; the scalability-limit flag.
 * Kept apart from report-schema.ts so the models can change without touching the bill's schema.
 */
const finite = z.number().finite();
const range = z.object({ low: finite, high: finite });

export const ModelsSection = z.object({
  usl: z.object({
    origin: z.enum(['calibration', 'assumption']),
    sigma: finite,
    kappa: finite,
    lambda: finite,
    nStar: finite.nullable(),
    /** 95 % intervals of the fit; null when assumed or fitted on 3 steps. nStar.high null: unbounded. */
    intervals: z.object({ sigma: range, kappa: range, lambda: range, nStar: z.object({ low: finite.nullable(), high: finite.nullable() }) }).nullable(),
    provenance: z.string().nullable(),
    /** Why the calibration's fit was not used (σ and κ then assumed); null when none was rejected. */
    rejected: z.string().nullable(),
  }),
  cpu: z.array(
    z.object({
      tier: z.string(),
      origin: z.enum(['model', 'single rate']),
      formula: z.string(),
      kind: z.enum(CPU_MODEL_KINDS),
      rateRangeRps: z.tuple([finite, finite]),
      fitError: finite,
      heldOutError: finite.nullable(),
      /** CPU-seconds per request the sizing used for the tier. */
      demandUsedS: finite,
    }),
  ),
  session: z.object({ bytesPerUser: finite, origin: z.enum(['input', 'assumption']), reason: z.string() }),
  headroom: z.object({
    calibrationRps: finite,
    machineCores: z.number().int().nullable(),
    tiers: z.array(
      z.object({
        tier: z.string(),
        instances: z.number().int(),
        coreLimit: finite.nullable(),
        limitReason: z.string(),
        saturationRps: finite.nullable(),
        headroom: finite.nullable(),
        basis: z.enum(['model', 'single rate']),
      }),
    ),
    machine: z.object({ saturationRps: finite.nullable(), includesGenerator: z.boolean(), busiestTierAtLimit: z.string().nullable() }).nullable(),
    /** The first limit the CPU models reach (a tier, or 'machine'): kept beside a USL-based bottleneck for comparison. */
    cpuModelBottleneck: z.object({ limit: z.string(), rateRps: finite }).nullable(),
    /** The calibration's USL fit judged as the stack's limit (src/sizing/headroom.ts uslKnee); null without a fit. */
    usl: z
      .object({
        peakRps: finite.nullable(),
        peakUsers: finite.nullable(),
        highestStepRps: finite,
        gainPerDoubling: finite.nullable(),
        reachedKnee: z.boolean(),
        reason: z.string(),
      })
      .nullable(),
    /** basis 'usl': limit 'stack' at the fit's peak (its steps reached the knee); else the CPU-model limit. */
    bottleneck: z.object({ limit: z.string(), rateRps: finite, basis: z.enum(['usl', 'cpu models']), busiestTier: z.string().nullable() }).nullable(),
    /** What a CPU-model bottleneck misses, when it stands alone. */
    caveat: z.string().nullable(),
  }),
  /** True when some provider's plan is past the USL limit: the app tier is split into cells (exit 0, flagged). */
  scalabilityLimit: z.object({ exceeded: z.boolean(), providers: z.array(z.string()) }),
  /** Model inputs that are assumed rather than measured, by name. */
  assumed: z.array(z.string()),
});

export type ModelsSection = z.infer<typeof ModelsSection>;
