import { useEffect, useRef, useState } from 'preact/hooks';
import { HISTORY_TYPES, type HistoryPage, type HistoryRecord, type HistoryType } from '../../shared/history';
import { FilterSelect } from '../layout/FilterControls';
import type { PanelProps, RelayApi } from '../panels/types';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import { VirtualList } from '../widgets/VirtualList';
import { detailSummary, exportCapNotice, historyQueryString, NO_FILTERS, statusesFor, TYPE_LABELS, type HistoryFilters } from './view';

registerChannelReducer('history', (snapshot, event) => (event.name === 'recorded' && snapshot ? { ...snapshot, recorded: (snapshot.recorded ?? 0) + 1 } : snapshot));

const PAGE_SIZE = 100;
const SEARCH_DEBOUNCE_MS = 300;
/** Past this many rows the list renders only what is in view. */
const VIRTUALISE_AFTER = 200;
const ROW_HEIGHT = 46;

interface Loaded {
  records: HistoryRecord[];
  nextCursor?: string;
  /** Pages loaded: with one, a new record reloads it; with more, the person is told and reloads. */
  pages: number;
}

/** Finished tasks, decided approvals, ended sessions and fired alerts: filtered, searched, paged and exported. */
export function HistoryPanel({ data, api }: PanelProps<'history'>) {
  const [filters, setFilters] = useState<HistoryFilters>(NO_FILTERS);
  const [search, setSearch] = useState('');
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [agents, setAgents] = useState<string[]>([]);
  const [seenRecorded, setSeenRecorded] = useState(0);
  const request = useRef(0);
  const recorded = data?.recorded ?? 0;
  const latestRecorded = useRef(recorded);
  latestRecorded.current = recorded;

  const load = (cursor?: string, previous: Loaded | undefined = undefined) => {
    const id = ++request.current;
    // A first page shows every record recorded until now; later ones reload it (or are offered, once paged).
    if (!previous) setSeenRecorded(latestRecorded.current);
    setLoading(true);
    setProblem(undefined);
    api
      .request<HistoryPage>('GET', `/api/history${historyQueryString(filters, { limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`)
      .then((page) => {
        if (id !== request.current) return; // an answer to filters since changed
        setLoaded({ records: [...(previous?.records ?? []), ...page.records], nextCursor: page.nextCursor, pages: (previous?.pages ?? 0) + 1 });
        setAgents((known) => [...new Set([...known, ...page.records.map((r) => r.agent).filter(Boolean)])].sort());
      })
      .catch((error: Error) => id === request.current && setProblem(error.message))
      .finally(() => id === request.current && setLoading(false));
  };

  // The search box waits for a pause in typing before it asks the relay.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((current) => (current.q === search ? current : { ...current, q: search })), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => load(), [filters]);
  // Records that came while a page loaded are caught by the next look, once it is done.
  useEffect(() => {
    if (recorded > seenRecorded && loaded?.pages === 1 && !loading) load();
  }, [recorded, loading]);

  const set = (change: Partial<HistoryFilters>) => setFilters((current) => ({ ...current, ...change }));
  const records = loaded?.records ?? [];
  const unseen = recorded - seenRecorded;

  return (
    <div class="history" data-testid="history-panel">
      <div class="history-filters" role="search" aria-label="Filter the history">
        <FilterSelect label="Type" value={filters.type} testId="history-type" options={HISTORY_TYPES.map((type) => ({ value: type, label: TYPE_LABELS[type] }))} anyLabel="every type" onChange={(type) => set({ type: type as HistoryType | '', status: '' })} />
        <FilterSelect label="Status" value={filters.status} testId="history-status" options={statusesFor(filters.type)} anyLabel="any status" onChange={(status) => set({ status })} />
        <FilterSelect label="Agent" value={filters.agent} testId="history-agent" options={agents} anyLabel="every agent" onChange={(agent) => set({ agent })} />
        <label class="history-select">
          From
          <input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set({ from: (e.currentTarget as HTMLInputElement).value })} data-testid="history-from" />
        </label>
        <label class="history-select">
          To
          <input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set({ to: (e.currentTarget as HTMLInputElement).value })} data-testid="history-to" />
        </label>
        <TextField id="history-search" label="Search" value={search} onInput={setSearch} placeholder="title, agent, comment…" testId="history-search" />
      </div>
      <div class="history-actions">
        <p class="muted history-count" role="status" aria-live="polite" data-testid="history-count">
          {loaded ? `${records.length} ${records.length === 1 ? 'record' : 'records'}${loaded.nextCursor ? ' loaded, more older ones' : ''}` : 'Loading the history…'}
        </p>
        {unseen > 0 && loaded && loaded.pages > 1 && (
          <Button appearance="secondary" title={`${unseen} new: reload the list (records were kept since it was loaded)`} onClick={() => load()}>
            {`${unseen} new: reload`}
          </Button>
        )}
        <ExportButtons api={api} filters={filters} onProblem={setProblem} />
      </div>
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
      {loaded && records.length === 0 && <p class="muted">Nothing matches. Finished tasks, decided approvals, ended sessions and fired alerts are kept here.</p>}
      {records.length > VIRTUALISE_AFTER ? (
        <VirtualList items={records} rowHeight={ROW_HEIGHT} visibleRows={12} label="History" renderRow={(record) => <HistoryRow record={record} />} />
      ) : (
        <ul class="history-list" aria-label={`History (${records.length})`} data-testid="history-list">
          {records.map((record) => (
            <li key={record.id} style={{ height: `${ROW_HEIGHT}px` }}>
              <HistoryRow record={record} />
            </li>
          ))}
        </ul>
      )}
      {loaded?.nextCursor && (
        <Button appearance="secondary" title="Load more: older records" onClick={() => load(loaded.nextCursor, loaded)} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </div>
  );
}

