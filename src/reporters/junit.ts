/** JUnit XML: one test suite per run, one test case per SLO, a failure element when it fails. */
import type { RunResult } from '../results/schema.js';
import type { Reporter } from './types.js';
import { sloObserved, sloThreshold } from './summary.js';

export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids are dropped; the five specials are escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function suite(result: RunResult): { xml: string; tests: number; failures: number } {
  const className = `capacity.${result.scenario.name}.${result.engine.name}`;
  const failures = result.slos.filter((slo) => !slo.pass).length;
  const cases = result.slos.map((slo) => {
    const name = escapeXml(`${slo.name}${slo.endpoint ? ` [${slo.endpoint}]` : ''}`);
    const open = `    <testcase classname="${escapeXml(className)}" name="${name}" time="${result.window.durationS.toFixed(3)}"`;
    if (slo.pass) return `${open}>\n      <system-out>${escapeXml(`${slo.metric}: observed ${sloObserved(slo)}, threshold ${sloThreshold(slo)}`)}</system-out>\n    </testcase>`;
    const message = `${slo.metric} observed ${sloObserved(slo)}, threshold ${sloThreshold(slo)}`;
    return `${open}>\n      <failure message="${escapeXml(message)}" type="slo">${escapeXml(`${slo.name}: ${message} (run ${result.id})`)}</failure>\n    </testcase>`;
  });
  const properties = [
    ['run', result.id],
    ['engine', `${result.engine.name} ${result.engine.version}`],
    ['target', result.target.baseUrl],
    ['requests', String(result.totals.requests)],
    ['p95_ms', String(result.totals.latencyMs?.p95 ?? '')],
  ]
    .map(([name, value]) => `      <property name="${escapeXml(name as string)}" value="${escapeXml(value as string)}"/>`)
    .join('\n');
  const xml =
    `  <testsuite name="${escapeXml(className)}" tests="${result.slos.length}" failures="${failures}" errors="0" skipped="0" time="${result.window.durationS.toFixed(3)}" timestamp="${escapeXml(result.window.startedAt)}">\n` +
    `    <properties>\n${properties}\n    </properties>\n` +
    (cases.length > 0 ? `${cases.join('\n')}\n` : '') +
    `  </testsuite>`;
  return { xml, tests: result.slos.length, failures };
}

export function renderJunit(results: readonly RunResult[]): string {
  const suites = results.map(suite);
  const tests = suites.reduce((sum, item) => sum + item.tests, 0);
  const failures = suites.reduce((sum, item) => sum + item.failures, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="capacity" tests="${tests}" failures="${failures}" errors="0">\n${suites.map((item) => item.xml).join('\n')}\n</testsuites>\n`;
}

export const junitReporter: Reporter = {
  format: 'junit',
  description: 'JUnit XML, one test case per SLO',
  printsByDefault: false,
  async render(results) {
    return [{ name: 'junit.xml', content: renderJunit(results) }];
  },
};
