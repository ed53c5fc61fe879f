import { Component, type ComponentChildren } from 'preact';
import { checkWidgetData, type WidgetType } from '../../shared/widgets';
import type { RelayApi } from '../panels/types';
import { widgetRegistry } from './registry';
import type { WidgetComponent } from './types';

interface WidgetViewProps {
  id: string;
  type: string;
  data: unknown;
  api?: RelayApi;
}

/**
 * Draws any widget. Data is checked against its type's schema first: an unknown type, data that
 * does not fit, or a component that throws all render a visible error widget, never a blank space.
 */
export function WidgetView({ id, type, data, api }: WidgetViewProps) {
  const checked = checkWidgetData(type, data);
  if (!checked.ok) return <InvalidWidget id={id} problems={checked.problems} />;
  const Renderer = widgetRegistry[type as WidgetType] as WidgetComponent<WidgetType>;
  return (
    <RenderGuard id={id}>
      <Renderer id={id} data={checked.data as never} api={api} />
    </RenderGuard>
  );
}

function InvalidWidget({ id, problems }: { id: string; problems: string[] }) {
  return (
    <div class="w-error w-invalid" role="alert" data-testid="widget-invalid">
      <strong>Widget "{id}" cannot be shown</strong>
      <ul>
        {problems.map((p) => (
          <li key={p}>
            <code>{p}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

class RenderGuard extends Component<{ id: string; children: ComponentChildren }, { error?: string }> {
  override state: { error?: string } = {};

  override componentDidCatch(error: unknown): void {
    this.setState({ error: error instanceof Error ? error.message : String(error) });
  }

  override render() {
    return this.state.error ? <InvalidWidget id={this.props.id} problems={[`rendering failed: ${this.state.error}`]} /> : this.props.children;
  }
}
