import type { ChannelEvent, ChannelSnapshot, ChannelSnapshots } from '../../shared/channelEvents';
import type { EventChannel, JsonValue } from '../../shared/protocol';

/**
 * How one channel's events fold into the webview's copy of that channel. Every channel starts
 * with a `snapshot` event (sent by the relay on subscribe), which replaces the copy; a panel that
 * gets finer-grained events registers its own reducer here.
 */
export type ChannelReducer<C extends EventChannel> = (previous: ChannelSnapshot<C> | undefined, event: ChannelEvent<C>) => ChannelSnapshot<C> | undefined;

type Reducers = { [C in EventChannel]?: ChannelReducer<C> };
const reducers: Reducers = {};

export function registerChannelReducer<C extends EventChannel>(channel: C, reducer: ChannelReducer<C>): void {
  (reducers as Record<C, ChannelReducer<C>>)[channel] = reducer;
}

/**
 * Folds one event frame into the channel copies. The relay publishes through the same typed map
 * (src/shared/channelEvents.ts), so the frame's `name` and `payload` are read as that channel's event.
 */
export function reduceChannel<C extends EventChannel>(channels: ChannelSnapshots, channel: C, name: string, payload: JsonValue): ChannelSnapshots {
  const event = { name, payload } as unknown as ChannelEvent<C>;
  const previous = channels[channel] as ChannelSnapshot<C> | undefined;
  if (event.name === 'snapshot') return { ...channels, [channel]: event.payload };
  const reducer = (reducers as Record<C, ChannelReducer<C> | undefined>)[channel];
  return reducer ? { ...channels, [channel]: reducer(previous, event) } : channels;
}
