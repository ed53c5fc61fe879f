import type { HostToWebviewMessage, WebviewToHostMessage } from '../shared/protocol';
import { SESSION_FRAGMENT_KEY, type RelayCredential } from '../shared/relayAuth';
import { bridgeSocket } from './sync/bridge';
import type { SocketFactory } from './sync/connection';
import type { PendingStorage } from './sync/store';
import { readStored, writeStored } from './webStorage';

interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Endpoint {
  relayUrl: string;
  wsUrl: string;
  /** The relay token in VS Code; in a browser tab, the page's session secret (absent until opened with the token link). */
  credential?: RelayCredential;
  surface: 'sidebar' | 'panel' | 'browser';
}

/** Where the app runs: inside a VS Code webview (endpoint from the ready handshake) or a browser tab. */
export interface Host {
  /** In a VS Code webview, which follows the editor's theme; else a browser tab with its own theme switch. */
  inVsCode: boolean;
  /** Resolves once the host has said where the relay is. */
  endpoint(): Promise<Endpoint>;
  deviceId(): string;
  /** Keeps unacknowledged writes across a reload of this page. */
  pendingStorage: PendingStorage;
  openInBrowser?: () => void;
  /** Frames through the extension host, for when the webview cannot reach the relay directly. */
  bridge?: SocketFactory;
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
      if (message?.type === 'init') {
        resolve({ relayUrl: message.relayUrl, wsUrl: message.wsUrl, credential: { kind: 'bearer', secret: message.token }, surface: message.surface });
      }
    });
  });
  api.postMessage({ type: 'ready' });
  const savedState = (): Record<string, unknown> => {
    const saved = api.getState();
    return typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  };
  return {
    inVsCode: true,
    endpoint: () => ready,
    deviceId: () => {
      const saved = savedState();
      if (typeof saved.deviceId === 'string') return saved.deviceId;
      const deviceId = `vscode-${randomId()}`;
      api.setState({ ...saved, deviceId });
      return deviceId;
    },
    // setState takes the object itself and VS Code keeps it outside the page's web storage, with no
    // quota of that kind to fit into, so it is not compressed: that would only cost time on every write.
    pendingStorage: {
      load: () => ({ value: savedState().pending }),
      save: (pending) => {
        api.setState({ ...savedState(), pending });
        return undefined;
      },
    },
    openInBrowser: () => api.postMessage({ type: 'openInBrowser' }),
    bridge: bridgeSocket(
      (message) => api.postMessage(message),
      (handler) => {
        const listener = (event: MessageEvent<HostToWebviewMessage>) => handler(event.data);
        window.addEventListener('message', listener);
        return () => window.removeEventListener('message', listener);
      },
    ),
  };
}

const SESSION_STORAGE_KEY = 'agentMesh.session';
const PENDING_STORAGE_KEY = 'agentMesh.pending';

/**
 * The token link redirects to `./#session=S`: keep S for this tab (so a reload stays signed in) and
 * take it out of the address bar and history. sessionStorage is per origin, so a page on another
 * port cannot read it.
 */
function takeSessionFromFragment(): string | undefined {
  const session = new URLSearchParams(location.hash.slice(1)).get(SESSION_FRAGMENT_KEY);
  if (!session) return undefined;
  sessionStorage.setItem(SESSION_STORAGE_KEY, session);
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  return session;
}

function browserHost(): Host {
  // The page is the relay's `/`, possibly behind a path proxy (code-server's /proxy/PORT/): every
  // URL is relative to where the page was served.
  const relayUrl = `${location.origin}${location.pathname.replace(/\/$/, '')}`;
  const wsUrl = `${relayUrl.replace(/^http/, 'ws')}/ws`;
  const session = takeSessionFromFragment() ?? sessionStorage.getItem(SESSION_STORAGE_KEY) ?? undefined;
  return {
    inVsCode: false,
    endpoint: async () => ({ relayUrl, wsUrl, credential: session ? { kind: 'session', secret: session } : undefined, surface: 'browser' }),
    deviceId: () => {
      const existing = sessionStorage.getItem('agentMesh.deviceId');
      if (existing) return existing;
      const deviceId = `browser-${randomId()}`;
      sessionStorage.setItem('agentMesh.deviceId', deviceId);
      return deviceId;
    },
    // The tab's quota is a few MB and the relay takes writes up to 1 MB each: large batches are compressed.
    pendingStorage: {
      load: () => readStored(sessionStorage, PENDING_STORAGE_KEY),
      save: (pending) => writeStored(sessionStorage, PENDING_STORAGE_KEY, pending),
    },
  };
}

export function detectHost(): Host {
  return typeof acquireVsCodeApi === 'function' ? vscodeHost(acquireVsCodeApi()) : browserHost();
}
