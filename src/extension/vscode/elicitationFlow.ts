// An MCP server's question (elicitation) asked in VS Code, one field at a time: input boxes for text
// and numbers, quick picks for yes/no, choices and multiple choices, each starting at the schema's
// default. Escape leaves the question open (it stays in the tree and on the dashboard).
import * as vscode from 'vscode';
import type { Approval, SamplingPreview } from '../../shared/approvals';
import { checkElicitationContent, elicitationFields, initialElicitationValues, valueFromText, type ElicitationContent, type ElicitationField } from '../../shared/elicitation';

const SKIPPED = Symbol('skipped');

/** The person's answer, checked against the schema; undefined when they stopped before the end. */
export async function askElicitation(approval: Approval): Promise<ElicitationContent | undefined> {
  const fields = elicitationFields(approval.elicitation?.requestedSchema);
  const defaults = initialElicitationValues(fields);
  const content: ElicitationContent = {};
  for (const [index, field] of fields.entries()) {
    const title = `${approval.elicitation?.server ?? 'MCP server'} asks (${index + 1}/${fields.length}): ${field.title}`;
    const value = await askField(field, defaults[field.name], title, approval.elicitation?.message ?? approval.title);
    if (value === undefined) return undefined;
    if (value !== SKIPPED) content[field.name] = value;
  }
  const checked = checkElicitationContent(fields, content);
  if (!checked.ok) {
    void vscode.window.showWarningMessage(`Agent Mesh: the answer does not fit the form: ${checked.errors.join('; ')}`);
    return undefined;
  }
  return checked.content;
}

async function askField(field: ElicitationField, initial: ElicitationContent[string] | undefined, title: string, message: string): Promise<ElicitationContent[string] | typeof SKIPPED | undefined> {
  const placeHolder = [message, field.description].filter(Boolean).join(' — ');
  switch (field.kind) {
    case 'boolean': {
      const yes = { label: 'Yes', value: true };
      const no = { label: 'No', value: false };
      const items = initial === false ? [no, yes] : [yes, no];
      return (await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true }))?.value;
    }
    case 'enum': {
      const items = field.options!.map((o) => ({ label: o.label, description: o.label === o.value ? undefined : o.value, value: o.value as string | typeof SKIPPED, picked: o.value === initial }));
      items.sort((a, b) => Number(b.picked) - Number(a.picked));
      if (!field.required) items.push({ label: '(no answer)', description: undefined, value: SKIPPED, picked: false });
      return (await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true }))?.value;
    }
    case 'multi': {
      const chosen = Array.isArray(initial) ? initial : [];
      const picks = await vscode.window.showQuickPick(
        field.options!.map((o) => ({ label: o.label, value: o.value, picked: chosen.includes(o.value) })),
        { title, placeHolder, canPickMany: true, ignoreFocusOut: true },
      );
      return picks?.map((p) => p.value);
    }
    default: {
      const text = await vscode.window.showInputBox({
        title,
        prompt: placeHolder,
        value: initial === undefined ? '' : String(initial),
        ignoreFocusOut: true,
        validateInput: (typed) => fieldError(field, typed),
      });
      if (text === undefined) return undefined;
      return valueFromText(field, text).value ?? SKIPPED;
    }
  }
}

/** Why typed text does not fit its field, checked exactly as the relay will. */
function fieldError(field: ElicitationField, typed: string): string | undefined {
  const parsed = valueFromText(field, typed);
  if (parsed.error) return parsed.error;
  const checked = checkElicitationContent([field], parsed.value === undefined ? {} : { [field.name]: parsed.value });
  return checked.ok ? undefined : checked.errors.join('; ');
}

/** The sampling request as the modal's detail: model, system prompt and messages. */
export function samplingDetail(sampling: SamplingPreview): string {
  const lines = [`Model: ${sampling.model} (at most ${sampling.maxTokens} tokens)`];
  if (sampling.systemPrompt) lines.push(`System prompt: ${sampling.systemPrompt}`);
  for (const message of sampling.messages) lines.push(`${message.role}: ${message.text.length > 2000 ? `${message.text.slice(0, 2000)}…` : message.text}`);
  return lines.join('\n\n');
}
