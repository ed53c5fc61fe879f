import * as vscode from 'vscode';
import type { McpConfigProblem, McpSnapshot } from '../../shared/mcp';

/** The MCP fleet at a glance: the "MCP n/m" status bar item and the problems of mcp.json as diagnostics. */
export class McpStatus implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('agentMesh.mcp', vscode.StatusBarAlignment.Left, 48);
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('agentMesh.mcp');

  constructor(viewId: string) {
    this.status.name = 'Agent Mesh MCP Servers';
    this.status.command = `${viewId}.focus`;
  }

  show(snapshot: McpSnapshot): void {
    this.showStatus(snapshot);
    this.showDiagnostics(snapshot.problems);
  }

  /** Hides both while no engine runs. */
  clear(): void {
    this.status.hide();
    this.diagnostics.clear();
  }

  dispose(): void {
    this.status.dispose();
    this.diagnostics.dispose();
  }

  private showStatus(snapshot: McpSnapshot): void {
    const total = snapshot.servers.length;
    if (total === 0) {
      this.status.hide();
      return;
    }
    const connected = snapshot.servers.filter((s) => s.status === 'connected').length;
    const failing = snapshot.servers.filter((s) => s.status === 'error');
    this.status.text = `$(plug) MCP ${connected}/${total}`;
    this.status.backgroundColor = failing.length > 0 || snapshot.tokens.overBudget ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const lines = [`MCP servers: ${connected} of ${total} connected`, `Tool definitions: ${snapshot.tokens.label}${snapshot.tokens.budget > 0 ? ` (budget ${snapshot.tokens.budget.toLocaleString('en-US')})` : ''}`];
    for (const s of failing) lines.push(`${s.name}: ${s.error}`);
    this.status.tooltip = lines.join('\n');
    this.status.accessibilityInformation = { label: `MCP, ${connected} of ${total} servers connected${failing.length ? `, ${failing.length} in error` : ''}` };
    this.status.show();
  }

  private showDiagnostics(problems: McpConfigProblem[]): void {
    this.diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of problems) {
      if (problem.line === undefined || !problem.source.endsWith('mcp.json')) continue;
      const start = new vscode.Position(problem.line - 1, (problem.column ?? 1) - 1);
      const diagnostic = new vscode.Diagnostic(new vscode.Range(start, start.translate(0, Math.max(1, problem.length ?? 1))), problem.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'Agent Mesh';
      byFile.set(problem.source, [...(byFile.get(problem.source) ?? []), diagnostic]);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }
}
