import { Sparkline } from './Sparkline';
import type { WidgetComponent } from './types';

export const Vitals: WidgetComponent<'vitals'> = ({ data }) => (
  <div class="w-vitals">
    {data.title && <strong class="w-title">{data.title}</strong>}
    {data.items.length === 0 ? (
      <p class="muted">Nothing to show.</p>
    ) : (
      <ul class="vitals-list">
        {data.items.map((item) => (
          <li key={item.label} class="vitals-item" data-status={item.status} aria-label={`${item.label}: ${item.status}${item.latencyMs !== undefined ? `, ${item.latencyMs} ms` : ''}${item.circuit ? `, circuit ${item.circuit}` : ''}`}>
            <span class={`dot dot-${item.status}`} aria-hidden="true" />
            <span class="vitals-label">{item.label}</span>
            <span class="vitals-latency">{item.latencyMs !== undefined ? `${item.latencyMs} ms` : '–'}</span>
            {item.history && <Sparkline values={item.history} label={`latency of ${item.label}, last ${item.history.length} checks`} />}
            {item.circuit && <span class={`circuit circuit-${item.circuit}`}>circuit {item.circuit}</span>}
            {item.detail && <span class="vitals-detail muted">{item.detail}</span>}
          </li>
        ))}
      </ul>
    )}
  </div>
);
