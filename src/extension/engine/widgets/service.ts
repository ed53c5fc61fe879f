import { checkWidgetData, widgetRequestSchema, type StoredWidget, type WidgetData, type WidgetsSnapshot } from '../../../shared/widgets';
import type { Logger } from '../log';
import { HttpError } from '../relay/http';
import { SnapshotFile } from '../state/snapshotFile';

export const MAX_WIDGETS = 500;

export type WidgetEvent =
  | { name: 'upsert'; payload: StoredWidget }
  | { name: 'remove'; payload: { id: string } }
  | { name: 'retry'; payload: { id: string; attemptsLeft: number } };

/**
 * The widgets every dashboard shows, kept in memory and in one JSON file (atomic writes, bursts
 * coalesced). `render` resolves once the widget is on disk, so an answered request is never lost.
 */
export class WidgetService {
  private readonly widgets = new Map<string, StoredWidget>();
  private readonly file: SnapshotFile;

  constructor(
    file: string,
    logger: Logger,
    private readonly emit: (event: WidgetEvent) => void,
  ) {
    this.file = new SnapshotFile(file, 'widgets', logger, () => this.list());
  }

  async load(): Promise<void> {
    const stored = await this.file.read((raw) => {
      if (!Array.isArray(raw)) throw new Error('not an array');
      return raw as StoredWidget[];
    });
    for (const widget of stored ?? []) {
      if (widgetRequestSchema.safeParse({ id: widget.id, type: widget.type, data: widget.data }).success) this.widgets.set(widget.id, widget);
    }
  }

  list(): StoredWidget[] {
    return [...this.widgets.values()];
  }

  snapshot(): WidgetsSnapshot {
    return { widgets: this.list() };
  }

  get(id: string): StoredWidget | undefined {
    return this.widgets.get(id);
  }

  /**
   * Shows (or replaces) a widget on every dashboard. Throws HttpError 400 naming the fields when
   * the request or its data does not fit the widget type's schema; nothing changes then.
   */
  async render(request: { id: string; type: string; data: unknown }): Promise<StoredWidget> {
    const envelope = widgetRequestSchema.safeParse(request);
    if (!envelope.success) {
      throw new HttpError(400, 'invalid_widget', envelope.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    const { id, type } = envelope.data;
    const checked = checkWidgetData(type, envelope.data.data);
    if (!checked.ok) throw new HttpError(400, 'invalid_widget', `${type} widget "${id}": ${checked.problems.join('; ')}`);
    if (!this.widgets.has(id) && this.widgets.size >= MAX_WIDGETS) {
      throw new HttpError(409, 'too_many_widgets', `the dashboard holds ${MAX_WIDGETS} widgets already; delete some first`);
    }
    const widget: StoredWidget = { id, type, data: checked.data, updatedAt: new Date().toISOString() };
    await this.commit(id, widget);
    this.emit({ name: 'upsert', payload: widget });
    return widget;
  }

  async remove(id: string): Promise<void> {
    if (!this.widgets.has(id)) throw new HttpError(404, 'not_found', `no widget "${id}"`);
    await this.commit(id, undefined);
    this.emit({ name: 'remove', payload: { id } });
  }

  /**
   * A person pressed "Retry" on an error widget: one attempt is used up and the agent that owns
   * the widget hears `retry` on the 'widgets' channel.
   */
  async retry(id: string): Promise<{ id: string; attemptsLeft: number }> {
    const widget = this.widgets.get(id);
    if (!widget) throw new HttpError(404, 'not_found', `no widget "${id}"`);
    if (widget.type !== 'error') throw new HttpError(409, 'not_retryable', `widget "${id}" is a ${widget.type} widget; only error widgets retry`);
    const data = widget.data as WidgetData<'error'>;
    if (data.attemptsLeft === 0) throw new HttpError(409, 'no_attempts_left', `widget "${id}" has no attempts left`);
    const updated: StoredWidget = { ...widget, data: { ...data, attemptsLeft: data.attemptsLeft - 1 }, updatedAt: new Date().toISOString() };
    await this.commit(id, updated);
    this.emit({ name: 'upsert', payload: updated });
    const retry = { id, attemptsLeft: data.attemptsLeft - 1 };
    this.emit({ name: 'retry', payload: retry });
    return retry;
  }

  async flush(): Promise<void> {
    await this.file.flush();
  }

  /** Sets (or deletes) one widget and persists it; a failed write puts the previous one back. */
  private async commit(id: string, widget: StoredWidget | undefined): Promise<void> {
    const previous = this.widgets.get(id);
    if (widget) this.widgets.set(id, widget);
    else this.widgets.delete(id);
    try {
      await this.file.write();
    } catch (error) {
      if (previous) this.widgets.set(id, previous);
      else this.widgets.delete(id);
      throw error;
    }
  }
}
