import { useState } from 'preact/hooks';
import type { Approval, SamplingPreview } from '../../shared/approvals';
import { checkElicitationContent, elicitationFields, initialElicitationValues, valueFromText, type ElicitationContent, type ElicitationField } from '../../shared/elicitation';
import { Button } from '../ui/Button';
import { TextField } from '../ui/TextField';
import type { RelayApi } from './types';

/** What the form holds while the person fills it: text as typed, choices as chosen. */
type Draft = Record<string, string | boolean | string[]>;

function draftFrom(fields: readonly ElicitationField[]): Draft {
  const defaults = initialElicitationValues(fields);
  const draft: Draft = {};
  for (const field of fields) {
    const value = defaults[field.name];
    if (field.kind === 'boolean') draft[field.name] = value === true;
    else if (field.kind === 'multi') draft[field.name] = Array.isArray(value) ? value : [];
    else draft[field.name] = value === undefined ? '' : String(value);
  }
  return draft;
}

/** The draft as the answer's content, or the reasons it does not fit yet. */
function contentFrom(fields: readonly ElicitationField[], draft: Draft): { content?: ElicitationContent; errors: string[] } {
  const content: ElicitationContent = {};
  const errors: string[] = [];
  for (const field of fields) {
    const value = draft[field.name];
    if (typeof value === 'boolean' || Array.isArray(value)) {
      content[field.name] = value;
      continue;
    }
    const parsed = valueFromText(field, value);
    if (parsed.error) errors.push(parsed.error);
    else if (parsed.value !== undefined) content[field.name] = parsed.value;
  }
  if (errors.length > 0) return { errors };
  const checked = checkElicitationContent(fields, content);
  return checked.ok ? { content: checked.content, errors: [] } : { errors: checked.errors };
}

/** An MCP server's question as a form: the schema's fields with their defaults; submit, decline or cancel. */
export function ElicitationForm({ approval, api }: { approval: Approval; api: RelayApi }) {
  const fields = elicitationFields(approval.elicitation?.requestedSchema);
  const [draft, setDraft] = useState<Draft>(() => draftFrom(fields));
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const set = (name: string, value: Draft[string]) => {
    setDraft({ ...draft, [name]: value });
    setProblems([]); // the refusal was of the previous answer; Submit checks this one again
  };

  const send = async (body: object) => {
    setBusy(true);
    setProblems([]);
    try {
      await api.request('POST', `/api/approvals/${encodeURIComponent(approval.id)}/answer`, { ...body, by: 'dashboard' });
    } catch (error) {
      setProblems([(error as Error).message]);
      setBusy(false);
    }
  };
  const submit = () => {
    const { content, errors } = contentFrom(fields, draft);
    if (!content) return setProblems(errors);
    void send({ action: 'accept', content });
  };

  return (
    <div class="elicitation-form" role="form" aria-label={`Answer ${approval.elicitation?.server ?? 'the server'}`} data-testid={`elicitation-${approval.id}`}>
      <p class="approval-description">{approval.elicitation?.message}</p>
      {fields.map((field) => (
        <FieldInput key={field.name} field={field} value={draft[field.name]} idPrefix={approval.id} onChange={(value) => set(field.name, value)} />
      ))}
      <div class="approval-actions">
        <Button onClick={submit} disabled={busy} title={`Send the answer to ${approval.elicitation?.server ?? 'the server'}`}>
          Submit
        </Button>
        <Button appearance="secondary" onClick={() => void send({ action: 'decline' })} disabled={busy} title="Decline to answer">
          Decline
        </Button>
        <Button appearance="secondary" onClick={() => void send({ action: 'cancel' })} disabled={busy} title="Dismiss without answering">
          Cancel
        </Button>
      </div>
      {problems.length > 0 && (
        <ul class="notice-error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FieldInput({ field, value, idPrefix, onChange }: { field: ElicitationField; value: Draft[string]; idPrefix: string; onChange: (value: Draft[string]) => void }) {
  const id = `elicit-${idPrefix}-${field.name}`;
  const label = `${field.title}${field.required ? ' *' : ''}`;
  const hint = field.description && <span class="muted field-hint">{field.description}</span>;
  switch (field.kind) {
    case 'boolean':
      return (
        <div class="elicitation-field">
          <label for={id}>
            <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)} data-testid={id} /> {label}
          </label>
          {hint}
        </div>
      );
    case 'enum':
      return (
        <div class="elicitation-field">
          <label for={id}>{label}</label>
          <select id={id} value={value as string} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)} data-testid={id}>
            {(!field.required || value === '') && <option value="">—</option>}
            {field.options!.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {hint}
        </div>
      );
    case 'multi': {
      const chosen = value as string[];
      return (
        <fieldset class="elicitation-field">
          <legend>{label}</legend>
          {field.options!.map((o) => (
            <label key={o.value}>
              <input
                type="checkbox"
                checked={chosen.includes(o.value)}
                onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked ? [...chosen, o.value] : chosen.filter((v) => v !== o.value))}
                data-testid={`${id}-${o.value}`}
              />{' '}
              {o.label}
            </label>
          ))}
          {hint}
        </fieldset>
      );
    }
    default:
      return (
        <div class="elicitation-field">
          <TextField id={id} testId={id} label={label} value={value as string} onInput={onChange} placeholder={field.format ?? (field.kind === 'string' ? '' : field.kind)} />
          {hint}
        </div>
      );
  }
}

/** What a sampling request would send to a model, shown before the person approves it. */
export function SamplingDetails({ sampling }: { sampling: SamplingPreview }) {
  return (
    <div class="sampling-preview" data-testid="sampling-preview">
      <p class="muted">
        {sampling.server} asks a language model ({sampling.model}, at most {sampling.maxTokens} tokens).
      </p>
      {sampling.systemPrompt && (
        <p>
          <strong>System prompt:</strong> {sampling.systemPrompt}
        </p>
      )}
      <ol class="sampling-messages">
        {sampling.messages.map((m, i) => (
          <li key={i}>
            <strong>{m.role}:</strong> <span class="sampling-text">{m.text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
