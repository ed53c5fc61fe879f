import { readFile, rename } from 'node:fs/promises';
import { checkWidgetData, widgetRequestSchema, type StoredWidget, type WidgetData, type WidgetsSnapshot } from '../../../shared/widgets';
import type { Logger } from '../log';
import { HttpError } from '../relay/http';
import { writeFileAtomic } from '../state/atomicFile';

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
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly emit: (event: WidgetEvent) => void,
  ) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const stored = JSON.parse(text) as StoredWidget[];
      if (!Array.isArray(stored)) throw new Error('not an array');
      for (const widget of stored) {
        if (widgetRequestSchema.safeParse({ id: widget.id, type: widget.type, data: widget.data }).success) this.widgets.set(widget.id, widget);
      }
    } catch (error) {
      const aside = `${this.file}.unreadable-${Date.now()}`;
      await rename(this.file, aside);
      this.logger.error(`widgets file ${this.file} is unreadable (${(error as Error).message}); moved to ${aside}, starting empty`);
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
    await this.writing;
  }

  /** Sets (or deletes) one widget and persists it; a failed write puts the previous one back. */
  private async commit(id: string, widget: StoredWidget | undefined): Promise<void> {
    const previous = this.widgets.get(id);
    if (widget) this.widgets.set(id, widget);
    else this.widgets.delete(id);
    try {
      await this.save();
    } catch (error) {
      if (previous) this.widgets.set(id, previous);
      else this.widgets.delete(id);
      throw error;
    }
  }

  /** One write at a time; changes made while a write runs share the next one. */
  private save(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return writeFileAtomic(this.file, JSON.stringify(this.list()));
      });
    this.queued = next;
    this.writing = next;
    return next;
  }
}
