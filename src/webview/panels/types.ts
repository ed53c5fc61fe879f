// What panels, widgets and the dashboard shell share, apart from the list of panels (index.ts), so
// that a panel never imports the list that imports it.
import type { FunctionComponent } from 'preact';
import type { EventChannel, JsonValue } from '../../shared/protocol';

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
}

export interface PanelDefinition {
  id: string;
  title: string;
  /** The channel the panel subscribes to. */
  channel: EventChannel;
  component: FunctionComponent<PanelProps>;
}
