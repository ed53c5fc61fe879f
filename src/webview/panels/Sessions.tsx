import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { HOOK_AGENT_LABELS } from '../../shared/hooks';

import type { AgentSession, TranscriptEntry, TranscriptPage } from '../../shared/sessions';
import { FilterBar, FilterSelect, NoMatches } from '../layout/FilterControls';
import { filterSessions, isFiltering, NO_SESSION_FILTER, type SessionFilter } from '../layout/filters';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { CardList } from '../widgets/CardList';
import type { PanelProps, RelayApi } from './types';
import { formatTokens } from '../../shared/sessions';
import { filterTranscript, formatCost, orderSessions, STATUS_LABELS, toolsOf, type Outcome } from './sessionView';

registerChannelReducer('sessions', (previous, event) => {
  const sessions = previous?.sessions ?? [];
  if (event.name !== 'upsert') return previous;
  const session = event.payload;
  return { sessions: [session, ...sessions.filter((s) => s.id !== session.id)] };
});

const SESSION_STATUSES = ['waiting', 'running', 'idle', 'ended'] as const;

/** Coding agents seen through their hooks: what each is doing and what it costs; those waiting for you on top. */
export function SessionsPanel({ data: snapshot, api }: PanelProps<'sessions'>) {
  const [open, setOpen] = useState<string | undefined>();
  const [filter, setFilter] = useState<SessionFilter>(NO_SESSION_FILTER);
  if (!snapshot) return <p class="muted">Loading agent sessions…</p>;
  if (snapshot.sessions.length === 0) {
    return <p class="muted">No agent sessions yet. Connect Claude Code, Copilot or Cursor to Agent Mesh: each hook event they send shows up here.</p>;
  }
  const ordered = orderSessions(snapshot.sessions);
  const waiting = ordered.filter((s) => s.status === 'waiting').length;
  const shown = filterSessions(ordered, filter);
  const filtering = isFiltering(filter);
  const clear = () => setFilter(NO_SESSION_FILTER);
  return (
    <div class="sessions" data-testid="sessions-panel">
      <p class="muted sessions-summary" role="status" aria-live="polite">
        {ordered.length} {ordered.length === 1 ? 'session' : 'sessions'}
        {waiting > 0 && <strong class="status-waiting"> · {waiting} waiting for you</strong>}
        {filtering && <span data-testid="sessions-filter-count"> · {shown.length} shown</span>}
      </p>
      <FilterBar label="Filter agent sessions" filtering={filtering} clear={clear}>
        <TextField id="sessions-search" label="Search" value={filter.query} onInput={(query) => setFilter({ ...filter, query })} placeholder="agent or folder" testId="sessions-search" />
        <FilterSelect
          label="Status"
          value={filter.status}
          options={SESSION_STATUSES}
          anyLabel="any status"
          onChange={(status) => setFilter({ ...filter, status: status as SessionFilter['status'] })}
          testId="sessions-status"
        />
      </FilterBar>
      {shown.length === 0 && <NoMatches what="sessions" clear={clear} testId="sessions-no-match" />}
      <CardList
        items={shown}
        label="Agent sessions"
        estimatedHeight={70}
        cardKey={(session) => session.id}
        renderCard={(session) => <SessionRow session={session} expanded={open === session.id} toggle={() => setOpen(open === session.id ? undefined : session.id)} api={api} />}
        class="session-list"
      />
    </div>
  );
}

