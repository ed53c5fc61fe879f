import { useEffect, useRef, useState } from 'preact/hooks';
import { LOG_OUTCOMES, type LogEntry, type LogOutcome, type LogPage, type LogSource } from '../../shared/logs';
import { FilterSelect } from '../layout/FilterControls';
import type { PanelProps, RelayApi } from '../panels/types';
import { Button } from '../ui/Button';
import { defaultLogId, entriesPath, formatBytes, oneLine, toolsSeen, type LogFilters } from './logView';

const FORMAT_LABELS: Record<LogSource['format'], string> = { 'claude-transcript': 'Claude Code transcript', tools: 'tool calls', summary: 'summaries' };
const OUTCOME_LABELS: Record<LogOutcome, string> = { ok: 'ok', error: 'error', unknown: 'no result' };
const MALFORMED_LABELS: Record<Extract<LogEntry, { kind: 'malformed' }>['reason'], string> = {
  json: 'not JSON',
  shape: 'not a line of this log format',
  oversize: 'too long, cut',
};
const NO_FILTERS: LogFilters = { tool: '', outcome: '', q: '' };

/**
 * Agents' JSONL logs (session transcripts, files under `agentMesh.logs.directories`): pick one, read
 * its timeline of tool calls page by page, filtered by tool, outcome and search text on the relay.
 */
export function LogsPanel({ data, api }: PanelProps<'sessions'>) {
  const [logs, setLogs] = useState<LogSource[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [selected, setSelected] = useState('');
  // A new session brings a new transcript: the list is asked again when the count changes.
  const sessionCount = data?.sessions.length ?? 0;
  const refresh = () =>
    api
      .request<{ logs: LogSource[] }>('GET', '/api/logs')
      .then(({ logs: listed }) => {
        setLogs(listed);
        setProblem(undefined);
        setSelected((current) => (listed.some((log) => log.id === current) ? current : defaultLogId(listed)));
      })
      .catch((error: Error) => setProblem(error.message));
  useEffect(() => void refresh(), [sessionCount]);

  if (problem && !logs) return <p class="notice-error" role="alert">{problem}</p>;
  if (!logs) return <p class="muted">Loading agent logs…</p>;
  if (logs.length === 0) {
    return <p class="muted" data-testid="logs-empty">No agent logs yet: the transcripts of agent sessions show here, and the .jsonl files of the folders in agentMesh.logs.directories.</p>;
  }
  const log = logs.find((candidate) => candidate.id === selected);
  return (
    <section class="logs" data-testid="logs-panel">
      <div class="transcript-filters">
        <FilterSelect
          label="Log"
          value={selected}
          onChange={setSelected}
          testId="logs-pick"
          options={logs.map((candidate) => ({ value: candidate.id, label: `${candidate.name} (${FORMAT_LABELS[candidate.format]}, ${formatBytes(candidate.size)})` }))}
        />
        <Button appearance="secondary" title="Refresh list of logs" onClick={() => void refresh()}>
          Refresh list
        </Button>
      </div>
      {log && <LogTimeline key={log.id} log={log} api={api} />}
    </section>
  );
}

interface Loaded {
  entries: LogEntry[];
  page: LogPage;
}

function LogTimeline({ log, api }: { log: LogSource; api: RelayApi }) {
  const [filters, setFilters] = useState<LogFilters>(NO_FILTERS);
  const [search, setSearch] = useState('');
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  // Answers to an earlier request (other filters) are dropped.
  const generation = useRef(0);

  const load = (cursor: string | undefined, previous: LogEntry[]) => {
    const mine = ++generation.current;
    setLoading(true);
    setProblem(undefined);
    api
      .request<LogPage>('GET', entriesPath(log.id, filters, cursor))
      .then((page) => mine === generation.current && setLoaded({ entries: [...previous, ...page.entries], page }))
      .catch((error: Error) => mine === generation.current && setProblem(error.message))
      .finally(() => mine === generation.current && setLoading(false));
  };
  useEffect(() => load(undefined, []), [filters]);

  const entries = loaded?.entries ?? [];
  const page = loaded?.page;
  const idBase = `log-${log.id}`;
  return (
    <section class="log-timeline" aria-label={`Timeline of ${log.name}`} data-testid="log-timeline">
      <form
        class="transcript-filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...filters, q: search.trim() });
        }}
      >
        <div class="text-field">
          <label for={`${idBase}-search`}>Search</label>
          <input id={`${idBase}-search`} type="search" value={search} maxLength={200} placeholder="tool, input or result; Enter" spellcheck={false} autocomplete="off" data-testid="logs-search" onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <FilterSelect
          label="Tool"
          value={filters.tool}
          onChange={(tool) => setFilters({ ...filters, tool })}
          testId="logs-tool"
          options={toolsSeen(entries)}
          anyLabel="every tool"
        />
        <FilterSelect
          label="Outcome"
          value={filters.outcome}
          onChange={(outcome) => setFilters({ ...filters, outcome: outcome as LogOutcome | '' })}
          testId="logs-outcome"
          options={LOG_OUTCOMES.map((outcome) => ({ value: outcome, label: OUTCOME_LABELS[outcome] }))}
          anyLabel="any"
        />
      </form>
      <p class="muted transcript-count" role="status" aria-live="polite" data-testid="logs-count">
        {page ? `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, read ${formatBytes(page.readTo)} of ${formatBytes(page.size)}` : 'Reading the log…'}
      </p>
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
      <ol class="log-entries" data-testid="logs-entries">
        {entries.map((entry, index) => (
          <li key={`${entry.offset}-${index}`} class={`log-entry log-${entry.kind}${entry.kind === 'tool' ? ` log-outcome-${entry.outcome}` : ''}`} data-testid="log-entry">
            <EntryView entry={entry} />
          </li>
        ))}
      </ol>
      {page?.nextCursor !== undefined && (
        <Button appearance="secondary" title="Load more of the log" onClick={() => load(page.nextCursor, entries)} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </section>
  );
}

function EntryView({ entry }: { entry: LogEntry }) {
  const time = entry.at ? <time dateTime={entry.at}>{formatTime(entry.at)}</time> : null;
  const place = <span class="muted log-line">line {entry.line}</span>;
  switch (entry.kind) {
    case 'tool':
      return (
        <details>
          <summary>
            <code class="log-tool">{entry.tool}</code> <span class={`log-outcome log-outcome-${entry.outcome}`}>{OUTCOME_LABELS[entry.outcome]}</span>{' '}
            <span class="muted log-meta">{time} {entry.durationMs !== undefined ? `${entry.durationMs} ms` : ''}</span> {place}
            <span class="log-input">{oneLine(entry.input)}</span>
          </summary>
          <h4 class="log-part">Input</h4>
          <pre class="entry-code">{entry.input || '(none)'}</pre>
          <h4 class="log-part">Result</h4>
          <pre class="entry-code">{entry.result ?? 'No result in the log.'}</pre>
        </details>
      );
    case 'summary':
      return (
        <div>
          <strong>Summary</strong> <span class="muted log-meta">{time}</span> {place}
          <p class="entry-text">{entry.text}</p>
        </div>
      );
    case 'malformed':
      return (
        <div>
          <strong class="notice-error">Malformed line</strong> <span>({MALFORMED_LABELS[entry.reason]}, shown as written)</span> {place}
          <pre class="entry-code">{entry.raw}</pre>
        </div>
      );
  }
}

/** A log's own timestamp, in local time; as written when it is not a date. */
function formatTime(at: string): string {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : time.toLocaleString();
}
