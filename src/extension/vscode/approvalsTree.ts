import * as vscode from 'vscode';
import { describeDue, PRIORITY_ORDER, type Approval, type ApprovalPriority } from '../../shared/approvals';
import { escapeMarkdown } from '../../shared/markdown';

export const APPROVALS_VIEW_ID = 'agentMesh.approvals';

const PRIORITY_LABEL: Record<ApprovalPriority, string> = { urgent: 'Urgent', normal: 'Normal', low: 'Low' };
const RISK_ICON: Record<Approval['risk'], vscode.ThemeIcon> = {
  high: new vscode.ThemeIcon('flame', new vscode.ThemeColor('charts.red')),
  medium: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
  low: new vscode.ThemeIcon('shield', new vscode.ThemeColor('charts.green')),
};

export type ApprovalsTreeNode = { kind: 'group'; priority: ApprovalPriority; count: number } | { kind: 'approval'; approval: Approval };

/** Pending approvals grouped by priority (urgent first), each with its due time, risk icon and confidence. */
export class ApprovalsTreeProvider implements vscode.TreeDataProvider<ApprovalsTreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly pendingApprovals: () => Approval[]) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: ApprovalsTreeNode): ApprovalsTreeNode[] {
    const pending = this.pendingApprovals();
    if (!node) {
      return PRIORITY_ORDER.map((priority) => ({ kind: 'group' as const, priority, count: pending.filter((a) => a.priority === priority).length })).filter((g) => g.count > 0);
    }
    if (node.kind === 'group') {
      return pending
        .filter((a) => a.priority === node.priority)
        .sort((a, b) => a.dueAt - b.dueAt)
        .map((approval) => ({ kind: 'approval' as const, approval }));
    }
    return [];
  }

  getTreeItem(node: ApprovalsTreeNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(PRIORITY_LABEL[node.priority], vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.priority}`;
      item.description = String(node.count);
      item.iconPath = new vscode.ThemeIcon(node.priority === 'urgent' ? 'bell-dot' : 'bell');
      item.contextValue = 'approvalGroup';
      return item;
    }
    const { approval } = node;
    const item = new vscode.TreeItem(approval.title, vscode.TreeItemCollapsibleState.None);
    item.id = `approval:${approval.id}`;
    const kindLabel = approval.kind === 'elicitation' ? 'question' : approval.kind === 'sampling' ? 'model request' : `${approval.confidence}%`;
    item.description = [describeDue(approval.dueAt, Date.now()), kindLabel, approval.agent].filter(Boolean).join(' · ');
    item.iconPath = approval.kind === 'elicitation' ? new vscode.ThemeIcon('question') : approval.kind === 'sampling' ? new vscode.ThemeIcon('sparkle') : RISK_ICON[approval.risk];
    item.tooltip = approvalTooltip(approval);
    item.contextValue = approval.tool ? 'approval.pending.tool' : 'approval.pending';
    item.accessibilityInformation = {
      label: `${approval.title}, ${approval.risk} risk, confidence ${approval.confidence} percent, ${describeDue(approval.dueAt, Date.now())}${approval.destructive ? ', destructive' : ''}`,
    };
    return item;
  }
}

function approvalTooltip(approval: Approval): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMarkdown(approval.title)}**${approval.destructive ? ' — $(trash) destructive' : ''}\n\n`);
  if (approval.description) md.appendText(`${approval.description}\n\n`);
  const rows: Array<[string, string]> = [
    ['Agent', approval.agent ?? '—'],
    ['Tool', approval.tool ?? '—'],
    ['Risk', approval.risk],
    ['Confidence', `${approval.confidence}% (${approval.level})`],
    ['Due', new Date(approval.dueAt).toLocaleString()],
  ];
  if (approval.expiresAt) rows.push(['Expires', new Date(approval.expiresAt).toLocaleString()]);
  md.appendMarkdown(rows.map(([k, v]) => `${k}: \`${v.replace(/`/g, "'")}\``).join('  \n'));
  if (approval.args && Object.keys(approval.args).length > 0) md.appendCodeblock(JSON.stringify(approval.args, null, 2), 'json');
  return md;
}
