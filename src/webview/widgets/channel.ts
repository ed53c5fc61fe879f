import type { JsonValue } from '../../shared/protocol';
import type { StoredWidget, WidgetsSnapshot } from '../../shared/widgets';
import { registerChannelReducer } from '../sync/channels';

/** Folds the 'widgets' channel's `upsert` and `removed` events into the snapshot copy. */
registerChannelReducer('widgets', (previous, name, payload) => {
  const current = (previous as unknown as WidgetsSnapshot | undefined)?.widgets ?? [];
  if (name === 'upsert') {
    const widget = payload as unknown as StoredWidget;
    const index = current.findIndex((w) => w.id === widget.id);
    const widgets = index === -1 ? [...current, widget] : current.map((w, i) => (i === index ? widget : w));
    return { widgets } as unknown as JsonValue;
  }
  if (name === 'removed') {
    const { id } = payload as { id: string };
    return { widgets: current.filter((w) => w.id !== id) } as unknown as JsonValue;
  }
  return previous;
});
