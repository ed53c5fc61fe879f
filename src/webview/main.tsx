import { render } from 'preact';
import { App } from './App';
import { detectHost } from './host';
import { RelayConnection } from './sync/connection';
import { DashboardStore } from './sync/store';
import { registerToolkit } from './ui/toolkit';

registerToolkit();

const host = detectHost();
const store = new DashboardStore();
const root = document.getElementById('app')!;

render(<App store={store} endpoint={undefined} openInBrowser={host.openInBrowser} />, root);
void host.endpoint().then((endpoint) => {
  const connection = new RelayConnection({
    wsUrl: endpoint.wsUrl,
    token: endpoint.token,
    deviceId: host.deviceId(),
    onFrame: (frame) => store.apply(frame),
    onStatus: (status, detail) => store.setStatus(status, detail),
  });
  connection.open();
  render(<App store={store} endpoint={endpoint} openInBrowser={host.openInBrowser} />, root);
});
