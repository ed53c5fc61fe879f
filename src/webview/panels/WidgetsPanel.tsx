import { useState } from 'preact/hooks';

import { WIDGET_TYPES, type WidgetType } from '../../shared/widgets';
import { Button } from '../ui/Button';
import '../widgets/channel';
import { WIDGET_TITLES } from '../widgets/registry';
import { WidgetView } from '../widgets/Widget';
import type { PanelProps } from './types';

/** Every widget agents pushed (POST /api/widgets, the MCP render_widget tool), newest last. */
export function WidgetsPanel({ data: snapshot, api }: PanelProps<'widgets'>) {
  const [problem, setProblem] = useState<string | undefined>();
  if (!snapshot) return <p class="muted">Waiting for widgets…</p>;
  if (snapshot.widgets.length === 0) {
    return <p class="muted">No widgets yet. Agents add them with POST /api/widgets or the render_widget MCP tool.</p>;
  }
  return (
    <div class="widget-grid">
      {problem && <p class="notice-error">{problem}</p>}
      {snapshot.widgets.map((widget) => {
        const title = (WIDGET_TYPES as string[]).includes(widget.type) ? WIDGET_TITLES[widget.type as WidgetType] : widget.type;
        return (
          <article key={widget.id} class="widget" aria-label={`${title} widget ${widget.id}`} data-testid={`widget-${widget.id}`} data-widget-type={widget.type}>
            <header class="widget-header">
              <span class="muted">
                {title} · <code>{widget.id}</code>
              </span>
              <Button appearance="icon" onClick={() => void api.request('DELETE', `/api/widgets/${encodeURIComponent(widget.id)}`).catch((error: Error) => setProblem(error.message))} title={`Remove widget ${widget.id}`}>
                ✕
              </Button>
            </header>
            <WidgetView id={widget.id} type={widget.type} data={widget.data} api={api} />
          </article>
        );
      })}
    </div>
  );
}
