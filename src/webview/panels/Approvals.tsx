import { useState } from 'preact/hooks';
import { describeDue, PRIORITY_ORDER, REDACTED, type Approval, type ApprovalRule } from '../../shared/approvals';
import type { JsonValue } from '../../shared/protocol';
import { FilterBar, FilterSelect, NoMatches } from '../layout/FilterControls';
import { approvalFilterOptions, filterApprovals, isFiltering, NO_APPROVAL_FILTER, type ApprovalFilter } from '../layout/filters';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { CardList } from '../widgets/CardList';
import { ElicitationForm, SamplingDetails } from './ElicitationCard';
import type { PanelProps, RelayApi } from './types';

/** Terminal approvals the panel lists after their decision, newest first. */
const RECENT = 10;
/** Terminal approvals the channel copy keeps (the relay's snapshot sends as many). */
const KEPT_DECIDED = 50;

registerChannelReducer('approvals', (previous, event) => {
  const snapshot = previous ?? { approvals: [], rules: [] };
  if (event.name === 'rules') return { ...snapshot, rules: event.payload };
  if (event.name !== 'upsert') return previous;
  const approval = event.payload;
  const others = snapshot.approvals.filter((a) => a.id !== approval.id);
  const pending = others.filter((a) => a.status === 'pending');
  const decided = others.filter((a) => a.status !== 'pending').slice(0, KEPT_DECIDED);
  return { ...snapshot, approvals: [approval, ...pending, ...decided] };
});

