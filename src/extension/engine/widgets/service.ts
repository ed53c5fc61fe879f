import * as z from 'zod';
import { checkWidgetData, widgetRequestSchema, type StoredWidget, type WidgetData, type WidgetEvent, type WidgetsSnapshot } from '../../../shared/widgets';
import { CollectionFile } from '../collectionFile';
import type { Logger } from '../log';
import { EngineError } from '../errors';
import type { Recoveries } from '../state/recoveries';

export const MAX_WIDGETS = 500;


const storedWidgetSchema = widgetRequestSchema.extend({ updatedAt: z.iso.datetime({ offset: true }) });

/** A stored entry, or undefined when it is not a widget the relay would have accepted. */
function storedWidget(entry: unknown): StoredWidget | undefined {
  const parsed = storedWidgetSchema.safeParse(entry);
  if (!parsed.success || !checkWidgetData(parsed.data.type, parsed.data.data).ok) return undefined;
  return parsed.data;
}

/**
 * The widgets every dashboard shows, kept in memory and in one JSON file (atomic writes, bursts
 * coalesced). A change is on disk before it is answered or broadcast; one that cannot be written
 * is answered 503 and undone.
 */
export class WidgetService {
  private readonly widgets = new Map<string, StoredWidget>();
  private readonly file: CollectionFile;

  constructor(
    file: string,
    private readonly logger: Logger,
    private readonly emit: (event: WidgetEvent) => void,
    recoveries?: Recoveries,
  ) {
    this.file = new CollectionFile(file, 'widgets', logger, () => this.list(), recoveries);
  }

  /**
   * Reads the saved widgets. A file with any entry the relay would not accept is set aside (kept for
   * inspection and reported), and the valid entries are kept and written back.
   */
  async load(): Promise<void> {
    let valid: StoredWidget[] = [];
    const stored = await this.file.read((raw) => {
      if (!Array.isArray(raw)) throw new Error('not an array');
      valid = raw.flatMap((entry) => storedWidget(entry) ?? []);
      const invalid = raw.length - valid.length;
      if (invalid > 0) throw new Error(`${invalid} of its ${raw.length} entries are not valid widgets; the ${valid.length} valid ones are kept`);
      return valid;
    });
    for (const widget of stored ?? valid) this.widgets.set(widget.id, widget);
    if (!stored && valid.length > 0) {
      await this.file.write('keeping the valid widgets').catch((error: Error) => this.logger.error(`widgets: ${error.message}`));
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
   * Shows (or replaces) a widget on every dashboard. Throws an invalid EngineError naming the fields when
   * the request or its data does not fit the widget type's schema; nothing changes then.
   */
  async render(request: { id: string; type: string; data: unknown }): Promise<StoredWidget> {
    const envelope = widgetRequestSchema.safeParse(request);
    if (!envelope.success) {
      throw new EngineError('invalid', 'invalid_widget', envelope.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    const { id, type } = envelope.data;
    const checked = checkWidgetData(type, envelope.data.data);
    if (!checked.ok) throw new EngineError('invalid', 'invalid_widget', `${type} widget "${id}": ${checked.problems.join('; ')}`);
    if (!this.widgets.has(id) && this.widgets.size >= MAX_WIDGETS) {
      throw new EngineError('conflict', 'too_many_widgets', `the dashboard holds ${MAX_WIDGETS} widgets already; delete some first`);
    }
    const widget: StoredWidget = { id, type, data: checked.data, updatedAt: new Date().toISOString() };
    await this.commit(id, widget);
    this.emit({ name: 'upsert', payload: widget });
    return widget;
  }

  async remove(id: string): Promise<void> {
    if (!this.widgets.has(id)) throw new EngineError('not_found', 'not_found', `no widget "${id}"`);
    await this.commit(id, undefined);
    this.emit({ name: 'removed', payload: { id } });
  }

  /**
   * A person pressed "Retry" on an error widget: one attempt is used up and the agent that owns
   * the widget hears `retry` on the 'widgets' channel.
   */
  async retry(id: string): Promise<{ id: string; attemptsLeft: number }> {
    const widget = this.widgets.get(id);
    if (!widget) throw new EngineError('not_found', 'not_found', `no widget "${id}"`);
    if (widget.type !== 'error') throw new EngineError('conflict', 'not_retryable', `widget "${id}" is a ${widget.type} widget; only error widgets retry`);
    const data = widget.data as WidgetData<'error'>;
    if (data.attemptsLeft === 0) throw new EngineError('conflict', 'no_attempts_left', `widget "${id}" has no attempts left`);
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

  /** Why the widgets cannot be saved, for the relay's condition; undefined while they can. */
  get storeProblem(): string | undefined {
    return this.file.problem;
  }

  onStoreProblemChange(listener: () => void): () => void {
    return this.file.onProblemChange(listener);
  }

  /**
   * Sets (or deletes) one widget and persists it; a failed write puts the previous one back, unless
   * a later change of the same widget has replaced it meanwhile.
   */
  private async commit(id: string, widget: StoredWidget | undefined): Promise<void> {
    const previous = this.widgets.get(id);
    if (widget) this.widgets.set(id, widget);
    else this.widgets.delete(id);
    try {
      await this.file.write(`widget "${id}"`);
    } catch (error) {
      if (this.widgets.get(id) === widget) {
        if (previous) this.widgets.set(id, previous);
        else this.widgets.delete(id);
      }
      throw error;
    }
  }
}