function SessionRow({ session, expanded, toggle, api }: { session: AgentSession; expanded: boolean; toggle: () => void; api: RelayApi }) {
  const agent = HOOK_AGENT_LABELS[session.agent] ?? session.agent;
  const detailId = `session-detail-${session.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const cost = formatCost(session.costUsd, session.costApproximate);
  const { tokens, counts } = session;
  const folder = session.cwd.split(/[\\/]/).filter(Boolean).pop() ?? session.cwd;
  return (
    <article class={`session session-${session.status}`} data-testid={`session-${session.id}`}>
      <button
        type="button"
        class="session-summary"
        aria-expanded={expanded}
        aria-controls={detailId}
        onClick={toggle}
      >
        <span class="session-chevron" aria-hidden="true">
          {expanded ? '▾' : '▸'}
        </span>
        <span class="session-agent">{agent}</span>
        <span class="session-cwd muted" title={session.cwd}>
          {folder}
        </span>
        <span class={`session-status status-${session.status}`} data-testid="session-status">
          {STATUS_LABELS[session.status]}
        </span>
        {session.currentTool && (
          <code class="session-tool" title="Current tool">
            {session.currentTool}
          </code>
        )}
        <span class="session-cost" data-testid="session-cost" title={session.costApproximate ? 'Part of the usage is of a model without a price' : 'Priced by model from the usage in the transcript'}>
          {cost}
        </span>
        {/* The name is the visible text (so speech input finds it by what it shows), then what a press does. */}
        <span class="sr-only">. {expanded ? 'Hide' : 'Show'} the transcript</span>
      </button>
      <div class="session-facts muted">
        <span data-testid="session-counts">
          {counts.toolCalls} tool {counts.toolCalls === 1 ? 'call' : 'calls'} · {counts.approvals} allowed · {counts.denials} denied
        </span>
        <span
          data-testid="session-tokens"
          title={`input ${tokens.input}, output ${tokens.output}, cache read ${tokens.cacheRead}, cache write ${tokens.cacheWrite}`}
        >
          {formatTokens(tokens)}
        </span>
        {session.model && <span>{session.model}</span>}
        {session.malformedLines > 0 && (
          <span class="notice-error">
            {session.malformedLines} malformed transcript {session.malformedLines === 1 ? 'line' : 'lines'}
          </span>
        )}
        <span title={new Date(session.startedAt).toLocaleString()}>last event {new Date(session.lastEventAt).toLocaleTimeString()}</span>
      </div>
      {expanded && (
        <div id={detailId} class="session-detail">
          {session.transcriptPath ? <TranscriptViewer session={session} api={api} /> : <p class="muted">This agent reports no transcript.</p>}
        </div>
      )}
    </article>
  );
}

interface Loaded {
  entries: TranscriptEntry[];
  nextCursor?: number;
  /** Where the file ended when it was read to the end: new lines are read from here as the session moves. */
  end?: number;
}

function TranscriptViewer({ session, api }: { session: AgentSession; api: RelayApi }) {
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [tool, setTool] = useState('');
  const [outcome, setOutcome] = useState<Outcome>('all');

  const reading = useRef(false);

  const load = (cursor: number, previous: TranscriptEntry[]) => {
    if (reading.current) return;
    reading.current = true;
    setLoading(true);
    setProblem(undefined);
    api
      .request<TranscriptPage>('GET', `/api/sessions/${encodeURIComponent(session.id)}/transcript?cursor=${cursor}`)
      .then((page) => setLoaded({ entries: [...previous, ...page.entries], nextCursor: page.nextCursor, end: page.nextCursor === undefined ? page.size : undefined }))
      .catch((error: Error) => setProblem(error.message))
      .finally(() => {
        reading.current = false;
        setLoading(false);
      });
  };
  useEffect(() => load(0, []), [session.id]);
  // Read to the end, the viewer follows the session: each new event reads what was appended since.
  useEffect(() => {
    if (loaded?.end !== undefined) load(loaded.end, loaded.entries);
  }, [session.lastEventAt]);

  const entries = loaded?.entries ?? [];
  const tools = useMemo(() => toolsOf(entries), [entries]);
  const shown = useMemo(() => filterTranscript(entries, { query, tool, outcome }), [entries, query, tool, outcome]);
  const idBase = `transcript-${session.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;

  return (
    <section class="transcript" aria-label={`Transcript of ${HOOK_AGENT_LABELS[session.agent] ?? session.agent} session ${session.sessionId}`} data-testid="transcript">
      <div class="transcript-filters" role="search">
        <TextField id={`${idBase}-search`} label="Search" value={query} onInput={setQuery} placeholder="text, tool or input" testId="transcript-search" />
        <FilterSelect label="Tool" value={tool} options={tools} anyLabel="every tool" onChange={setTool} testId="transcript-tool" />
        <label class="transcript-select">
          Outcome
          <select value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value as Outcome)} data-testid="transcript-outcome">
            <option value="all">any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
        <Button appearance="secondary" title="Read the transcript again from the start" onClick={() => load(0, [])} disabled={loading}>
          Reload
        </Button>
      </div>
      <p class="muted transcript-count" role="status" aria-live="polite" data-testid="transcript-count">
        {loaded ? `${shown.length} of ${entries.length} entries${loaded.nextCursor !== undefined ? ' loaded so far' : ''}` : 'Loading the transcript…'}
      </p>
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
      <ol class="transcript-entries" data-testid="transcript-entries">
        {shown.map((entry) => (
          <li key={entry.offset} class={`transcript-entry entry-${entry.kind}${entry.kind === 'tool_result' && entry.isError ? ' entry-error' : ''}`}>
            <EntryView entry={entry} />
          </li>
        ))}
      </ol>
      {loaded?.nextCursor !== undefined && (
        <Button appearance="secondary" title="Load the next page of the transcript" onClick={() => load(loaded.nextCursor!, entries)} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </section>
  );
}

function EntryView({ entry }: { entry: TranscriptEntry }) {
  const time = entry.at ? <time class="muted transcript-time">{new Date(entry.at).toLocaleTimeString()}</time> : null;
  switch (entry.kind) {
    case 'message':
      return (
        <>
          <div class="entry-head">
            <strong>{entry.role === 'user' ? 'User' : 'Assistant'}</strong> {time}
          </div>
          <p class="entry-text">{entry.text}</p>
        </>
      );
    case 'thinking':
      return (
        <details class="entry-thinking">
          <summary>
            Thinking <span class="muted">({entry.characters} characters)</span> {time}
          </summary>
          <p class="muted">The transcript viewer keeps thinking collapsed: only its length is shown.</p>
        </details>
      );
    case 'tool_use':
      return (
        <CodeEntry code={entry.input}>
          <strong>Tool call</strong> <code>{entry.tool}</code> {time}
        </CodeEntry>
      );
    case 'tool_result':
      return (
        <CodeEntry code={entry.text}>
          <strong>Result</strong> <span class={entry.isError ? 'status-failed' : 'status-completed'}>{entry.isError ? 'error' : 'ok'}</span> {time}
        </CodeEntry>
      );
    case 'malformed':
      return (
        <CodeEntry code={entry.text} problem>
          <strong>Malformed line</strong> <span>(not JSON; shown as written)</span>
        </CodeEntry>
      );
    default:
      return (
        <div class="entry-head muted">
          {entry.type} {time}
        </div>
      );
  }
}

/** An entry whose body is code or tool output: a heading line, then the text as written. */
function CodeEntry({ code, problem, children }: { code: string; problem?: boolean; children: ComponentChildren }) {
  return (
    <>
      <div class={`entry-head${problem ? ' notice-error' : ''}`}>{children}</div>
      <pre class="entry-code">{code}</pre>
    </>
  );
}
