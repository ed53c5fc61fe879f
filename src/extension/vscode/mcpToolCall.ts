import * as vscode from 'vscode';
import type { McpServerInfo, McpToolInfo } from '../../shared/mcp';
import type { McpFleet } from '../engine/mcp/fleet';
import { parseField, parseJsonArguments, planArgumentForm, renderToolResult, type FormField } from '../../shared/toolForms';

/**
 * "Call MCP Tool…": server → tool → arguments (quick inputs from the schema, a validated JSON box
 * for complex schemas) → a cancellable call with progress → the result in a new Markdown document.
 */
export async function callToolInteractively(fleet: McpFleet, serverName?: string, toolName?: string): Promise<void> {
  const server = serverName ? fleet.server(serverName) : await pickServer(fleet);
  if (!server) return;
  if (server.status !== 'connected') {
    void vscode.window.showWarningMessage(`Agent Mesh: MCP server "${server.name}" is ${server.status}${server.error ? ` (${server.error})` : ''}.`);
    return;
  }
  const tool = toolName ? server.tools.find((t) => t.name === toolName) : await pickTool(server);
  if (!tool) return;
  if (tool.disabled) {
    void vscode.window.showWarningMessage(`Agent Mesh: tool "${tool.name}" is disabled (agentMesh.mcp.disabledTools).`);
    return;
  }
  const args = await askArguments(tool);
  if (!args) return;

  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Calling ${tool.name} on ${server.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      let reported = 0;
      try {
        const result = await fleet.callTool(server.name, tool.name, args, {
          signal: abort.signal,
          onProgress: (p) => {
            const percent = p.total ? Math.min(100, (p.progress / p.total) * 100) : undefined;
            progress.report({ message: p.message ?? (p.total ? `${p.progress} of ${p.total}` : String(p.progress)), increment: percent === undefined ? undefined : percent - reported });
            if (percent !== undefined) reported = percent;
          },
        });
        return { result };
      } catch (error) {
        return { error: error as Error, cancelled: abort.signal.aborted };
      } finally {
        cancel.dispose();
      }
    },
  );
  if ('error' in outcome) {
    if (!outcome.cancelled) void vscode.window.showErrorMessage(`Agent Mesh: ${outcome.error!.message}`);
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderToolResult(server.name, tool.name, outcome.result!) });
  await vscode.window.showTextDocument(document, { preview: false });
}

async function pickServer(fleet: McpFleet): Promise<McpServerInfo | undefined> {
  const connected = fleet.servers().filter((s) => s.status === 'connected');
  if (connected.length === 0) {
    void vscode.window.showInformationMessage('Agent Mesh: no MCP server is connected.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    connected.map((s) => ({ label: s.name, description: `${s.transport} · ${s.tools.length} tools`, server: s })),
    { title: 'Call MCP Tool: server', placeHolder: 'Pick a server' },
  );
  return pick?.server;
}

async function pickTool(server: McpServerInfo): Promise<McpToolInfo | undefined> {
  const pick = await vscode.window.showQuickPick(
    server.tools.filter((t) => !t.disabled).map((t) => ({ label: t.name, description: `${t.tokens} tokens`, detail: t.description, tool: t })),
    { title: `Call MCP Tool: ${server.name}`, placeHolder: 'Pick a tool', matchOnDetail: true },
  );
  return pick?.tool;
}

async function askArguments(tool: McpToolInfo): Promise<Record<string, unknown> | undefined> {
  const form = planArgumentForm(tool.inputSchema);
  if (form.kind === 'json') {
    const text = await vscode.window.showInputBox({
      title: `${tool.name}: arguments as JSON`,
      prompt: `The input schema is not flat (${form.reason}); type the arguments object (the dashboard's MCP panel has a larger editor).`,
      value: JSON.stringify(form.skeleton),
      ignoreFocusOut: true,
      validateInput: (value) => parseJsonArguments(value).error,
    });
    return text === undefined ? undefined : parseJsonArguments(text).value;
  }
  const args: Record<string, unknown> = {};
  for (const [index, field] of form.fields.entries()) {
    const title = `${tool.name} (${index + 1}/${form.fields.length}): ${field.name}${field.required ? '' : ' (optional)'}`;
    const raw = field.kind === 'enum' || field.kind === 'boolean' ? await pickValue(field, title) : await typeValue(field, title);
    if (raw === undefined) return undefined;
    const { value } = parseField(field, raw);
    if (value !== undefined) args[field.name] = value;
  }
  return args;
}

async function pickValue(field: FormField, title: string): Promise<string | undefined> {
  const options = field.kind === 'boolean' ? ['true', 'false'] : field.options!;
  const items = [...options.map((label) => ({ label })), ...(field.required ? [] : [{ label: '', description: 'leave out' }])];
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: field.description ?? field.name });
  return pick?.label;
}

function typeValue(field: FormField, title: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: field.description,
    value: field.default === undefined ? '' : String(field.default),
    ignoreFocusOut: true,
    validateInput: (value) => parseField(field, value).error,
  });
}
