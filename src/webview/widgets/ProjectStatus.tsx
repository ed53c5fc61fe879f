import { words } from './format';
import { ProgressBar } from './ProgressBar';
import type { WidgetComponent } from './types';

export const ProjectStatus: WidgetComponent<'project_status'> = ({ data }) => (
  <div class="w-project">
    <div class="w-row">
      <strong class="w-title">{data.name}</strong>
      <span class={`pill health-${data.health}`}>{words(data.health)}</span>
    </div>
    {data.phase && <span class="muted">Phase: {data.phase}</span>}
    <div class="w-row">
      <ProgressBar value={data.progress} label={`${data.name} progress`} />
      <span>{data.progress}%</span>
    </div>
    {data.summary && <p class="w-text">{data.summary}</p>}
    {data.milestones && data.milestones.length > 0 && (
      <ul class="milestones" aria-label="Milestones">
        {data.milestones.map((m) => (
          <li key={m.name} class={m.done ? 'done' : ''}>
            <span aria-hidden="true">{m.done ? '✓' : '○'}</span> {m.name}
            <span class="sr-only">{m.done ? ' (done)' : ' (open)'}</span>
            {m.dueAt && <span class="muted"> · due {new Date(m.dueAt).toLocaleDateString()}</span>}
          </li>
        ))}
      </ul>
    )}
  </div>
);
