import { Component } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ChannelSnapshots } from '../shared/channelEvents';
import type { JsonValue } from '../shared/protocol';
import type { Endpoint } from './host';
import { canMove } from './layout/layout';
import { HiddenSections, Section } from './layout/Section';
import { useSectionLayout, type SectionAction } from './layout/useSectionLayout';
import { OverviewStrip } from './overview/OverviewStrip';
import { panels } from './panels';
import type { Panel, RelayApi } from './panels/types';
import type { BrowserThemes } from './theme';
import { SharedNotes } from './sync/SharedNotes';
import type { DashboardState, DashboardStore } from './sync/store';
import { Badge } from './ui/Badge';
import { Button } from './ui/Button';
import { ProgressRing } from './ui/ProgressRing';
import { ThemeSwitch } from './ui/ThemeSwitch';

const PANEL_IDS = panels.map((panel) => panel.id);
const PANELS_BY_ID = new Map(panels.map((panel) => [panel.id, panel]));

const STATUS_TEXT: Record<DashboardState['status'], string> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  unauthorized: 'unauthorized',
  offline: 'offline',
};

interface AppProps {
  store: DashboardStore;
  endpoint: Endpoint | undefined;
  api: RelayApi | undefined;
  openInBrowser?: () => void;
  /** Writes one path of the shared state (optimistic; absent until connected to a relay). */
  writeState?: (path: string, value: JsonValue) => void;
  /** The theme switch of a browser tab; absent in VS Code, whose theme the webview follows. */
  themes?: BrowserThemes;
}

export function App({ store, endpoint, api, openInBrowser, writeState, themes }: AppProps) {
  const [state, setState] = useState(store.snapshot);
  useEffect(() => store.subscribe(setState), [store]);
  const keys = Object.keys(state.state);
  const sections = useSectionLayout(state.state, PANEL_IDS, writeState);
  const act = (id: string) => (sections.editable ? (action: SectionAction) => sections.act(id, action) : undefined);

  return (
    <main class="dashboard">
      <header class="dashboard-header">
        <h1>Agent Mesh</h1>
        {themes && <ThemeSwitch themes={themes} />}
        <span class={`status status-${state.status}`} data-testid="connection-status" role="status" aria-live="polite" title={state.statusDetail}>
          {STATUS_TEXT[state.status]}
        </span>
      </header>

      {state.status !== 'connected' && state.status !== 'offline' && (
        <div class="notice">
          <ProgressRing label="Connecting to the relay" /> <span>Connecting to the relay…</span>
        </div>
      )}
      {state.status === 'offline' && (
        <div class="notice notice-error" role="alert">
          The relay is unreachable or refused the token{state.statusDetail ? ` (${state.statusDetail})` : ''}. Retrying in the background.
        </div>
      )}

      {api && <OverviewStrip channels={state.channels} api={api} onJump={sections.jump} />}

      {api && (
        <HiddenSections
          sections={sections.hidden.map((id) => ({ id, title: PANELS_BY_ID.get(id)!.title }))}
          show={sections.editable ? (id) => sections.act(id, 'show') : undefined}
        />
      )}

      <div class="sections-grid" data-testid="sections">
        {api &&
          sections.shown.map((id) => {
            const panel = PANELS_BY_ID.get(id)!;
            return (
              <Section
                key={id}
                id={id}
                title={panel.title}
                pinned={sections.layout.pinned.includes(id)}
                collapsed={sections.layout.collapsed.includes(id)}
                canMoveUp={canMove(sections.layout, id, 'up')}
                canMoveDown={canMove(sections.layout, id, 'down')}
                act={act(id)}
                dropped={sections.editable ? (draggedId) => sections.moveTo(draggedId, id) : undefined}
              >
                <PanelBody panel={panel} channels={state.channels} api={api} />
              </Section>
            );
          })}

        <section class="card state-section" aria-labelledby="state-heading">
          <div class="card-title">
            <h2 id="state-heading">Shared state</h2>
            <Badge label={`state version ${state.version}`}>v{state.version}</Badge>
          </div>
          {state.storeStatus?.status === 'degraded' && (
            <div class="notice notice-warning" role="status" data-testid="store-degraded">
              State store degraded: {state.storeStatus.detail}
            </div>
          )}
          {state.storeStatus?.notices.map((notice) => (
            <div key={notice} class="notice notice-warning" role="status">
              {notice}
            </div>
          ))}
          {state.storageProblem && (
            <div class="notice notice-warning" role="status" data-testid="pending-storage-problem">
              {state.storageProblem}
            </div>
          )}
          {writeState && <SharedNotes state={state.state} pendingCount={state.pendingCount} write={writeState} />}
          {keys.length === 0 ? (
            <p class="muted" data-testid="state-empty">
              Nothing shared yet. Agents, the extension and other dashboards write here through the relay; every open dashboard sees the same state.
            </p>
          ) : (
            <ul class="state-tree" data-testid="state-tree">
              {keys.map((key) => (
                <StateEntry key={key} name={key} value={state.state[key]} />
              ))}
            </ul>
          )}
        </section>
      </div>

      {state.lastError && (
        <div class="notice notice-error" role="alert">
          {state.lastError}
        </div>
      )}

      <footer class="dashboard-footer">
        <span class="muted" title="Relay">
          {endpoint ? endpoint.relayUrl : '…'}
          {state.deviceId ? ` · device ${state.deviceId}` : ''}
        </span>
        {openInBrowser && (
          <Button appearance="secondary" onClick={openInBrowser} title="Open this dashboard in a browser">
            Open in browser
          </Button>
        )}
      </footer>
    </main>
  );
}

interface PanelBodyProps {
  panel: Panel;
  channels: ChannelSnapshots;
  api: RelayApi;
}

/** A panel renders again only when its own channel's copy changes, not on every other channel's event. */
class PanelBody extends Component<PanelBodyProps> {
  override shouldComponentUpdate(next: PanelBodyProps): boolean {
    return next.channels[next.panel.channel] !== this.props.channels[this.props.panel.channel] || next.api !== this.props.api || next.panel !== this.props.panel;
  }

  override render({ panel, channels, api }: PanelBodyProps) {
    return panel.render(channels, api);
  }
}

function StateEntry({ name, value }: { name: string; value: JsonValue }) {
  if (typeof value === 'object' && value !== null) {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return (
      <li>
        <details open>
          <summary>
            <code>{name}</code> <span class="muted">{Array.isArray(value) ? `[${value.length}]` : `{${entries.length}}`}</span>
          </summary>
          <ul>
            {entries.map(([k, v]) => (
              <StateEntry key={k} name={k} value={v} />
            ))}
          </ul>
        </details>
      </li>
    );
  }
  return (
    <li>
      <code>{name}</code>: <span class="value">{JSON.stringify(value)}</span>
    </li>
  );
}
