import { useEffect, useState } from 'preact/hooks';
import { formatDuration } from '../../shared/approvals';

import type { Task } from '../../shared/tasks';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import { CardList } from '../widgets/CardList';
import { ProgressBar } from '../widgets/ProgressBar';
import type { PanelProps, RelayApi } from './types';

registerChannelReducer('tasks', (previous, event) => {
  const tasks = previous?.tasks ?? [];
  if (event.name === 'upsert') {
    const task = event.payload;
    return { tasks: [task, ...tasks.filter((t) => t.id !== task.id)] };
  }
  if (event.name === 'removed') return { tasks: tasks.filter((t) => t.id !== event.payload.id) };
  return previous;
});

/** Re-renders every second while something runs, so elapsed times move. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** Agents' long-running tasks: weighted progress, elapsed time, the current step, and cancel. */
export function TasksPanel({ data: snapshot, api }: PanelProps<'tasks'>) {
  const running = snapshot?.tasks.some((t) => t.status === 'running') ?? false;
  const now = useNow(running);
  if (!snapshot) return <p class="muted">Loading tasks…</p>;
  if (snapshot.tasks.length === 0) return <p class="muted">No tasks. Agents report them with POST /api/tasks, the WebSocket or the MCP report_progress tool.</p>;
  const ordered = [...snapshot.tasks].sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.createdAt - a.createdAt);
  return (
    <CardList items={ordered} label="Tasks" estimatedHeight={110} cardKey={(task) => task.id} renderCard={(task) => <TaskRow task={task} now={now} api={api} />} class="task-cards" testId="tasks-panel" />
  );
}

function TaskRow({ task, now, api }: { task: Task; now: number; api: RelayApi }) {
  const [problem, setProblem] = useState<string | undefined>();
  const elapsed = (task.finishedAt ?? now) - task.createdAt;
  const current = task.steps.find((s) => s.state === 'running') ?? task.steps.find((s) => s.state === 'pending');
  const doneSteps = task.steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
  const stale = task.status === 'running' && task.stale;
  return (
    <article class={`task-card task-${task.status}`} aria-label={`${task.title}, ${task.status}${stale ? ', stale' : ''}, ${task.percent}%`} data-testid={`task-${task.id}`}>
      <header class="task-card-header">
        <strong>{task.title}</strong>
        <span class={`task-status status-${task.status}`}>{task.status}</span>
        {stale && (
          <span class="task-status status-stale" title="No report for a while: it no longer counts toward its agent's limit until it reports again">
            stale
          </span>
        )}
        <span class="muted">{task.agent}</span>
        <span class="muted task-elapsed" title="Elapsed">
          {formatElapsed(elapsed)}
        </span>
      </header>
      <ProgressBar value={task.percent} label={`${task.title} progress`} />
      <div class="task-detail muted">
        {task.percent}% · step {Math.min(doneSteps + 1, task.steps.length)} of {task.steps.length}
        {task.status === 'running' && current ? ` · ${current.name}` : ''}
        {task.status === 'running' && current && current.attempts > 0 ? ` (retry ${current.attempts} of ${current.retries})` : ''}
        {task.message ? ` · ${task.message}` : ''}
        {task.status === 'cancelled' && task.cancelledBy ? ` · cancelled by ${task.cancelledBy}${task.cancelReason ? `: ${task.cancelReason}` : ''}` : ''}
      </div>
      {task.status === 'running' && (
        <Button
          appearance="secondary"
          title={`Cancel the task ${task.title}`}
          onClick={() => void api.request('DELETE', `/api/tasks/${encodeURIComponent(task.id)}`, { by: 'dashboard', reason: 'cancelled from the dashboard' }).catch((e: Error) => setProblem(e.message))}
        >
          Cancel
        </Button>
      )}
      {problem && (
        <p class="notice-error" role="alert">
          {problem}
        </p>
      )}
    </article>
  );
}

function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return formatDuration(ms);
}
