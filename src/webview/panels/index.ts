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
}

export interface PanelDefinition {
  id: string;
  title: string;
  /** The channel the panel subscribes to. */
  channel: EventChannel;
  component: FunctionComponent<PanelProps>;
}

/** The dashboard's panels, in display order. Each capability adds one line here. */
export const panels: PanelDefinition[] = [];
