import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { COST_RANGES, type BudgetStatus, type CostGroup, type CostRange, type CostReport, type CostTimeline, type SessionCost } from '../../shared/costs';
import { formatCost, formatCount, type SessionTokens } from '../../shared/sessions';
import type { PanelProps, RelayApi } from '../panels/types';
import { CostChart } from './CostChart';
import { activityByAgent, agentLabel, bucketLabel, budgetMeter, RANGE_LABELS } from './costView';

/** GET /api/costs is asked again after the sessions change, at most this often. */
const REFRESH_MS = 1000;

/** Per agent, model and day, the costliest sessions, cost over time and the budgets, from GET /api/costs; asked again when the `sessions` channel moves. */
export function CostsPanel({ data, api }: PanelProps<'sessions'>) {
  const [range, setRange] = useState<CostRange>('24h');
  const { report, problem } = useCostReport(api, data, range);
  if (problem) return <p class="notice notice-error" role="alert">Costs are unavailable: {problem}</p>;
  if (!report) return <p class="muted">Loading costs…</p>;
  const total = report.total;
  const activity = activityByAgent(data?.sessions);
  return (
    <div class="costs" data-testid="costs-panel">
      <p class="muted costs-summary" data-testid="costs-total">
        {total.sessions} {total.sessions === 1 ? 'session' : 'sessions'} · <strong>{formatCost(total.costUsd, total.approximate)}</strong> in total
        {total.unpricedSessions > 0 && ` · ${total.unpricedSessions} without a price`}
      </p>
      <Budgets budgets={report.budgets} />
      <div class="costs-over-time">
        <div class="costs-heading">
          <h3>Cost over time</h3>
          <label>
            Range{' '}
            <select value={range} onChange={(event) => setRange(event.currentTarget.value as CostRange)} data-testid="cost-range">
              {COST_RANGES.map((option) => (
                <option key={option} value={option}>
                  {RANGE_LABELS[option]}
                </option>
              ))}
            </select>
          </label>
        </div>
        {report.timeline.byAgent.length === 0 ? (
          <p class="muted" data-testid="cost-chart-empty">No agent session had its last event in the {RANGE_LABELS[report.timeline.range]}.</p>
        ) : (
          <>
            <CostChart timeline={report.timeline} />
            <TimelineTable timeline={report.timeline} />
          </>
        )}
      </div>
      <GroupTable caption="Per agent" keyHeading="Agent" groups={report.byAgent} keyLabel={agentLabel} now={(agent) => activity.get(agent) ?? 'idle'} testId="costs-by-agent" />
      <GroupTable caption="Per model" keyHeading="Model" groups={report.byModel} testId="costs-by-model" />
      <GroupTable caption="Per day (UTC, the day of a session’s last event)" keyHeading="Day" groups={[...report.byDay].reverse()} testId="costs-by-day" />
      <TopSessions sessions={report.topSessions} />
    </div>
  );
}

/**
 * The report for `range`: asked at once, then again after the sessions change, at most once per REFRESH_MS.
 * Only the answer to the latest request is shown, so an older one arriving late never replaces it.
 */
function useCostReport(api: RelayApi, sessions: PanelProps<'sessions'>['data'], range: CostRange): { report?: CostReport; problem?: string } {
  const [answer, setAnswer] = useState<{ report?: CostReport; problem?: string }>({});
  const lastAsked = useRef(Number.NEGATIVE_INFINITY);
  const askedRange = useRef(range);
  const latestRequest = useRef(0);
  useEffect(() => {
    const ask = () => {
      lastAsked.current = Date.now();
      askedRange.current = range;
      const request = ++latestRequest.current;
      api.request<CostReport>('GET', `/api/costs?range=${range}`).then(
        (report) => request === latestRequest.current && setAnswer({ report }),
        (error: Error) => request === latestRequest.current && setAnswer({ problem: error.message }),
      );
    };
    const timer = setTimeout(ask, askedRange.current !== range ? 0 : Math.max(0, lastAsked.current + REFRESH_MS - Date.now()));
    return () => clearTimeout(timer);
  }, [api, sessions, range]);
  // Unmounted: no answer in flight is the latest any more.
  useEffect(() => () => void (latestRequest.current = Number.NaN), []);
  return answer;
}

