import { registerChannelReducer } from '../sync/channels';

/** Folds the 'widgets' channel's `upsert` and `removed` events into the snapshot copy. */
registerChannelReducer('widgets', (previous, event) => {
  const current = previous?.widgets ?? [];
  if (event.name === 'upsert') {
    const widget = event.payload;
    const index = current.findIndex((w) => w.id === widget.id);
    const widgets = index === -1 ? [...current, widget] : current.map((w, i) => (i === index ? widget : w));
    return { widgets };
  }
  if (event.name === 'removed') return { widgets: current.filter((w) => w.id !== event.payload.id) };
  return previous;
});
