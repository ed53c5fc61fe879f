// What VS Code gives the fleet's MCP client: its language models for sampling (called only after the
// person approved the request in the approvals queue) and its workspace folders as roots.
import * as vscode from 'vscode';
import type { McpRoot, RootsSource, Sampler, SamplingRequest } from '../engine/mcp/clientCapabilities';

/** The workspace folders, and a notification when folders are added or removed. */
export function workspaceFolderRoots(): RootsSource {
  return {
    list: (): McpRoot[] => (vscode.workspace.workspaceFolders ?? []).map((folder) => ({ uri: folder.uri.toString(), name: folder.name })),
    onChange: (listener) => {
      const subscription = vscode.workspace.onDidChangeWorkspaceFolders(() => listener());
      return () => subscription.dispose();
    },
  };
}

/**
 * Samples through vscode.lm: the first model whose family or id contains one of the server's hints,
 * else the first model VS Code offers. VS Code asks the person for consent to use a model the first
 * time, on top of the approval.
 */
export function languageModelSampler(): Sampler | undefined {
  if (typeof vscode.lm?.selectChatModels !== 'function') return undefined; // hosts without the language model API
  return {
    async sample(request: SamplingRequest, signal: AbortSignal) {
      const models = await vscode.lm.selectChatModels();
      if (models.length === 0) throw new Error('VS Code offers no language model (install or sign in to a chat extension)');
      const hinted = request.modelHints.map((hint) => hint.toLowerCase());
      const model = models.find((m) => hinted.some((hint) => m.family.toLowerCase().includes(hint) || m.id.toLowerCase().includes(hint))) ?? models[0];
      const messages = request.messages.map((m) => (m.role === 'user' ? vscode.LanguageModelChatMessage.User(m.text) : vscode.LanguageModelChatMessage.Assistant(m.text)));
      // The chat API has no system role: the system prompt goes first, as a user message.
      if (request.systemPrompt) messages.unshift(vscode.LanguageModelChatMessage.User(request.systemPrompt));
      const cancellation = new vscode.CancellationTokenSource();
      const onAbort = () => cancellation.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await model.sendRequest(messages, { justification: 'An MCP server asked to use a language model and you approved it.' }, cancellation.token);
        let text = '';
        for await (const chunk of response.text) text += chunk;
        return { model: model.id, text, stopReason: 'endTurn' };
      } finally {
        signal.removeEventListener('abort', onAbort);
        cancellation.dispose();
      }
    },
  };
}
