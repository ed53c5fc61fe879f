import { words } from './format';
import type { WidgetComponent } from './types';
import { VirtualList } from './VirtualList';

export const TaskList: WidgetComponent<'task_list'> = ({ data }) => (
  <div class="w-task-list">
    {data.title && <strong class="w-title">{data.title}</strong>}
    {data.tasks.length === 0 ? (
      <p class="muted">No tasks.</p>
    ) : (
      <VirtualList
        items={data.tasks}
        rowHeight={28}
        label={data.title ?? 'Tasks'}
        renderRow={(task) => (
          <div class="task-row">
            <span class={`pill pill-${task.status}`}>{words(task.status)}</span>
            <span class="ellipsis" title={task.title}>
              {task.title}
            </span>
            {task.assignee && <span class="muted">{task.assignee}</span>}
            {task.progress !== undefined && <span class="muted">{task.progress}%</span>}
          </div>
        )}
      />
    )}
  </div>
);
