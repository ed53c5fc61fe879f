import os from 'node:os';
import * as vscode from 'vscode';
import type { Approval, RuleScope } from '../../shared/approvals';
import { HOOK_AGENT_LABELS } from '../../shared/hooks';
import type { ApprovalQueue } from '../engine/approvals/queue';
import type { Settings } from '../engine/config/settings';
import { hookApprovalMessage, hookApprovalOrigin, type HookApprovalOrigin } from '../engine/hooks/origin';
import { parseRulePattern, type HookRules } from '../engine/hooks/rules';
import { EngineError } from '../engine/errors';
import { askElicitation, samplingDetail } from './elicitationFlow';
import { APPROVALS_VIEW_ID, ApprovalsTreeProvider, type ApprovalsTreeNode } from './approvalsTree';

/** Who decides from this window, as recorded in the approval and the audit log. */
export function deciderName(): string {
  try {
    return `${os.userInfo().username} (VS Code)`;
  } catch {
    return 'VS Code';
  }
}

/**
 * The approvals face of VS Code: the tree with its badge, inline notifications for quick-level
 * requests, and the approve / reject / cancel / always-allow / export commands. `attach` moves it
 * to a new queue when the relay restarts.
 */
export class ApprovalsViews implements vscode.Disposable {
  private queue: ApprovalQueue | undefined;
  private hookRules: HookRules | undefined;
  private detach: Array<() => void> = [];
  private readonly notified = new Set<string>();
  private readonly tree: ApprovalsTreeProvider;
  private readonly view: vscode.TreeView<ApprovalsTreeNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly openDashboard: () => unknown,
    private readonly settings: { readonly current: Settings },
  ) {
    this.tree = new ApprovalsTreeProvider(() => this.queue?.list('pending') ?? []);
    this.view = vscode.window.createTreeView(APPROVALS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.view.onDidChangeVisibility(() => this.tree.refresh()), // due times are relative: fresh on every look
      vscode.commands.registerCommand('agentMesh.approvals.approve', (node?: ApprovalsTreeNode) => this.withApproval(node, (a) => this.approve(a))),
      vscode.commands.registerCommand('agentMesh.approvals.reject', (node?: ApprovalsTreeNode) => this.withApproval(node, (a) => this.reject(a))),
      vscode.commands.registerCommand('agentMesh.approvals.cancel', (node?: ApprovalsTreeNode) => this.withApproval(node, (a) => this.cancel(a))),
      vscode.commands.registerCommand('agentMesh.approvals.alwaysAllowSession', (node?: ApprovalsTreeNode) => this.withApproval(node, (a) => this.alwaysAllow(a, 'session'), true)),
      vscode.commands.registerCommand('agentMesh.approvals.alwaysAllowWorkspace', (node?: ApprovalsTreeNode) => this.withApproval(node, (a) => this.alwaysAllow(a, 'workspace'), true)),
      vscode.commands.registerCommand('agentMesh.approvals.revokeRule', () => this.revokeRule()),
      vscode.commands.registerCommand('agentMesh.approvals.exportAudit', () => this.exportAudit()),
    );
  }

  attach(queue: ApprovalQueue, hookRules?: HookRules): void {
    for (const off of this.detach.splice(0)) off();
    this.queue = queue;
    this.hookRules = hookRules;
    this.detach.push(
      queue.onChange((approval) => this.onChange(approval)),
      queue.onRulesChange(() => this.tree.refresh()),
    );
    this.update();
  }

  /** Empties the view while no engine runs (a restart failed), so nothing acts on a stopped queue. */
  detachEngine(): void {
    for (const off of this.detach.splice(0)) off();
    this.queue = undefined;
    this.hookRules = undefined;
    this.update();
  }

  refresh(): void {
    this.tree.refresh();
  }

  dispose(): void {
    for (const off of this.detach.splice(0)) off();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ---- decisions ---------------------------------------------------------------------------

  /** Approves; a destructive action first asks the person to type its target's name. */
  async approve(approval: Approval): Promise<void> {
    if (approval.kind === 'elicitation') return this.answerElicitation(approval);
    if (approval.sampling && !(await confirmSampling(approval))) return;
    if (approval.destructive && !(await confirmDestructive(approval))) return;
    await this.settle(() => this.current().decide(approval.id, { decision: 'approve', by: deciderName() }), `Approved: ${approval.title}`);
  }

  async reject(approval: Approval): Promise<void> {
    if (approval.kind === 'elicitation') {
      await this.settle(() => this.current().answer(approval.id, { action: 'decline', by: deciderName() }), `Declined: ${approval.title}`);
      return;
    }
    const comment = await vscode.window.showInputBox({
      title: `Reject "${approval.title}"`,
      prompt: 'Why? The agent receives this comment (optional).',
      placeHolder: 'e.g. use the staging database instead',
      ignoreFocusOut: true,
    });
    if (comment === undefined) return;
    await this.settle(() => this.current().decide(approval.id, { decision: 'reject', by: deciderName(), ...(comment ? { comment } : {}) }), `Rejected: ${approval.title}`);
  }

  async cancel(approval: Approval): Promise<void> {
    const reason = await vscode.window.showInputBox({ title: `Cancel "${approval.title}"`, prompt: 'Reason (optional); the waiting agent receives it.', ignoreFocusOut: true });
    if (reason === undefined) return;
    await this.settle(() => this.current().cancel(approval.id, { by: deciderName(), ...(reason ? { reason } : {}) }), `Cancelled: ${approval.title}`);
  }

  /** Asks the server's form field by field and sends the answer; stopping early leaves the question open. */
  private async answerElicitation(approval: Approval): Promise<void> {
    const content = await askElicitation(approval);
    if (!content) return;
    await this.settle(() => this.current().answer(approval.id, { action: 'accept', content, by: deciderName() }), `Answered: ${approval.title}`);
  }

  // ---- internals ---------------------------------------------------------------------------

  private current(): ApprovalQueue {
    if (!this.queue) throw new Error('the approvals queue is not running');
    return this.queue;
  }

  private onChange(approval: Approval): void {
    this.update();
    if (approval.status !== 'pending') {
      this.notified.delete(approval.id);
      return;
    }
    // A coding agent is blocked until someone answers its hook, whatever the level.
    const origin = hookApprovalOrigin(approval);
    // So is an MCP server that asked a question or wants a model.
    if ((approval.level !== 'quick' && !origin && !approval.kind) || this.notified.has(approval.id)) return;
    if (!this.settings.current['agentMesh.approvals.notifications']) return;
    this.notified.add(approval.id);
    void this.notify(approval, origin);
  }

  private update(): void {
    this.tree.refresh();
    const pending = this.queue?.pendingCount ?? 0;
    this.view.badge = pending > 0 ? { value: pending, tooltip: `${pending} approval${pending === 1 ? '' : 's'} waiting` } : undefined;
    void vscode.commands.executeCommand('setContext', 'agentMesh.approvalsPending', pending);
  }

  /**
   * The inline decision: Approve / Reject / Details for quick-level requests; for a coding agent's
   * tool call who asks for what ("Claude Code in api/ wants to run `npm publish`") and Always allow….
   */
  private async notify(approval: Approval, origin?: HookApprovalOrigin): Promise<void> {
    if (approval.kind) return this.notifyServerRequest(approval);
    const message = origin
      ? `${hookApprovalMessage(approval, origin)}${approval.destructive ? ' (destructive)' : ''}.`
      : `${approval.agent ?? 'An agent'} asks: ${approval.title} — confidence ${approval.confidence}%, ${approval.risk} risk${approval.destructive ? ', destructive' : ''}.`;
    const reject = origin ? 'Reject…' : 'Reject';
    const alwaysAllow = 'Always allow…';
    const show = approval.risk === 'low' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const pick = await show(message, 'Approve', reject, ...(origin ? [alwaysAllow] : []), 'Details');
    const latest = this.queue?.get(approval.id) ?? approval;
    if (pick === 'Details') {
      this.openDashboard();
    } else if (pick === 'Approve') {
      await this.approve(latest);
    } else if (pick === reject) {
      await this.reject(latest);
    } else if (pick === alwaysAllow && origin) {
      await this.alwaysAllowHook(latest, origin);
    }
  }

  /** An MCP server's question (Answer… / Decline) or sampling request (Review… / Reject), with Details for the dashboard. */
  private async notifyServerRequest(approval: Approval): Promise<void> {
    const question = approval.kind === 'elicitation';
    const [act, refuse] = question ? ['Answer…', 'Decline'] : ['Review…', 'Reject'];
    const message = question ? `${approval.agent} asks: ${approval.elicitation?.message ?? approval.title}` : `${approval.agent} wants to use a language model (${approval.sampling?.model}): ${approval.title}`;
    const pick = await vscode.window.showWarningMessage(message, act, refuse, 'Details');
    const latest = this.queue?.get(approval.id) ?? approval;
    if (latest.status !== 'pending') return;
    if (pick === 'Details') this.openDashboard();
    else if (pick === act) await this.approve(latest);
    else if (pick === refuse) await (question ? this.reject(latest) : this.settle(() => this.current().decide(latest.id, { decision: 'reject', by: deciderName() }), `Rejected: ${latest.title}`));
  }

  /** Adds a hook rule (Claude Code syntax) for the session or the workspace, then approves this call. */
  private async alwaysAllowHook(approval: Approval, origin: HookApprovalOrigin): Promise<void> {
    const rules = this.hookRules;
    if (!rules) return;
    const scope = await vscode.window.showQuickPick(
      [
        { label: 'This session only', description: `session ${origin.sessionId}`, scope: 'session' as const },
        { label: 'This workspace', description: 'every session of every agent here', scope: 'workspace' as const },
      ],
      { title: `Always allow for ${HOOK_AGENT_LABELS[origin.agent]}` },
    );
    if (!scope) return;
    const pattern = await vscode.window.showInputBox({
      title: 'Always allow tool calls matching',
      prompt: 'A rule in Claude Code syntax, e.g. Bash(npm run build), Bash(git status:*), Read(./src/**)',
      value: approval.tool,
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseRulePattern(value.trim());
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    if (!pattern) return;
    try {
      await rules.add({
        decision: 'allow',
        pattern: pattern.trim(),
        agent: scope.scope === 'session' ? origin.agent : '*',
        scope: scope.scope,
        ...(scope.scope === 'session' ? { sessionId: origin.sessionId } : {}),
        by: deciderName(),
      });
    } catch (error) {
      void vscode.window.showWarningMessage(`Agent Mesh: the rule was not added: ${(error as Error).message}`);
      return;
    }
    await this.approve(this.queue?.get(approval.id) ?? approval);
  }

  private async settle(action: () => Promise<Approval>, done: string): Promise<void> {
    try {
      await action();
      vscode.window.setStatusBarMessage(`$(check) ${done}`, 4000);
    } catch (error) {
      const message = error instanceof EngineError && error.kind === 'conflict' ? `Agent Mesh: ${error.message}; nothing changed.` : `Agent Mesh: ${(error as Error).message}`;
      void vscode.window.showWarningMessage(message);
    }
  }

  private async alwaysAllow(approval: Approval, scope: RuleScope): Promise<void> {
    if (!approval.tool) return;
    await this.current().addRule(approval.tool, scope, deciderName());
    await this.approve(approval);
    void vscode.window.showInformationMessage(
      `Agent Mesh: "${approval.tool}" is now approved automatically ${scope === 'session' ? 'until the relay restarts' : 'in this workspace'}. Revoke it with "Agent Mesh: Revoke Always-Allow Rule".`,
    );
  }

  private async revokeRule(): Promise<void> {
    const rules = this.current().rules();
    if (rules.length === 0) {
      void vscode.window.showInformationMessage('Agent Mesh: there are no always-allow rules.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      rules.map((rule) => ({ label: rule.tool, description: rule.scope === 'session' ? 'this session' : 'this workspace', detail: `added by ${rule.createdBy} ${new Date(rule.createdAt).toLocaleString()}`, rule })),
      { title: 'Revoke an always-allow rule', placeHolder: 'The tool will ask for approval again' },
    );
    if (!pick) return;
    await this.current().revokeRule(pick.rule.tool, pick.rule.scope, deciderName());
    vscode.window.setStatusBarMessage(`$(check) "${pick.rule.tool}" asks for approval again`, 4000);
  }

  private async exportAudit(): Promise<void> {
    const source = vscode.Uri.file(this.current().auditFile);
    try {
      await vscode.workspace.fs.stat(source);
    } catch {
      void vscode.window.showInformationMessage('Agent Mesh: the audit log is empty; no approval was requested yet.');
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the approvals audit log',
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'agent-mesh-approvals-audit.jsonl') : undefined,
      filters: { 'JSON Lines': ['jsonl'] },
    });
    if (!target) return;
    await vscode.workspace.fs.copy(source, target, { overwrite: true });
    void vscode.window.showInformationMessage(`Agent Mesh: audit log exported to ${target.fsPath}`);
  }

  /** Runs an action on the node's approval, or on one the person picks when run from the palette. */
  private async withApproval(node: ApprovalsTreeNode | undefined, action: (approval: Approval) => Promise<void>, needsTool = false): Promise<void> {
    let approval = node?.kind === 'approval' ? node.approval : undefined;
    if (!approval) {
      const pending = this.current().list('pending').filter((a) => !needsTool || a.tool);
      if (pending.length === 0) {
        void vscode.window.showInformationMessage('Agent Mesh: no approvals are waiting.');
        return;
      }
      const pick = await vscode.window.showQuickPick(
        pending.map((a) => ({ label: a.title, description: `${a.priority} · ${a.risk} risk · ${a.confidence}%`, detail: [a.agent, a.tool].filter(Boolean).join(' · ') || undefined, approval: a })),
        { title: 'Pick an approval', matchOnDescription: true, matchOnDetail: true },
      );
      approval = pick?.approval;
    }
    if (approval) await action(this.current().get(approval.id) ?? approval);
  }
}

/** A sampling request is approved from a modal that shows the model, the system prompt and the messages. */
async function confirmSampling(approval: Approval): Promise<boolean> {
  const pick = await vscode.window.showWarningMessage(`${approval.agent} wants to send this to a language model`, { modal: true, detail: samplingDetail(approval.sampling!) }, 'Approve');
  return pick === 'Approve';
}

/** Destructive actions need the target's name typed exactly (the seed's DeleteConfirmCard, in VS Code). */
async function confirmDestructive(approval: Approval): Promise<boolean> {
  const typed = await vscode.window.showInputBox({
    title: `Confirm destructive action: ${approval.title}`,
    prompt: `This cannot be undone. Type "${approval.target}" to approve.`,
    placeHolder: approval.target,
    ignoreFocusOut: true,
    validateInput: (value) => (value === approval.target ? undefined : `Type "${approval.target}" exactly to approve`),
  });
  return typed === approval.target;
}
