import { formatNumber } from './format';
import { Sparkline } from './Sparkline';
import type { WidgetComponent } from './types';

export const Metrics: WidgetComponent<'metrics'> = ({ data }) => (
  <div class="w-metrics">
    {data.title && <strong class="w-title">{data.title}</strong>}
    <dl class="metrics-grid">
      {data.metrics.map((m) => (
        <div key={m.label} class="metric">
          <dt class="muted">{m.label}</dt>
          <dd>
            <span class="metric-value">
              {formatNumber(m.value)}
              {m.unit && <span class="metric-unit"> {m.unit}</span>}
            </span>
            {m.delta !== undefined && m.delta !== 0 && (
              <span class={m.delta > 0 ? 'delta-up' : 'delta-down'}>
                <span aria-hidden="true">{m.delta > 0 ? '▲' : '▼'}</span>
                <span class="sr-only">{m.delta > 0 ? 'up' : 'down'}</span> {formatNumber(Math.abs(m.delta))}
              </span>
            )}
            {m.trend && m.trend.length > 1 && <Sparkline values={m.trend} label={`${m.label} trend`} width={90} height={20} />}
          </dd>
        </div>
      ))}
    </dl>
  </div>
);