function Budgets({ budgets }: { budgets: BudgetStatus[] }) {
  if (budgets.length === 0) {
    return (
      <p class="muted" data-testid="budgets-none">
        No budget set. Set <code>agentMesh.costs.budgets</code> to limits in US dollars per UTC day, ISO week or calendar month, e.g.{' '}
        <code>{'{ "day": 5, "month": 100 }'}</code>, to see the spending against each with its projection to the end of the period.
      </p>
    );
  }
  return (
    <ul class="budgets" aria-label="Budgets" data-testid="budgets">
      {budgets.map((budget) => {
        const meter = budgetMeter(budget);
        const labelId = `budget-${budget.period}-label`;
        return (
          <li key={budget.period} class={`budget budget-${budget.status}`} data-testid={`budget-${budget.period}`}>
            <div class="budget-head">
              <span id={labelId}>{meter.label}</span>
              <span class="budget-status">{budget.status}</span>
            </div>
            <div
              class="budget-bar"
              role="meter"
              aria-labelledby={labelId}
              aria-valuemin={0}
              aria-valuemax={budget.limitUsd}
              aria-valuenow={Math.min(budget.spentUsd, budget.limitUsd)}
              aria-valuetext={meter.valueText}
            >
              <span class="budget-spent" style={{ width: `${meter.spentShare * 100}%` }} />
              <span class="budget-projection" style={{ left: `${meter.projectedShare * 100}%` }} title={`projected ${formatCost(budget.projectedUsd, false)}`} />
            </div>
            <span class="muted budget-projected">
              projected {formatCost(budget.projectedUsd, false)} by {new Date(budget.periodEnd).toISOString().slice(0, 16).replace('T', ' ')} UTC
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** A wide table in a narrow card scrolls sideways; the region is focusable so the keyboard can scroll it too. */
function TableRegion({ label, testId, children }: { label: string; testId: string; children: ComponentChildren }) {
  return (
    <div class="costs-table-region" role="region" aria-label={label} tabIndex={0} data-testid={testId}>
      <table class="costs-table">{children}</table>
    </div>
  );
}

const TOKEN_COLUMNS: { key: keyof SessionTokens; heading: string }[] = [
  { key: 'input', heading: 'Input' },
  { key: 'output', heading: 'Output' },
  { key: 'cacheRead', heading: 'Cache read' },
  { key: 'cacheWrite', heading: 'Cache write' },
];

/** The cost right after the row's name, so a narrow sidebar shows it without scrolling; the tokens follow. */
function CostAndTokenHeadings() {
  return (
    <>
      <th scope="col" class="num">
        Cost
      </th>
      {TOKEN_COLUMNS.map((column) => (
        <th key={column.key} scope="col" class="num">
          {column.heading}
        </th>
      ))}
    </>
  );
}

function CostCell({ costUsd, approximate }: { costUsd: number | null; approximate: boolean }) {
  return (
    <td class="num cost" data-testid="cost">
      {formatCost(costUsd, approximate)}
    </td>
  );
}

function TokenCells({ tokens }: { tokens: SessionTokens }) {
  return (
    <>
      {TOKEN_COLUMNS.map((column) => (
        <td key={column.key} class="num" title={tokens[column.key].toLocaleString('en-US')}>
          {formatCount(tokens[column.key])}
        </td>
      ))}
    </>
  );
}

interface GroupTableProps {
  caption: string;
  keyHeading: string;
  groups: CostGroup[];
  keyLabel?: (key: string) => string;
  /** A column of what the group does now (per agent: sessions running and waiting). */
  now?: (key: string) => string;
  testId: string;
}

function GroupTable({ caption, keyHeading, groups, keyLabel = (key) => key, now, testId }: GroupTableProps) {
  if (groups.length === 0) return null;
  return (
    <TableRegion label={caption} testId={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{keyHeading}</th>
          <CostAndTokenHeadings />
          <th scope="col" class="num">
            Sessions
          </th>
          {now && <th scope="col">Now</th>}
        </tr>
      </thead>
      <tbody>
        {groups.map((group) => (
          <tr key={group.key} data-key={group.key}>
            <th scope="row">{keyLabel(group.key)}</th>
            {/* A group none of whose sessions has a price has no cost to show, not $0.00. */}
            <CostCell costUsd={group.unpricedSessions === group.sessions ? null : group.costUsd} approximate={group.approximate} />
            <TokenCells tokens={group.tokens} />
            <td class="num">{group.sessions}</td>
            {now && <td data-testid="now">{now(group.key)}</td>}
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

function TopSessions({ sessions }: { sessions: SessionCost[] }) {
  if (sessions.length === 0) return null;
  return (
    <TableRegion label="Top sessions by cost" testId="costs-top-sessions">
      <caption>Top sessions by cost</caption>
      <thead>
        <tr>
          <th scope="col">Session</th>
          <CostAndTokenHeadings />
          <th scope="col">Model</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr key={session.id} data-key={session.id}>
            <th scope="row" title={session.id}>
              {agentLabel(session.agent)} <span class="muted">{session.id.slice(session.id.indexOf(':') + 1, session.id.indexOf(':') + 9)}</span>
            </th>
            <CostCell costUsd={session.costUsd} approximate={session.approximate} />
            <TokenCells tokens={session.tokens} />
            <td>{session.model ?? 'unknown'}</td>
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

/** The chart's figures as a table for screen readers and copying: the buckets with a cost, newest first. */
function TimelineTable({ timeline }: { timeline: CostTimeline }) {
  const rows = timeline.bucketStarts.map((start, index) => ({ start, costs: timeline.byAgent.map((series) => series.costUsd[index]) })).filter((row) => row.costs.some((usd) => usd > 0));
  return (
    <details class="costs-timeline-data">
      <summary>Chart data as a table</summary>
      <TableRegion label="Cost over time" testId="costs-timeline-table">
        <caption>Cost per {timeline.bucket}, {RANGE_LABELS[timeline.range]}</caption>
        <thead>
          <tr>
            <th scope="col">{timeline.bucket === 'hour' ? 'Hour' : 'Day'}</th>
            {timeline.byAgent.map((series) => (
              <th key={series.key} scope="col" class="num">
                {agentLabel(series.key)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.reverse().map((row) => (
            <tr key={row.start}>
              <th scope="row">{bucketLabel(row.start, timeline.bucket)}</th>
              {row.costs.map((usd, index) => (
                <td key={timeline.byAgent[index].key} class="num">
                  {formatCost(usd, false)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </TableRegion>
    </details>
  );
}
