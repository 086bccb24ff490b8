import { formatDuration } from './duration.js';
import type { Plan, PlanRequest, PlanVariable } from './types.js';

/** `capacity plan` output, pure: the stages as a table and as a small text chart over time. */

const BARS = ' ▁▂▃▄▅▆▇█';

/** The target over time as one line of block characters, `width` columns for the whole run. */
export function stageSparkline(plan: Plan, width = 60): string {
  if (plan.totalDurationS <= 0 || plan.peakTarget <= 0) return '';
  const columns: string[] = [];
  for (let column = 0; column < width; column += 1) {
    const t = ((column + 0.5) / width) * plan.totalDurationS;
    const value = targetAt(plan, t);
    const level = Math.round((value / plan.peakTarget) * (BARS.length - 1));
    columns.push(BARS[Math.max(0, Math.min(BARS.length - 1, level))] ?? ' ');
  }
  return columns.join('');
}

/** Planned rate (open) or users (closed) at second t: linear within each stage. */
export function targetAt(plan: Plan, t: number): number {
  let from = plan.startTarget;
  let elapsed = 0;
  for (const stage of plan.stages) {
    if (t <= elapsed + stage.durationS) {
      const fraction = stage.durationS === 0 ? 1 : (t - elapsed) / stage.durationS;
      return from + (stage.target - from) * fraction;
    }
    elapsed += stage.durationS;
    from = stage.target;
  }
  return from;
}

function pad(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd());
}

/** `memory`: one line per engine with the load generator's estimated memory (src/engines/memory.ts).
 * `adaptations`: "engine: what was changed to fit it" (or why it refuses the plan), one per line. */
export function formatPlan(plan: Plan, extra: { engine?: string; source?: string; memory?: string[]; adaptations?: string[] } = {}): string {
  const unit = plan.model === 'open' ? 'req/s' : 'users';
  const lines: string[] = [];
  lines.push(`plan: ${plan.scenario}${extra.source ? `  (${extra.source})` : ''}`);
  lines.push(`  target     ${plan.baseUrl}`);
  if (extra.engine) lines.push(`  engine     ${extra.engine}`);
  (extra.memory ?? []).forEach((line, index) => lines.push(`  ${index === 0 ? 'memory' : ''.padEnd(6)}     ${line}`));
  lines.push(
    `  model      ${plan.model === 'open' ? 'open (arrival rate)' : `closed (users, think time ${plan.thinkTimeS}s)`}, peak ${plan.peakTarget.toLocaleString('en-US')} ${unit}, ` +
      `up to ${plan.maxUsers.toLocaleString('en-US')} users, ${formatDuration(plan.totalDurationS)} in all, interval ${plan.intervalS}s`,
  );
  lines.push('', '  stages');
  let elapsed = 0;
  let from = plan.startTarget;
  const stageRows = [['    #', 'name', 'from', 'to', 'duration', 'at']];
  plan.stages.forEach((stage, index) => {
    stageRows.push([
      `    ${index + 1}`,
      stage.name ?? '',
      `${from.toLocaleString('en-US')}`,
      `${stage.target.toLocaleString('en-US')} ${unit}`,
      formatDuration(stage.durationS),
      `${formatDuration(elapsed)}–${formatDuration(elapsed + stage.durationS)}`,
    ]);
    elapsed += stage.durationS;
    from = stage.target;
  });
  lines.push(...pad(stageRows));
  lines.push('', `  ${unit} over time (peak ${plan.peakTarget.toLocaleString('en-US')})`, `  │${stageSparkline(plan)}│`, `  0${' '.repeat(58)}${formatDuration(plan.totalDurationS)}`);
  const totalWeight = plan.requests.reduce((sum, request) => sum + request.weight, 0);
  // A request is signed in when it uses what the sign-in captured (or, in older plans, said auth).
  const captured = (plan.auth?.login.captures ?? []).map((capture) => capture.variable);
  const usesSignIn = (request: PlanRequest): boolean =>
    request.auth === true || captured.some((name) => JSON.stringify([request.path, request.query, request.headers, request.body]).includes(`{{${name}`));
  lines.push('', plan.flow ? '  user flow (each user, in order)' : '  request mix');
  lines.push(
    ...pad([
      ['    name', plan.flow ? 'step' : 'share', 'method', 'path', 'signed in'],
      ...plan.requests.map((request, index) => [
        `    ${request.name}`,
        plan.flow ? `${index + 1}` : `${((request.weight / totalWeight) * 100).toFixed(1)} %`,
        request.method,
        request.path,
        usesSignIn(request) ? 'yes' : '',
      ]),
    ]),
  );
  if (plan.auth) {
    const login = plan.auth.login;
    lines.push('', `  sign-in    ${login.method} ${login.path}, ${plan.auth.per === 'pool' ? `a pool of ${Math.max(1, Math.min(plan.auth.poolSize, plan.maxUsers))} before the load` : 'once per virtual user (again after a 401)'}; captures ${captured.join(', ') || 'nothing'}`);
  }
  if (plan.variables && plan.variables.length > 0) {
    // Secrets are named by their environment variable, never shown: the plan holds no value of theirs.
    const describe = (variable: PlanVariable): string => {
      if (variable.kind === 'literal') return JSON.stringify(variable.value);
      if (variable.kind === 'list') return `one of ${variable.values.length}`;
      if (variable.kind === 'range') return `${variable.low}..${variable.high}${variable.order === 'sequential' ? ' in order' : ''}`;
      if (variable.kind === 'uuid') return 'uuid';
      if (variable.kind === 'env') return `secret from $${variable.env}`;
      return `${variable.format.toUpperCase()} rows of ${variable.file} (${variable.order})`;
    };
    lines.push('', '  variables');
    lines.push(...pad(plan.variables.map((variable) => [`    ${variable.name}`, describe(variable)])));
  }
  lines.push('', '  SLOs');
  if (plan.slos.length === 0) lines.push('    none');
  for (const slo of plan.slos) lines.push(`    ${slo.name}`);
  if (plan.failover) {
    lines.push('', `  failover   stop ${plan.failover.instance} at ${formatDuration(plan.failover.atS)}, start it again at ${formatDuration(plan.failover.restoreAtS)}`);
  }
  if (extra.adaptations && extra.adaptations.length > 0) {
    lines.push('', '  adapted to the engine');
    for (const line of extra.adaptations) lines.push(`    ${line}`);
  }
  return lines.join('\n') + '\n';
}
