/** The regression gate: pure statistics and decisions; files.ts is its only I/O. */
export { evaluateGate, DEFAULT_GATE_OPTIONS, GATE_METRICS } from './evaluate.js';
export type { GateMetric, GateOptions, GateReport, MetricVerdict, MetricOutcome } from './evaluate.js';
export { buildBaseline, BaselineFile } from './baseline.js';
export { samplesOf, toRunSamples, type RunSamples } from './samples.js';
export { formatGateText, formatGateMarkdown } from './format.js';
export { compareResults, type Comparison } from './compare.js';
export { applyGate, type ApplyGateInput, type ApplyGateOutput } from './apply.js';
export { loadBaseline, writeBaselineFile } from './files.js';
