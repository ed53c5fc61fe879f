import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { renderDashboardHtml, renderRelayStoppedHtml } from '../../shared/dashboardHtml';
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../shared/protocol';
import { isBridgeMessage, StateBridge } from './stateBridge';

/** Where the webview finds the relay; resolved through asExternalUri so remote setups work. */
export interface RelayEndpoint {
  httpUrl: string;
  wsUrl: string;
  token: string;
  /** The relay's WebSocket as the extension host reaches it (for the postMessage bridge). */
  localWsUrl: string;
}

export type RelayEndpointProvider = () => Promise<RelayEndpoint>;

/**
 * Owns one dashboard webview (sidebar view or editor panel): strict CSP with a fresh nonce,
 * asWebviewUri for assets, and the ready handshake that hands the app its relay endpoint.
 */
export class DashboardWebview implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly bridge: StateBridge;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly extensionUri: vscode.Uri,
    private readonly surface: 'sidebar' | 'panel',
    private readonly endpoint: RelayEndpointProvider,
    private readonly onOpenInBrowser: () => void,
  ) {
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
    this.bridge = new StateBridge(
      async () => {
        const { localWsUrl, token } = await this.endpoint();
        return { wsUrl: localWsUrl, token };
      },
      (message) => void this.webview.postMessage(message),
    );
    this.disposables.push(webview.onDidReceiveMessage((message: WebviewToHostMessage) => this.onMessage(message)));
  }

  /** Renders the shell; the app asks for its endpoint with a `ready` message once it runs. */
  async render(): Promise<void> {
    let endpoint: RelayEndpoint;
    try {
      endpoint = await this.endpoint();
    } catch (error) {
      this.webview.html = renderRelayStoppedHtml('Agent Mesh Dashboard', (error as Error).message);
      return;
    }
    const wsOrigin = new URL(endpoint.wsUrl).origin.replace(/^http/, 'ws');
    const httpOrigin = new URL(endpoint.httpUrl).origin;
    this.webview.html = renderDashboardHtml({
      title: 'Agent Mesh Dashboard',
      scriptUri: this.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: this.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'dashboard.css')).toString(),
      nonce: randomBytes(16).toString('base64'),
      cspSource: this.webview.cspSource,
      connectSrc: `${wsOrigin} ${httpOrigin}`,
    });
  }

  /** Re-sends the endpoint, e.g. after the relay restarted on another port. */
  async reconnect(): Promise<void> {
    await this.render();
  }

  dispose(): void {
    this.bridge.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private async onMessage(message: WebviewToHostMessage): Promise<void> {
    if (isBridgeMessage(message)) {
      this.bridge.handle(message);
      return;
    }
    switch (message.type) {
      case 'ready': {
        const endpoint = await this.endpoint();
        const init: HostToWebviewMessage = { type: 'init', relayUrl: endpoint.httpUrl, wsUrl: endpoint.wsUrl, token: endpoint.token, surface: this.surface };
        await this.webview.postMessage(init);
        return;
      }
      case 'openInBrowser':
        this.onOpenInBrowser();
        return;
    }
  }
}
