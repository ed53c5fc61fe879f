// The dashboard app in the webview bench's page: the production sources (App, the store, the panels
// and their channel reducers), driven the way the webview drives them, with the relay's frames.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import type { ServerFrame } from '../../src/shared/protocol';
import { App } from '../../src/webview/App';
import type { RelayApi } from '../../src/webview/panels/types';
import { DashboardStore } from '../../src/webview/sync/store';
import { registerToolkit } from '../../src/webview/ui/toolkit';

registerToolkit();

// No relay answers here: what panels fetch over HTTP (today's cost) shows its error, outside the measured paths.
const noRelay: RelayApi = {
  request: () => Promise.reject(new Error('no relay in the webview bench')),
  stream: () => Promise.reject(new Error('no relay in the webview bench')),
  download: () => Promise.reject(new Error('no relay in the webview bench')),
};

let store: DashboardStore | undefined;

/** Milliseconds from `work` to the DOM committed, effects run, styles computed and laid out. */
function timed(work: () => void): number {
  const started = performance.now();
  act(work);
  void document.body.offsetHeight;
  return performance.now() - started;
}

declare global {
  interface Window {
    webviewBench: { firstRender(frames: ServerFrame[]): number; update(frame: ServerFrame): number };
  }
}

window.webviewBench = {
  /** The channels' snapshots are in the store (as after subscribing); the dashboard's first render. */
  firstRender(frames) {
    store = new DashboardStore();
    store.apply({ type: 'hello', deviceId: 'bench', serverVersion: 'bench' });
    for (const frame of frames) store.apply(frame);
    store.setStatus('connected');
    const shown = store;
    return timed(() => render(<App store={shown} endpoint={undefined} api={noRelay} />, document.getElementById('app')!));
  },
  /** One event frame through the store and the re-render it causes. */
  update(frame) {
    return timed(() => store!.apply(frame));
  },
};
