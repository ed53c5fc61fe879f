import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApprovalLevel } from '../../shared/approvals';
import type { CostReport } from '../../shared/costs';
import type { ChannelSnapshots } from '../../shared/channelEvents';
import { formatCost, type SessionsSnapshot } from '../../shared/sessions';
import type { RelayApi } from '../panels/types';
import { costToday, overviewFigures, type CostToday } from './figures';

/** GET /api/costs is asked again when the sessions change, at most this often. */
const COST_REFRESH_MS = 5000;

type Tone = 'ok' | 'attention' | 'problem' | 'unknown';

interface OverviewItem {
  key: string;
  label: string;
  value: string;
  tone: Tone;
  /** The panel it jumps to (the `id` of the panel definition). */
  section: string;
  sectionName: string;
}

export const sectionElementId = (panelId: string) => `section-${panelId}`;

/** "Is anything waiting for me, is anything broken, what is it costing": one button per answer, each jumping to its section (`onJump` with the panel id). */
export function OverviewStrip({ channels, api, onJump }: { channels: ChannelSnapshots; api: RelayApi; onJump: (panelId: string) => void }) {
  const { cost, costProblem } = useCostToday(api, channels.sessions);
  const items = overviewItems(channels, cost, costProblem);
  return (
    <nav class="overview" aria-label="Overview" data-testid="overview">
      <ul class="overview-items">
        {items.map((item) => (
          <li key={item.key}>
            <button
              type="button"
              class={`overview-item overview-${item.tone}`}
              data-testid={`overview-${item.key}`}
              aria-label={`${item.label}: ${item.value.replace(/ · /g, ', ')}. Go to the ${item.sectionName} section`}
              onClick={() => onJump(item.section)}
            >
              <span class="overview-label">{item.label}</span> <span class="overview-value">{item.value}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function overviewItems(channels: ChannelSnapshots, cost: CostToday | undefined, costProblem: string | undefined): OverviewItem[] {
  const { sessions, approvals, mcp, mesh } = overviewFigures(channels);
  const loading = { value: '…', tone: 'unknown' as const };
  const budget = cost?.budget;
  return [
    {
      key: 'sessions',
      label: 'Agents',
      section: 'sessions',
      sectionName: 'agent sessions',
      ...(sessions ? { value: `${sessions.running} running · ${sessions.waiting} waiting`, tone: sessions.waiting > 0 ? 'attention' : 'ok' } : loading),
    },
    {
      key: 'approvals',
      label: 'Approvals',
      section: 'approvals',
      sectionName: 'approvals',
      ...(approvals
        ? approvals.pending === 0
          ? { value: 'none pending', tone: 'ok' }
          : { value: [`${approvals.pending} pending`, ...levelCounts(approvals.byLevel)].join(' · '), tone: 'attention' }
        : loading),
    },
    {
      key: 'mcp',
      label: 'MCP',
      section: 'mcp',
      sectionName: 'MCP servers',
      ...(mcp
        ? mcp.total === 0
          ? { value: 'no servers configured', tone: 'ok' }
          : { value: `${mcp.connected}/${mcp.total} connected · ${mcp.tokens}`, tone: mcp.connected < mcp.total || mcp.overBudget ? 'problem' : 'ok' }
        : loading),
    },
    {
      key: 'mesh',
      label: 'Mesh',
      section: 'mesh',
      sectionName: 'mesh health',
      ...(mesh
        ? mesh.total === 0
          ? { value: 'no agents configured', tone: 'ok' }
          : { value: `${mesh.healthy}/${mesh.total} healthy`, tone: mesh.healthy < mesh.total ? 'problem' : 'ok' }
        : loading),
    },
    {
      key: 'cost',
      label: 'Cost today',
      section: 'costs',
      sectionName: 'fleet and costs',
      ...(costProblem
        ? { value: `unavailable (${costProblem})`, tone: 'problem' }
        : cost
          ? {
              value: `${formatCost(cost.spentUsd, cost.approximate)} · ${budget ? `${formatCost(budget.limitUsd, false)} day budget` : 'no day budget'}`,
              tone: budget?.status === 'over' ? 'problem' : budget?.status === 'warning' ? 'attention' : 'ok',
            }
          : loading),
    },
  ];
}

/** "2 full", "1 quick": the levels with pending approvals, the heaviest review first. */
function levelCounts(byLevel: Record<ApprovalLevel, number>): string[] {
  return APPROVAL_LEVELS_BY_REVIEW.filter((level) => byLevel[level] > 0).map((level) => `${byLevel[level]} ${level}`);
}

const APPROVAL_LEVELS_BY_REVIEW: readonly ApprovalLevel[] = ['full', 'quick', 'auto'];

/** Today's cost from GET /api/costs: asked once, then again after the sessions change, throttled to one call per COST_REFRESH_MS. */
function useCostToday(api: RelayApi, sessions: SessionsSnapshot | undefined): { cost?: CostToday; costProblem?: string } {
  const [answer, setAnswer] = useState<{ cost?: CostToday; costProblem?: string }>({});
  const lastAsked = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    let current = true;
    const ask = () => {
      lastAsked.current = Date.now();
      api.request<CostReport>('GET', '/api/costs?top=1').then(
        (report) => current && setAnswer({ cost: costToday(report, Date.now()) }),
        (error: Error) => current && setAnswer({ costProblem: error.message }),
      );
    };
    const timer = setTimeout(ask, Math.max(0, lastAsked.current + COST_REFRESH_MS - Date.now()));
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, sessions]);
  return answer;
}
