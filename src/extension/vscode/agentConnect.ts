// "Connect/Disconnect <agent> to Agent Mesh": shows the change to the agent's hook settings file,
// then writes it. The hook runs `agent-mesh hook <agent>`, which finds the relay through the
// discovery file, so the token never lands in a settings file.
import os from 'node:os';
import * as vscode from 'vscode';
import { HOOK_AGENT_LABELS, type HookAgent } from '../../shared/hooks';
import { connectAgentHooks, disconnectAgentHooks, hookCommandLine } from '../engine/hooks/agentSettings';

export const AGENT_COMMANDS: ReadonlyArray<{ agent: HookAgent; connect: string; disconnect: string }> = [
  { agent: 'claude-code', connect: 'agentMesh.connectClaudeCode', disconnect: 'agentMesh.disconnectClaudeCode' },
  { agent: 'copilot', connect: 'agentMesh.connectCopilot', disconnect: 'agentMesh.disconnectCopilot' },
  { agent: 'cursor', connect: 'agentMesh.connectCursor', disconnect: 'agentMesh.disconnectCursor' },
];

/** Largest detail shown in the confirmation; the whole file is written either way. */
const MAX_PREVIEW_CHARS = 6000;

async function settingsFile(agent: HookAgent): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (agent === 'claude-code') {
    const choices = [
      ...(folder ? [{ label: 'This workspace', description: '.claude/settings.local.json (not committed)', uri: vscode.Uri.joinPath(folder, '.claude', 'settings.local.json') }] : []),
      { label: 'Every project (user)', description: '~/.claude/settings.json', uri: vscode.Uri.joinPath(vscode.Uri.file(os.homedir()), '.claude', 'settings.json') },
    ];
    return (await vscode.window.showQuickPick(choices, { title: 'Which Claude Code settings file?' }))?.uri;
  }
  if (!folder) {
    void vscode.window.showErrorMessage(`Agent Mesh: open a folder first; ${HOOK_AGENT_LABELS[agent]} reads its hooks from the workspace.`);
    return undefined;
  }
  return agent === 'copilot' ? vscode.Uri.joinPath(folder, '.github', 'hooks', 'agent-mesh.json') : vscode.Uri.joinPath(folder, '.cursor', 'hooks.json');
}

/** A dialog's detail collapses the leading spaces of each line; no-break spaces keep the file's indentation. */
function keepIndentation(text: string): string {
  return text.replace(/^[ \t]+/gm, (indent) => '\u00a0'.repeat(indent.replace(/\t/g, '  ').length));
}

async function readText(uri: vscode.Uri): Promise<string> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return '';
    throw error;
  }
}

async function changeAgentHooks(agent: HookAgent, connecting: boolean): Promise<void> {
  const name = HOOK_AGENT_LABELS[agent];
  const uri = await settingsFile(agent);
  if (!uri) return;
  try {
    const before = await readText(uri);
    const after = connecting ? connectAgentHooks(agent, before) : disconnectAgentHooks(agent, before);
    const where = vscode.workspace.asRelativePath(uri);
    if (after === before) {
      void vscode.window.showInformationMessage(`Agent Mesh: ${name} is ${connecting ? 'already' : 'not'} connected in ${where}; nothing to change.`);
      return;
    }
    const preview = keepIndentation(after.length > MAX_PREVIEW_CHARS ? `${after.slice(0, MAX_PREVIEW_CHARS)}\n…` : after);
    const note = connecting ? `\n\nThe hook runs \`${hookCommandLine(agent)}\` (the agent-mesh command must be on the PATH); no token is written.` : '';
    const action = connecting ? 'Write Hook' : 'Remove Hook';
    const pick = await vscode.window.showInformationMessage(
      `${connecting ? 'Connect' : 'Disconnect'} ${name}: ${where} will read`,
      { modal: true, detail: `${preview}${note}` },
      action,
    );
    if (pick !== action) return;
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(after));
    void vscode.window.showInformationMessage(`Agent Mesh: ${name} ${connecting ? 'connected' : 'disconnected'} (${where}).`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Agent Mesh: could not change ${vscode.workspace.asRelativePath(uri)}: ${(error as Error).message}`);
  }
}

export function registerAgentConnectCommands(): vscode.Disposable[] {
  return AGENT_COMMANDS.flatMap(({ agent, connect, disconnect }) => [
    vscode.commands.registerCommand(connect, () => changeAgentHooks(agent, true)),
    vscode.commands.registerCommand(disconnect, () => changeAgentHooks(agent, false)),
  ]);
}
