import type { WidgetComponent } from './types';

const ICON = { info: 'ℹ', success: '✓', warning: '⚠', error: '✖' } as const;

export const Alert: WidgetComponent<'alert'> = ({ data }) => (
  <div class={`w-alert severity-${data.severity}`} role={data.severity === 'error' || data.severity === 'warning' ? 'alert' : 'status'}>
    <span class="alert-icon" aria-hidden="true">
      {ICON[data.severity]}
    </span>
    <div>
      <strong>{data.title}</strong>
      {data.message && <p class="w-text">{data.message}</p>}
    </div>
  </div>
);
