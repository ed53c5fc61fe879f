import type { FunctionComponent } from 'preact';
import type { EventChannel, JsonValue } from '../../shared/protocol';
import { ApprovalsPanel } from './Approvals';
import { McpPanel } from './McpPanel';
import { MeshPanel } from './MeshPanel';
import { SessionsPanel } from './Sessions';
import { TasksPanel } from './Tasks';
import { WidgetsPanel } from './WidgetsPanel';
import { HistoryPanel } from '../history/HistoryPanel';

/** What a panel gets: its channel's latest copy, and a way to call the relay's HTTP API. */
export interface PanelProps {
  data: JsonValue | undefined;
  api: RelayApi;
}

export interface RelayApi {
  /** Calls the relay with the dashboard's credentials; rejects with the API's error message. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Calls a streaming route (NDJSON), handing each line over as it arrives; resolves when the stream ends. */
  stream<L>(method: string, path: string, body: unknown, onLine: (line: L) => void): Promise<void>;
  /** GETs a file route (an attachment) with the dashboard's credentials: its content and the name the relay gave it. */
  download(path: string): Promise<{ blob: Blob; filename: string }>;
}

export interface PanelDefinition {
  id: string;
  title: string;
  /** The channel the panel subscribes to. */
  channel: EventChannel;
  component: FunctionComponent<PanelProps>;
}

/** The dashboard's panels, in display order. Each capability adds one line here. */
export const panels: PanelDefinition[] = [
  { id: 'approvals', title: 'Approvals', channel: 'approvals', component: ApprovalsPanel },
  { id: 'sessions', title: 'Agent sessions', channel: 'sessions', component: SessionsPanel },
  { id: 'tasks', title: 'Tasks', channel: 'tasks', component: TasksPanel },
  { id: 'mcp', title: 'MCP servers', channel: 'mcp', component: McpPanel },
  { id: 'mesh', title: 'Mesh health', channel: 'mesh', component: MeshPanel },
  { id: 'widgets', title: 'Widgets', channel: 'widgets', component: WidgetsPanel },
  { id: 'history', title: 'History', channel: 'history', component: HistoryPanel },
];