function HistoryRow({ record }: { record: HistoryRecord }) {
  const when = new Date(record.at);
  const summary = detailSummary(record);
  return (
    <div class={`history-row history-${record.type}`} data-testid="history-row" data-id={record.id}>
      <div class="history-line">
        <span class={`history-status status-${record.status}`}>{record.status}</span>
        <span class="history-title" title={record.title}>
          {record.title}
        </span>
      </div>
      <div class="history-line muted">
        <span>{TYPE_LABELS[record.type]}</span>
        {record.agent && <span>{record.agent}</span>}
        <time dateTime={when.toISOString()} title={when.toLocaleString()}>
          {when.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}
        </time>
        {summary && (
          <span class="history-summary" title={summary}>
            {summary}
          </span>
        )}
      </div>
    </div>
  );
}

/** Exports what the filters select; the file comes through the authenticated API, so no credential is put in a URL. */
function ExportButtons({ api, filters, onProblem }: { api: RelayApi; filters: HistoryFilters; onProblem: (problem: string | undefined) => void }) {
  const [busy, setBusy] = useState(false);
  const [capped, setCapped] = useState<string | undefined>();
  const save = (format: 'csv' | 'json') => {
    setBusy(true);
    setCapped(undefined);
    onProblem(undefined);
    api
      .download(`/api/history/export${historyQueryString(filters, { format })}`)
      .then(({ blob, filename, headers }) => {
        setCapped(exportCapNotice(headers));
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = filename;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 0);
      })
      .catch((error: Error) => onProblem(`Export failed: ${error.message}`))
      .finally(() => setBusy(false));
  };
  return (
    <div class="history-export">
      <Button appearance="secondary" title="Export CSV of the matching records" onClick={() => save('csv')} disabled={busy}>
        Export CSV
      </Button>
      <Button appearance="secondary" title="Export JSON of the matching records" onClick={() => save('json')} disabled={busy}>
        Export JSON
      </Button>
      {/* Always there, so a screen reader announces the notice when it appears. */}
      <p class="history-export-capped" role="status" data-testid="history-export-capped">
        {capped}
      </p>
    </div>
  );
}
