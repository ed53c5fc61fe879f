import { render } from 'preact';
import { App } from './App';
import { detectHost } from './host';
import { panels } from './panels';
import { createRelayApi } from './sync/api';
import { RelayConnection } from './sync/connection';
import { DashboardStore } from './sync/store';
import { registerToolkit } from './ui/toolkit';

registerToolkit();

const host = detectHost();
const store = new DashboardStore();
const root = document.getElementById('app')!;

const channels = [...new Set(panels.map((p) => p.channel))];

render(<App store={store} endpoint={undefined} api={undefined} openInBrowser={host.openInBrowser} />, root);
void host.endpoint().then((endpoint) => {
  const connection = new RelayConnection({
    wsUrl: endpoint.wsUrl,
    token: endpoint.token,
    deviceId: host.deviceId(),
    onFrame: (frame) => {
      store.apply(frame);
      // Every (re)connection starts with hello: subscribe again, and each channel answers with a snapshot.
      if (frame.type === 'hello') for (const channel of channels) connection.send({ type: 'subscribe', channel });
    },
    onStatus: (status, detail) => store.setStatus(status, detail),
  });
  connection.open();
  render(<App store={store} endpoint={endpoint} api={createRelayApi(endpoint)} openInBrowser={host.openInBrowser} />, root);
});
