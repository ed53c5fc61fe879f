// What panels, widgets and the dashboard shell share, apart from the list of panels (index.ts), so
// that a panel never imports the list that imports it.
import { h, type ComponentChild, type FunctionComponent } from 'preact';
import type { ChannelSnapshot, ChannelSnapshots } from '../../shared/channelEvents';
import type { EventChannel } from '../../shared/protocol';

/** What a panel gets: its channel's latest copy, and a way to call the relay's HTTP API. */
export interface PanelProps<C extends EventChannel = EventChannel> {
  data: ChannelSnapshot<C> | undefined;
  api: RelayApi;
}

export interface RelayApi {
  /** Calls the relay with the dashboard's credentials; rejects with the API's error message. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Calls a streaming route (NDJSON), handing each line over as it arrives; resolves when the stream ends. */
  stream<L>(method: string, path: string, body: unknown, onLine: (line: L) => void): Promise<void>;
  /** GETs a file route (an attachment) with the dashboard's credentials: its content, the name the relay gave it and the answer's headers. */
  download(path: string): Promise<{ blob: Blob; filename: string; headers: Headers }>;
}

export interface PanelDefinition<C extends EventChannel = EventChannel> {
  id: string;
  title: string;
  /** The channel the panel subscribes to. */
  channel: C;
  component: FunctionComponent<PanelProps<C>>;
}

/** A panel as the dashboard lists it: its component already bound to its channel's copy. */
export interface Panel {
  id: string;
  title: string;
  channel: EventChannel;
  render(channels: ChannelSnapshots, api: RelayApi): ComponentChild;
}

export function definePanel<C extends EventChannel>({ id, title, channel, component }: PanelDefinition<C>): Panel {
  return { id, title, channel, render: (channels, api) => h(component, { data: channels[channel], api }) };
}
