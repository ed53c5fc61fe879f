import { render } from 'preact';
import { App } from './App';
import { detectHost } from './host';
import { panels } from './panels';
import { createRelayApi } from './sync/api';
import { directSocket } from './sync/connection';
import { startSync } from './sync/session';
import { DashboardStore } from './sync/store';
import { startBrowserThemes } from './theme';
import { registerToolkit } from './ui/toolkit';

registerToolkit();

const host = detectHost();
const themes = host.inVsCode ? undefined : startBrowserThemes();
const store = new DashboardStore(undefined, host.pendingStorage);
const root = document.getElementById('app')!;

const channels = [...new Set(panels.map((p) => p.channel))];

render(<App store={store} endpoint={undefined} api={undefined} openInBrowser={host.openInBrowser} themes={themes} />, root);
void host.endpoint().then((endpoint) => {
  if (!endpoint.credential) {
    // A browser tab opened without the token link (or whose session ended with a new relay token).
    store.setStatus('unauthorized', 'open this page with the dashboard link that carries the token');
    return;
  }
  const sync = startSync({ store, deviceId: host.deviceId(), direct: directSocket(endpoint.wsUrl, endpoint.credential), fallback: host.bridge, channels });
  render(<App store={store} endpoint={endpoint} api={createRelayApi(endpoint)} openInBrowser={host.openInBrowser} writeState={sync.write} themes={themes} />, root);
});
