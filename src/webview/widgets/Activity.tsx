import { clock } from './format';
import type { WidgetComponent } from './types';
import { VirtualList } from './VirtualList';

export const Activity: WidgetComponent<'activity'> = ({ data }) => (
  <div class="w-activity">
    {data.title && <strong class="w-title">{data.title}</strong>}
    {data.entries.length === 0 ? (
      <p class="muted">No activity yet.</p>
    ) : (
      <VirtualList
        items={data.entries}
        rowHeight={26}
        label={data.title ?? 'Activity'}
        renderRow={(entry) => (
          <div class={`activity-entry level-${entry.level ?? 'info'}`}>
            <time dateTime={entry.at} class="muted">
              {clock(entry.at)}
            </time>
            {entry.actor && <strong>{entry.actor}</strong>}
            <span class="ellipsis" title={entry.text}>
              {entry.text}
            </span>
          </div>
        )}
      />
    )}
  </div>
);
