// The Agent Sessions face: one row per coding-agent session (agent · folder · status · tokens ·
// cost), its waiting approvals first and its recent tool calls below; a status-bar count; and the
// parsed transcript as a read-only markdown document.
import * as vscode from 'vscode';
import type { Approval } from '../../shared/approvals';
import type { AgentSession, SessionEvent, TranscriptEntry } from '../../shared/sessions';
import type { Engine } from '../engine/engine';
import { hookApprovalOrigin } from '../engine/hooks/origin';
import { sessionsStatusText, sessionSummary, sessionUsage, transcriptMarkdown } from '../engine/hooks/sessionText';

export const SESSIONS_VIEW_ID = 'agentMesh.sessions';
const TRANSCRIPT_SCHEME = 'agent-mesh-transcript';
/** Recent tool calls shown under a session. */
const RECENT_EVENTS = 20;
/** Pages of the transcript put in one document (200 entries each). */
const MAX_TRANSCRIPT_PAGES = 10;

const STATUS_ICON: Record<AgentSession['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin'),
  waiting: new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('charts.yellow')),
  idle: new vscode.ThemeIcon('circle-outline'),
  ended: new vscode.ThemeIcon('pass'),
};

type SessionsNode =
  | { kind: 'session'; session: AgentSession }
  | { kind: 'approval'; approval: Approval }
  | { kind: 'usage'; session: AgentSession }
  | { kind: 'event'; sessionId: string; event: SessionEvent; index: number };

class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly engine: () => Engine | undefined) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: SessionsNode): SessionsNode[] {
    const engine = this.engine();
    if (!engine) return [];
    if (!node) return engine.sessions.list().map((session) => ({ kind: 'session' as const, session }));
    if (node.kind !== 'session') return [];
    const { session } = node;
    const waiting = engine.approvals.list('pending').filter((approval) => {
      const origin = hookApprovalOrigin(approval);
      return origin?.agent === session.agent && origin.sessionId === session.sessionId;
    });
    let events: SessionEvent[] = [];
    try {
      events = engine.sessions.eventsOf(session.id).filter((event) => event.tool !== undefined);
    } catch {
      // The session was pruned between the two reads.
    }
    const recent = events.slice(-RECENT_EVENTS).reverse();
    return [
      ...waiting.map((approval) => ({ kind: 'approval' as const, approval })),
      ...(sessionUsage(session) ? [{ kind: 'usage' as const, session }] : []),
      ...recent.map((event, index) => ({ kind: 'event' as const, sessionId: session.id, event, index })),
    ];
  }

  getTreeItem(node: SessionsNode): vscode.TreeItem {
    if (node.kind === 'session') {
      const { session } = node;
      const { label, description } = sessionSummary(session);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `session:${session.id}`;
      item.description = description;
      item.iconPath = STATUS_ICON[session.status];
      item.tooltip = `${session.cwd}\n${session.model ?? 'model unknown'} · ${session.counts.toolCalls} tool calls, ${session.counts.approvals} allowed, ${session.counts.denials} denied${session.currentTool ? `\nnow: ${session.currentTool}` : ''}${session.malformedLines > 0 ? `\n${session.malformedLines} transcript lines are not JSON` : ''}`;
      item.contextValue = session.transcriptPath ? 'agentSession.transcript' : 'agentSession';
      return item;
    }
    if (node.kind === 'approval') {
      const item = new vscode.TreeItem(node.approval.title, vscode.TreeItemCollapsibleState.None);
      item.id = `session-approval:${node.approval.id}`;
      item.description = `waiting for you · ${node.approval.risk} risk`;
      item.iconPath = new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('charts.yellow'));
      item.tooltip = node.approval.description;
      item.command = { command: 'agentMesh.approvals.focus', title: 'Show in Approvals' };
      return item;
    }
    if (node.kind === 'usage') {
      const usage = sessionUsage(node.session);
      const item = new vscode.TreeItem(usage?.label ?? '', vscode.TreeItemCollapsibleState.None);
      item.id = `session-usage:${node.session.id}`;
      item.description = usage?.description;
      item.iconPath = new vscode.ThemeIcon('graph');
      item.tooltip = 'Tokens read from the transcript (each response counted once) and their price by model';
      return item;
    }
    const { event } = node;
    const item = new vscode.TreeItem(event.tool ?? event.name, vscode.TreeItemCollapsibleState.None);
    item.id = `session-event:${node.sessionId}:${event.at}:${node.index}`;
    item.description = [event.permission ?? event.name, new Date(event.at).toLocaleTimeString()].join(' · ');
    item.iconPath = new vscode.ThemeIcon(event.permission === 'deny' ? 'circle-slash' : event.permission === 'allow' ? 'check' : 'tools');
    if (event.reason) item.tooltip = event.reason;
    return item;
  }
}

