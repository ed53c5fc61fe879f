import * as vscode from 'vscode';
import type { MeshAgentSummary, MeshHistoryPoint, MeshSkill } from '../../shared/mesh';

export type MeshNode = { kind: 'agent'; agent: MeshAgentSummary } | { kind: 'skill'; agent: MeshAgentSummary; skill: MeshSkill };

const SPARK = '▁▂▃▄▅▆▇█';

/** The Mesh Health view: agent → status icon, latency, last check, error; the card's skills below. */
export class MeshTreeProvider implements vscode.TreeDataProvider<MeshNode>, vscode.Disposable {
  private agents: MeshAgentSummary[] = [];
  private readonly changed = new vscode.EventEmitter<MeshNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  update(agents: MeshAgentSummary[]): void {
    this.agents = agents;
    this.changed.fire(undefined);
  }

  getChildren(node?: MeshNode): MeshNode[] {
    if (!node) return this.agents.map((agent) => ({ kind: 'agent', agent }));
    if (node.kind === 'agent') return (node.agent.skills ?? []).map((skill) => ({ kind: 'skill', agent: node.agent, skill }));
    return [];
  }

  getTreeItem(node: MeshNode): vscode.TreeItem {
    return node.kind === 'agent' ? agentItem(node.agent) : skillItem(node.agent, node.skill);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function agentItem(agent: MeshAgentSummary): vscode.TreeItem {
  const hasSkills = (agent.skills?.length ?? 0) > 0;
  const item = new vscode.TreeItem(agent.name, hasSkills ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `mesh:${agent.id}`;
  item.iconPath = statusIcon(agent);
  item.description = describe(agent);
  item.tooltip = tooltip(agent);
  item.contextValue = agent.cardName ? 'meshAgent.card' : 'meshAgent';
  item.accessibilityInformation = { label: `${agent.name}, ${agent.status}${agent.error ? `, ${agent.error}` : ''}, ${item.description}` };
  return item;
}

function skillItem(agent: MeshAgentSummary, skill: MeshSkill): vscode.TreeItem {
  const item = new vscode.TreeItem(skill.name, vscode.TreeItemCollapsibleState.None);
  item.id = `mesh:${agent.id}:skill:${skill.id}`;
  item.iconPath = new vscode.ThemeIcon('symbol-method');
  item.description = skill.description;
  item.tooltip = skill.description ? `${skill.name} (${skill.id})\n${skill.description}` : `${skill.name} (${skill.id})`;
  item.contextValue = 'meshSkill';
  return item;
}

function statusIcon(agent: MeshAgentSummary): vscode.ThemeIcon {
  if (agent.circuit === 'open') return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconFailed'));
  switch (agent.status) {
    case 'healthy':
      return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'unhealthy':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    default:
      return new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground'));
  }
}

function describe(agent: MeshAgentSummary): string {
  if (agent.status === 'unknown') return 'not checked yet';
  const when = agent.checkedAt ? `checked ${new Date(agent.checkedAt).toLocaleTimeString()}` : '';
  if (agent.status === 'healthy') return [`${agent.latencyMs} ms`, when].filter(Boolean).join(' · ');
  const circuit = agent.circuit === 'closed' ? '' : `circuit ${agent.circuit}`;
  return [agent.error ?? 'unhealthy', circuit, when].filter(Boolean).join(' · ');
}

function tooltip(agent: MeshAgentSummary): vscode.MarkdownString {
  const lines = [`${agent.name} — ${agent.status}`, `${agent.kind.toUpperCase()} · ${agent.url}`];
  if (agent.cardName && agent.cardName !== agent.name) lines.push(`Card name: ${agent.cardName}`);
  if (agent.description) lines.push(agent.description);
  if (agent.latencyMs !== undefined) lines.push(`Latency: ${agent.latencyMs} ms`);
  if (agent.checkedAt) lines.push(`Last check: ${new Date(agent.checkedAt).toLocaleString()}`);
  if (agent.error) lines.push(`Error: ${agent.error}`);
  let circuit = `Circuit: ${agent.circuit}`;
  if (agent.consecutiveFailures > 0) circuit += ` (${agent.consecutiveFailures} failures in a row)`;
  if (agent.retryAt) circuit += `, next trial ${new Date(agent.retryAt).toLocaleTimeString()}`;
  lines.push(circuit);
  const { stats } = agent;
  if (stats.checks > 0) {
    const latency = stats.avgLatencyMs !== undefined ? ` · avg ${stats.avgLatencyMs} ms · p95 ${stats.p95LatencyMs} ms` : '';
    lines.push(`Since ${new Date(stats.since!).toLocaleTimeString()}: ${stats.uptimePct}% up over ${stats.checks} checks${latency}`);
    lines.push(sparkline(agent.recent));
  }
  // appendText escapes: names, URLs and errors come from agents and settings, not from us.
  const md = new vscode.MarkdownString();
  lines.forEach((line, i) => {
    if (i > 0) md.appendMarkdown('\n\n');
    md.appendText(line);
  });
  return md;
}

/** Latency as block characters; a failed check shows as "×". */
function sparkline(points: MeshHistoryPoint[]): string {
  const latencies = points.filter((p) => p.ok && p.latencyMs !== undefined).map((p) => p.latencyMs!);
  const max = Math.max(1, ...latencies);
  return points.map((p) => (p.ok && p.latencyMs !== undefined ? SPARK[Math.min(SPARK.length - 1, Math.floor((p.latencyMs / max) * (SPARK.length - 1)))] : '×')).join('');
}
