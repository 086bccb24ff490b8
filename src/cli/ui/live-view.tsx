/** The ink view of a running test: progress over the whole plan and the figures of the last interval. */
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { busiestText, cpuPerTier, elapsedS, formatDuration, formatMs, progress, progressBar, sparkline, stageAt, type LiveState } from './state.js';

export interface LiveViewProps {
  state: LiveState;
  /** Terminal width; the bar and the sparkline fit in it. */
  columns: number;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Box width={10}>
        <Text dimColor>{label}</Text>
      </Box>
      <Box>{children}</Box>
    </Box>
  );
}

export function LiveView({ state, columns }: LiveViewProps) {
  const plan = state.plan;
  const heading = state.heading;
  const tick = state.latest;
  const t = elapsedS(state);
  const fraction = progress(state);
  const stage = plan ? stageAt(plan, t) : undefined;
  const barWidth = Math.max(10, Math.min(50, columns - 40));
  const planned = tick?.plannedRps ?? (plan?.model === 'open' ? stage?.planned : undefined);
  const errorRate = state.requests > 0 ? (state.errors / state.requests) * 100 : 0;
  const cpu = cpuPerTier(state);
  const history = state.p95History.slice(-Math.max(10, Math.min(60, columns - 30)));
  return (
    <Box flexDirection="column">
      {plan && heading ? (
        <Text>
          <Text bold>capacity run</Text> {plan.scenario} · {heading.engine}
          {heading.engineVersion ? ` ${heading.engineVersion}` : ''}
          {heading.count > 1 ? ` (${heading.index}/${heading.count})` : ''} → {plan.baseUrl}
        </Text>
      ) : (
        <Text dimColor>waiting for the run to start…</Text>
      )}
      <Box>
        <Text color={state.finished ? (state.finished.verdict === 'pass' ? 'green' : 'red') : 'cyan'}>{progressBar(fraction, barWidth)}</Text>
        <Text>
          {' '}
          {String(Math.round(fraction * 100)).padStart(3)}% {formatDuration(t)} / {formatDuration(plan?.totalDurationS ?? 0)}
        </Text>
        {stage ? (
          <Text>
            {'  '}stage {stage.index + 1}/{stage.count} <Text bold>{stage.name}</Text>
          </Text>
        ) : null}
      </Box>
      {state.phase && !tick && !state.finished ? (
        <Row label="status">
          <Text color="cyan">{state.phase}</Text>
        </Row>
      ) : null}
      <Row label="rate">
        <Text>
          {tick ? tick.achievedRps.toFixed(1) : '–'} req/s achieved
          {planned === undefined ? '' : ` / ${planned.toFixed(1)} planned`}
          {planned && tick ? ` (${Math.round((tick.achievedRps / planned) * 100)} %)` : ''}
        </Text>
      </Row>
      <Row label="latency">
        <Text>
          p50 {formatMs(tick?.latencyMs?.p50)} ms p95 <Text bold>{formatMs(tick?.latencyMs?.p95)} ms</Text> p99 {formatMs(tick?.latencyMs?.p99)} ms
        </Text>
      </Row>
      <Row label="p95 trend">
        <Text color="yellow">{history.length > 1 ? sparkline(history) : '…'}</Text>
        {history.length > 1 ? (
          <Text dimColor>
            {' '}
            {formatMs(Math.min(...history))}–{formatMs(Math.max(...history))} ms
          </Text>
        ) : null}
      </Row>
      <Row label="errors">
        <Text color={state.errors > 0 ? 'red' : undefined}>
          {state.errors} total ({errorRate.toFixed(2)} %), {tick?.errors ?? 0} last interval
        </Text>
      </Row>
      <Row label="users">
        <Text>
          {tick?.activeUsers === undefined ? '–' : Math.round(tick.activeUsers)} active
          {plan?.model === 'closed' && stage ? ` / ${Math.round(stage.planned)} planned` : ''}
        </Text>
      </Row>
      {cpu.length > 0 ? (
        <Row label="server">
          <Text>
            busiest <Text bold>{busiestText(cpu)}</Text>
            {cpu.length > 1 ? ` · ${cpu.slice(1).map((tier) => `${tier.tier} ${tier.cores.toFixed(2)}`).join(' · ')}` : ''}
          </Text>
        </Row>
      ) : null}
      {state.messages.map((message, index) => (
        <Text key={index} dimColor>
          › {message}
        </Text>
      ))}
      {state.finished ? (
        <Text color={state.finished.verdict === 'pass' ? 'green' : 'red'}>
          done: {state.finished.status}, {state.finished.requests} requests, p95 {formatMs(state.finished.p95)} ms, verdict {state.finished.verdict}
        </Text>
      ) : null}
    </Box>
  );
}