/** Approval cards: pending ones by priority with approve / reject / cancel, then the latest decisions. */
export function ApprovalsPanel({ data: snapshot, api }: PanelProps<'approvals'>) {
  const [filter, setFilter] = useState<ApprovalFilter>(NO_APPROVAL_FILTER);
  if (!snapshot) return <p class="muted">Loading approvals…</p>;
  const pending = snapshot.approvals
    .filter((a) => a.status === 'pending')
    .sort((a, b) => PRIORITY_ORDER.indexOf(a.priority) - PRIORITY_ORDER.indexOf(b.priority) || a.dueAt - b.dueAt);
  const shown = filterApprovals(pending, filter);
  const filtering = isFiltering(filter);
  const clear = () => setFilter(NO_APPROVAL_FILTER);
  const recent = snapshot.approvals
    .filter((a) => a.status !== 'pending')
    .sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0))
    .slice(0, RECENT);
  return (
    <div class="approvals" data-testid="approvals-panel">
      {pending.length === 0 ? (
        <p class="muted">No approvals are waiting. Agents ask through POST /api/approvals, the WebSocket or the built-in MCP server's request_approval tool.</p>
      ) : (
        <>
          <ApprovalFilters pending={pending} filter={filter} setFilter={setFilter} filtering={filtering} clear={clear} />
          {filtering && (
            <p class="muted filter-count" role="status" data-testid="approvals-filter-count">
              {shown.length} of {pending.length} waiting approvals shown
            </p>
          )}
          {shown.length === 0 && <NoMatches what="approvals" clear={clear} testId="approvals-no-match" />}
        </>
      )}
      {shown.length > 0 && (
        <CardList
          items={shown}
          label={`${shown.length} approvals waiting${filtering ? ' that match the filters' : ''}`}
          estimatedHeight={150}
          cardKey={(approval) => approval.id}
          renderCard={(approval) => <ApprovalCard approval={approval} api={api} />}
          class="approval-cards"
        />
      )}
      {snapshot.rules.length > 0 && <Rules rules={snapshot.rules} api={api} />}
      {recent.length > 0 && (
        <details class="approval-recent">
          <summary>Recent decisions ({recent.length})</summary>
          <ul>
            {recent.map((a) => (
              <li key={a.id} data-testid={`approval-decided-${a.id}`}>
                <span class={`approval-status status-${a.status}`}>{a.status}</span> {a.title}
                <span class="muted">
                  {a.decidedBy ? ` · ${a.decidedBy}` : ''}
                  {a.comment ? ` · “${a.comment}”` : ''}
                  {a.reason ? ` · ${a.reason}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

const LEVELS = ['full', 'quick', 'auto'] as const;
const RISKS = ['high', 'medium', 'low'] as const;

function ApprovalFilters({ pending, filter, setFilter, filtering, clear }: { pending: Approval[]; filter: ApprovalFilter; setFilter: (filter: ApprovalFilter) => void; filtering: boolean; clear: () => void }) {
  const { agents, tools } = approvalFilterOptions(pending);
  const set = <K extends keyof ApprovalFilter>(key: K) => (value: string) => setFilter({ ...filter, [key]: value });
  return (
    <FilterBar label="Filter waiting approvals" filtering={filtering} clear={clear}>
      <TextField id="approvals-search" label="Search" value={filter.query} onInput={set('query')} placeholder="title, agent or tool" testId="approvals-search" />
      <FilterSelect label="Level" value={filter.level} options={LEVELS} anyLabel="any level" onChange={set('level')} testId="approvals-level" />
      <FilterSelect label="Risk" value={filter.risk} options={RISKS} anyLabel="any risk" onChange={set('risk')} testId="approvals-risk" />
      <FilterSelect label="Agent" value={filter.agent} options={agents} anyLabel="every agent" onChange={set('agent')} testId="approvals-agent" />
      <FilterSelect label="Tool" value={filter.tool} options={tools} anyLabel="every tool" onChange={set('tool')} testId="approvals-tool" />
    </FilterBar>
  );
}

type Mode = 'idle' | 'rejecting' | 'confirming-delete';

function ApprovalCard({ approval, api }: { approval: Approval; api: RelayApi }) {
  const [mode, setMode] = useState<Mode>('idle');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const headingId = `approval-${approval.id}-title`;

  const run = async (method: string, path: string, body: unknown) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.request(method, path, body);
    } catch (error) {
      setProblem((error as Error).message);
      setBusy(false);
    }
  };
  const base = `/api/approvals/${encodeURIComponent(approval.id)}`;
  const approve = () => void run('POST', `${base}/decision`, { decision: 'approve', by: 'dashboard' });
  const reject = () => void run('POST', `${base}/decision`, { decision: 'reject', by: 'dashboard', ...(comment ? { comment } : {}) });
  const cancel = () => void run('DELETE', base, { by: 'dashboard', reason: 'cancelled from the dashboard' });

  return (
    <article class={`approval-card approval-priority-${approval.priority}`} aria-labelledby={headingId} data-testid={`approval-${approval.id}`}>
      <header class="approval-card-header">
        <h3 id={headingId}>{approval.title}</h3>
        {approval.kind === undefined ? (
          <span class={`risk-badge risk-${approval.risk}`}>{approval.risk} risk</span>
        ) : (
          <span class="risk-badge">{approval.kind === 'elicitation' ? 'question' : 'model request'}</span>
        )}
        {approval.priority === 'urgent' && <span class="risk-badge priority-urgent-badge">urgent</span>}
        {approval.destructive && <span class="risk-badge risk-destructive">destructive</span>}
      </header>
      <div class="approval-meta muted">
        {[approval.agent, approval.tool && `tool ${approval.tool}`, describeDue(approval.dueAt, Date.now()), approval.expiresAt && `expires ${new Date(approval.expiresAt).toLocaleTimeString()}`]
          .filter(Boolean)
          .join(' · ')}
      </div>
      {approval.kind === undefined && <ConfidenceMeter value={approval.confidence} level={approval.level} />}
      {approval.description && <p class="approval-description">{approval.description}</p>}
      {approval.args && Object.keys(approval.args).length > 0 && <ArgsPreview args={approval.args} />}
      {approval.sampling && <SamplingDetails sampling={approval.sampling} />}

      {approval.kind === 'elicitation' ? (
        <ElicitationForm approval={approval} api={api} />
      ) : mode === 'confirming-delete' ? (
        <DeleteConfirmCard target={approval.target} busy={busy} onConfirm={approve} onBack={() => setMode('idle')} idPrefix={approval.id} />
      ) : mode === 'rejecting' ? (
        <div class="approval-reject">
          <TextField id={`reject-${approval.id}`} label="Comment for the agent (optional)" value={comment} onInput={setComment} placeholder="Why not?" />
          <div class="approval-actions">
            <Button onClick={reject} disabled={busy} title={`Reject ${approval.title}`}>
              Reject
            </Button>
            <Button appearance="secondary" onClick={() => setMode('idle')} disabled={busy} title="Back">
              Back
            </Button>
          </div>
        </div>
      ) : (
        <div class="approval-actions">
          <Button onClick={() => (approval.destructive ? setMode('confirming-delete') : approve())} disabled={busy} title={`Approve ${approval.title}`}>
            Approve
          </Button>
          <Button appearance="secondary" onClick={() => setMode('rejecting')} disabled={busy} title={`Reject ${approval.title}`}>
            Reject
          </Button>
          <Button appearance="secondary" onClick={cancel} disabled={busy} title={`Cancel the request ${approval.title}`}>
            Cancel
          </Button>
        </div>
      )}
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
    </article>
  );
}

function ConfidenceMeter({ value, level }: { value: number; level: Approval['level'] }) {
  const band = level === 'auto' ? 'high' : level === 'quick' ? 'medium' : 'low';
  return (
    <div class="confidence" role="meter" aria-label="Agent confidence" aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={`${value}%, ${level} review`}>
      <span class="confidence-label">confidence {value}%</span>
      <span class="confidence-track" aria-hidden="true">
        <span class={`confidence-fill confidence-${band}`} style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
      </span>
    </div>
  );
}

/** The request's arguments; values the relay redacted show as hidden, never as text. */
function ArgsPreview({ args }: { args: Record<string, JsonValue> }) {
  return (
    <dl class="approval-args" aria-label="Arguments">
      {Object.entries(args).map(([key, value]) => (
        <div key={key} class="approval-arg">
          <dt>
            <code>{key}</code>
          </dt>
          <dd>{value === REDACTED ? <span class="secret-hidden" title="Hidden: looks like a secret">•••• hidden</span> : <code>{preview(value)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}

function preview(value: JsonValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** The seed's DeleteConfirmCard: a destructive approval needs its target's name typed exactly. */
export function DeleteConfirmCard({ target, busy, onConfirm, onBack, idPrefix }: { target: string; busy: boolean; onConfirm: () => void; onBack: () => void; idPrefix: string }) {
  const [typed, setTyped] = useState('');
  const matches = typed === target;
  return (
    <div class="delete-confirm" role="group" aria-label="Confirm a destructive action">
      <p>
        This action is destructive and cannot be undone. Type <code class="delete-target">{target}</code> to approve it.
      </p>
      <TextField
        id={`confirm-${idPrefix}`}
        label="Name to confirm"
        value={typed}
        onInput={setTyped}
        placeholder={target}
        testId="delete-confirm-input"
        error={typed.length > 0 && !matches ? 'The name does not match' : undefined}
      />
      <div class="approval-actions">
        <Button onClick={onConfirm} disabled={!matches || busy} title={`Approve the destructive action on ${target}`}>
          Approve destructive action
        </Button>
        <Button appearance="secondary" onClick={onBack} disabled={busy} title="Back">
          Back
        </Button>
      </div>
    </div>
  );
}

function Rules({ rules, api }: { rules: ApprovalRule[]; api: RelayApi }) {
  const [problem, setProblem] = useState<string | undefined>();
  return (
    <div class="approval-rules">
      <h3>Always allowed</h3>
      <ul>
        {rules.map((rule) => (
          <li key={`${rule.scope}:${rule.tool}`}>
            <code>{rule.tool}</code> <span class="muted">({rule.scope === 'session' ? 'this session' : 'this workspace'}, by {rule.createdBy})</span>{' '}
            <Button
              appearance="secondary"
              title={`Revoke always-allow for ${rule.tool}`}
              onClick={() => void api.request('DELETE', '/api/approval-rules', { tool: rule.tool, scope: rule.scope, by: 'dashboard' }).catch((e: Error) => setProblem(e.message))}
            >
              Revoke
            </Button>
          </li>
        ))}
      </ul>
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