export class SessionsViews implements vscode.Disposable {
  private engine: Engine | undefined;
  private detach: Array<() => void> = [];
  private readonly tree: SessionsTreeProvider;
  private readonly status = vscode.window.createStatusBarItem('agentMesh.sessions', vscode.StatusBarAlignment.Left, 49);
  private readonly transcripts = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.tree = new SessionsTreeProvider(() => this.engine);
    this.status.name = 'Agent Mesh Sessions';
    this.status.command = `${SESSIONS_VIEW_ID}.focus`;
    this.disposables.push(
      this.status,
      this.transcripts,
      vscode.window.createTreeView(SESSIONS_VIEW_ID, { treeDataProvider: this.tree }),
      vscode.workspace.registerTextDocumentContentProvider(TRANSCRIPT_SCHEME, {
        onDidChange: this.transcripts.event,
        provideTextDocumentContent: (uri) => this.transcriptText(decodeURIComponent(uri.query)),
      }),
      vscode.commands.registerCommand('agentMesh.sessions.openTranscript', (node?: SessionsNode) => this.openTranscript(node)),
    );
  }

  attach(engine: Engine): void {
    for (const off of this.detach.splice(0)) off();
    this.engine = engine;
    const update = () => {
      this.tree.refresh();
      this.showStatus();
    };
    this.detach.push(engine.sessions.onChange(update), engine.approvals.onChange(update));
    update();
  }

  /** Empties the view while no engine runs (a restart failed). */
  detachEngine(): void {
    for (const off of this.detach.splice(0)) off();
    this.engine = undefined;
    this.tree.refresh();
    this.showStatus();
  }

  dispose(): void {
    for (const off of this.detach.splice(0)) off();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private showStatus(): void {
    const text = this.engine ? sessionsStatusText(this.engine.sessions.list()) : undefined;
    if (!text) {
      this.status.hide();
      return;
    }
    this.status.text = `$(hubot) ${text}`;
    this.status.tooltip = 'Coding-agent sessions — click to show them';
    this.status.show();
  }

  private async openTranscript(node: SessionsNode | undefined): Promise<void> {
    let session = node?.kind === 'session' ? node.session : undefined;
    if (!session) {
      const withTranscript = this.engine?.sessions.list().filter((s) => s.transcriptPath) ?? [];
      if (withTranscript.length === 0) {
        void vscode.window.showInformationMessage('Agent Mesh: no session has a transcript yet (Claude Code sends its transcript path with each hook event).');
        return;
      }
      const pick = await vscode.window.showQuickPick(
        withTranscript.map((s) => ({ ...sessionSummary(s), session: s })),
        { title: 'Open the transcript of' },
      );
      session = pick?.session;
    }
    if (!session) return;
    const uri = vscode.Uri.from({ scheme: TRANSCRIPT_SCHEME, path: `/${session.agent}-${session.sessionId.slice(0, 40)}.md`, query: encodeURIComponent(session.id) });
    this.transcripts.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(uri));
  }

  private async transcriptText(id: string): Promise<string> {
    const engine = this.engine;
    if (!engine) return 'The relay is not running.';
    try {
      const session = engine.sessions.get(id);
      const entries: TranscriptEntry[] = [];
      let cursor: number | undefined = 0;
      for (let page = 0; page < MAX_TRANSCRIPT_PAGES && cursor !== undefined; page++) {
        const read = await engine.sessions.transcript(id, cursor);
        entries.push(...read.entries);
        cursor = read.nextCursor;
      }
      return transcriptMarkdown(session, entries, cursor !== undefined);
    } catch (error) {
      return `The transcript cannot be shown: ${(error as Error).message}`;
    }
  }
}
