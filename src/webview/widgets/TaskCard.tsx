import type { WidgetComponent } from './types';
import { words } from './format';

export const TaskCard: WidgetComponent<'task_card'> = ({ data }) => (
  <div class="w-task-card">
    <div class="w-row">
      <strong class="w-title">{data.title}</strong>
      <span class={`pill pill-${data.status}`}>{words(data.status)}</span>
    </div>
    {data.description && <p class="w-text">{data.description}</p>}
    <dl class="w-facts">
      {data.assignee && (
        <>
          <dt>Assignee</dt>
          <dd>{data.assignee}</dd>
        </>
      )}
      {data.priority && (
        <>
          <dt>Priority</dt>
          <dd class={`priority-${data.priority}`}>{data.priority}</dd>
        </>
      )}
      {data.dueAt && (
        <>
          <dt>Due</dt>
          <dd>
            <time dateTime={data.dueAt}>{new Date(data.dueAt).toLocaleString()}</time>
          </dd>
        </>
      )}
    </dl>
    {data.tags && data.tags.length > 0 && (
      <ul class="w-tags" aria-label="Tags">
        {data.tags.map((tag) => (
          <li key={tag}>{tag}</li>
        ))}
      </ul>
    )}
  </div>
);
