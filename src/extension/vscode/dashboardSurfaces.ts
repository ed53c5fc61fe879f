import * as vscode from 'vscode';
import { DashboardWebview, type RelayEndpointProvider } from './dashboardWebview';

export const DASHBOARD_VIEW_ID = 'agentMesh.dashboard';
const PANEL_VIEW_TYPE = 'agentMesh.dashboardPanel';

/** The dashboard in the sidebar (webview view) and as an editor panel; both run the same app. */
export class DashboardSurfaces implements vscode.WebviewViewProvider, vscode.Disposable {
  private readonly open = new Set<DashboardWebview>();
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly endpoint: RelayEndpointProvider,
    private readonly openInBrowser: () => void,
  ) {}

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    const dashboard = this.track(new DashboardWebview(view.webview, this.extensionUri, 'sidebar', this.endpoint, this.openInBrowser));
    view.onDidDispose(() => this.untrack(dashboard));
    await dashboard.render();
  }

  async showPanel(): Promise<void> {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Agent Mesh Dashboard', vscode.ViewColumn.Active, { enableScripts: true });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'agent-mesh.svg');
    const dashboard = this.track(new DashboardWebview(panel.webview, this.extensionUri, 'panel', this.endpoint, this.openInBrowser));
    this.panel = panel;
    panel.onDidDispose(() => {
      this.untrack(dashboard);
      this.panel = undefined;
    });
    await dashboard.render();
  }

  /** After the relay moved (port or host change), every open dashboard reconnects. */
  async reconnectAll(): Promise<void> {
    await Promise.all([...this.open].map((d) => d.reconnect()));
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.open) d.dispose();
    this.open.clear();
  }

  private track(dashboard: DashboardWebview): DashboardWebview {
    this.open.add(dashboard);
    return dashboard;
  }

  private untrack(dashboard: DashboardWebview): void {
    dashboard.dispose();
    this.open.delete(dashboard);
  }
}
