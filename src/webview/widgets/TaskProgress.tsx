import { weightedProgress } from '../../shared/widgets';
import { ProgressBar } from './ProgressBar';
import type { WidgetComponent } from './types';

const MARK = { pending: '○', running: '◐', done: '✓', failed: '✖', skipped: '–' } as const;

export const TaskProgress: WidgetComponent<'task_progress'> = ({ data }) => {
  const overall = weightedProgress(data.steps);
  return (
    <div class="w-task-progress">
      <div class="w-row">
        <strong class="w-title">{data.title}</strong>
        <span>{overall}%</span>
      </div>
      <ProgressBar value={overall} label={`${data.title}: overall progress`} />
      {data.message && <p class="w-text muted">{data.message}</p>}
      <ol class="steps">
        {data.steps.map((step, i) => (
          <li key={`${i}-${step.name}`} class={`step step-${step.status}`}>
            <span aria-hidden="true">{MARK[step.status]}</span> {step.name}
            <span class="muted">
              {' '}
              · {step.status}
              {step.status === 'running' && step.progress !== undefined ? ` ${step.progress}%` : ''}
              {step.weight !== undefined && step.weight !== 1 ? ` · weight ${step.weight}` : ''}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
};
