import { useEffect, useRef, useState } from 'preact/hooks';
import type { JsonObject, JsonValue } from '../../shared/protocol';

/** Where the notes live in the shared state. */
export const NOTES_PATH = 'notes.text';
const SAVE_AFTER_MS = 400;
const MAX_LENGTH = 4000;

function notesOf(state: JsonObject): string {
  const notes = state.notes;
  const text = typeof notes === 'object' && notes !== null && !Array.isArray(notes) ? notes.text : undefined;
  return typeof text === 'string' ? text : '';
}

interface SharedNotesProps {
  state: JsonObject;
  pendingCount: number;
  write: (path: string, value: JsonValue) => void;
}

/**
 * A note every open dashboard shares (webview, browser, phone): typing is saved after a short
 * pause and appears everywhere; while a draft is being typed, other devices' edits wait for it.
 */
export function SharedNotes({ state, pendingCount, write }: SharedNotesProps) {
  const shared = notesOf(state);
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const commit = (text: string) => {
    clearTimeout(timer.current);
    if (text !== shared) write(NOTES_PATH, text);
    setDraft(undefined);
  };
  useEffect(() => () => clearTimeout(timer.current), []);

  const onInput = (event: Event) => {
    const text = (event.currentTarget as HTMLTextAreaElement).value;
    setDraft(text);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => commit(text), SAVE_AFTER_MS);
  };

  const saving = draft !== undefined || pendingCount > 0;
  return (
    <div class="shared-notes">
      <label for="shared-notes-text">Notes for everyone on this dashboard</label>
      <textarea
        id="shared-notes-text"
        data-testid="shared-notes"
        rows={3}
        maxLength={MAX_LENGTH}
        value={draft ?? shared}
        placeholder="Pin a message for the team: what the agents are doing, what to watch…"
        onInput={onInput}
        onBlur={(event) => draft !== undefined && commit((event.currentTarget as HTMLTextAreaElement).value)}
      />
      <span class="muted" data-testid="shared-notes-status" aria-live="polite">
        {saving ? 'Saving…' : 'Saved and shared'}
      </span>
    </div>
  );
}
