import type { HostToWebviewMessage, WebviewToHostMessage } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Endpoint {
  relayUrl: string;
  wsUrl: string;
  token?: string;
  surface: 'sidebar' | 'panel' | 'browser';
}

/** Where the app runs: inside a VS Code webview (endpoint from the ready handshake) or a browser tab. */
export interface Host {
  /** Resolves once the host has said where the relay is. */
  endpoint(): Promise<Endpoint>;
  deviceId(): string;
  openInBrowser?: () => void;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function vscodeHost(api: VsCodeApi): Host {
  // The extension re-renders the whole webview when the relay moves, so one init per page is enough.
  const ready = new Promise<Endpoint>((resolve) => {
    window.addEventListener('message', (event: MessageEvent<HostToWebviewMessage>) => {
      const message = event.data;
      if (message?.type === 'init') resolve({ relayUrl: message.relayUrl, wsUrl: message.wsUrl, token: message.token, surface: message.surface });
    });
  });
  api.postMessage({ type: 'ready' });
  return {
    endpoint: () => ready,
    deviceId: () => {
      const saved = api.getState() as { deviceId?: string } | undefined;
      if (saved?.deviceId) return saved.deviceId;
      const deviceId = `vscode-${randomId()}`;
      api.setState({ ...(saved ?? {}), deviceId });
      return deviceId;
    },
    openInBrowser: () => api.postMessage({ type: 'openInBrowser' }),
  };
}

function browserHost(): Host {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  return {
    endpoint: async () => ({ relayUrl: location.origin, wsUrl, surface: 'browser' }),
    deviceId: () => {
      const existing = sessionStorage.getItem('agentMesh.deviceId');
      if (existing) return existing;
      const deviceId = `browser-${randomId()}`;
      sessionStorage.setItem('agentMesh.deviceId', deviceId);
      return deviceId;
    },
  };
}

export function detectHost(): Host {
  return typeof acquireVsCodeApi === 'function' ? vscodeHost(acquireVsCodeApi()) : browserHost();
}
