import * as vscode from 'vscode';
import type { MeshSnapshot } from '../../shared/mesh';
import type { Engine } from '../engine/engine';
import { describeTransitions, TransitionDebouncer } from '../engine/mesh/notifier';
import { MeshTreeProvider, type MeshNode } from './meshTree';

export const MESH_VIEW_ID = 'agentMesh.meshHealth';
/** Transitions within this window become one notification. */
const NOTIFY_DEBOUNCE_MS = 2000;

/**
 * Everything mesh health shows in VS Code: the tree view, the "Mesh n/m" status bar item, one
 * notification per burst of status changes and the commands. `attach` binds it to an engine (again
 * after the engine is rebuilt).
 */
export class MeshViews implements vscode.Disposable {
  private readonly tree = new MeshTreeProvider();
  private readonly status = vscode.window.createStatusBarItem('agentMesh.mesh', vscode.StatusBarAlignment.Left, 49);
  private readonly notifier = new TransitionDebouncer(NOTIFY_DEBOUNCE_MS, (transitions) => {
    const { text, down } = describeTransitions(transitions);
    if (!text) return;
    const message = `Agent Mesh: ${text}`;
    const shown = down ? vscode.window.showWarningMessage(message, 'Show Mesh') : vscode.window.showInformationMessage(message, 'Show Mesh');
    void shown.then((pick) => pick && vscode.commands.executeCommand(`${MESH_VIEW_ID}.focus`));
  });
  private readonly disposables: vscode.Disposable[] = [];
  private detach: (() => void) | undefined;
  private engine: Engine | undefined;

  constructor() {
    this.status.name = 'Agent Mesh Health';
    this.status.command = `${MESH_VIEW_ID}.focus`;
    this.disposables.push(
      this.tree,
      this.status,
      vscode.window.createTreeView(MESH_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }),
      vscode.commands.registerCommand('agentMesh.mesh.checkNow', () => this.check()),
      vscode.commands.registerCommand('agentMesh.mesh.checkAgent', (node?: MeshNode) => node && this.check(node.agent.id)),
      vscode.commands.registerCommand('agentMesh.mesh.openCard', (node?: MeshNode) => node && this.openCard(node)),
      vscode.commands.registerCommand('agentMesh.mesh.copyUrl', async (node?: MeshNode) => {
        if (!node) return;
        await vscode.env.clipboard.writeText(node.agent.url);
        vscode.window.setStatusBarMessage(`Copied ${node.agent.url}`, 3000);
      }),
    );
  }

  attach(engine: Engine): void {
    this.detach?.();
    this.engine = engine;
    const offUpdate = engine.mesh.onUpdate((snapshot) => this.show(snapshot));
    const offTransition = engine.mesh.onTransition((transition) => this.notifier.push(transition));
    this.detach = () => {
      offUpdate();
      offTransition();
    };
    this.show(engine.mesh.snapshot());
  }

  /** Empties the view while no engine runs (a restart failed). */
  detachEngine(): void {
    this.detach?.();
    this.detach = undefined;
    this.engine = undefined;
    this.show({ agents: [] });
  }

  dispose(): void {
    this.detach?.();
    this.notifier.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private show(snapshot: MeshSnapshot): void {
    this.tree.update(snapshot.agents);
    const total = snapshot.agents.length;
    if (total === 0) {
      this.status.hide();
      return;
    }
    const down = snapshot.agents.filter((a) => a.status === 'unhealthy');
    const healthy = snapshot.agents.filter((a) => a.status === 'healthy').length;
    this.status.text = `$(pulse) Mesh ${healthy}/${total}`;
    this.status.backgroundColor = down.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.status.tooltip =
      down.length > 0
        ? `Agent mesh: ${healthy} of ${total} healthy. Down: ${down.map((a) => `${a.name}${a.error ? ` (${a.error})` : ''}`).join(', ')}`
        : `Agent mesh: ${healthy} of ${total} healthy${snapshot.cycleMs !== undefined ? `; last cycle ${snapshot.cycleMs} ms` : ''}`;
    this.status.accessibilityInformation = { label: `Agent mesh, ${healthy} of ${total} agents healthy` };
    this.status.show();
  }

  private async check(id?: string): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    await vscode.window.withProgress({ location: { viewId: MESH_VIEW_ID }, title: 'Checking the mesh' }, () => engine.mesh.checkNow(id ? [id] : undefined));
  }

  private async openCard(node: MeshNode): Promise<void> {
    const card = this.engine?.mesh.card(node.agent.id);
    if (card === undefined) {
      void vscode.window.showInformationMessage(`Agent Mesh: no agent card has been read from ${node.agent.name} yet.`);
      return;
    }
    const document = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(card, null, 2) });
    await vscode.window.showTextDocument(document, { preview: true });
  }
}
