import type { EventChannel, JsonValue } from '../../shared/protocol';

/**
 * How one channel's events fold into the webview's copy of that channel. Every channel starts
 * with a `snapshot` event (sent by the relay on subscribe), which replaces the copy; a panel that
 * gets finer-grained events registers its own reducer here.
 */
export type ChannelReducer = (previous: JsonValue | undefined, name: string, payload: JsonValue) => JsonValue | undefined;

const reducers = new Map<EventChannel, ChannelReducer>();

export function registerChannelReducer(channel: EventChannel, reducer: ChannelReducer): void {
  reducers.set(channel, reducer);
}

export function reduceChannel(channel: EventChannel, previous: JsonValue | undefined, name: string, payload: JsonValue): JsonValue | undefined {
  if (name === 'snapshot') return payload;
  const reducer = reducers.get(channel);
  return reducer ? reducer(previous, name, payload) : previous;
}
