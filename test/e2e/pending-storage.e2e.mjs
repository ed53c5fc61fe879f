// The browser dashboard's unsent writes in the tab's sessionStorage, in headless Chromium against a
// real `agent-mesh serve`: above 50 K characters they are kept compressed (lz-string's UTF-16 form
// behind a flag), survive reloads while the relay never sees them, and reach it exactly once when
// the socket goes through again; a full sessionStorage is shown, not thrown. The dashboard's socket is
// held back by routing it through Playwright: its `state:update` frames are dropped, the rest passes.

import assert from 'node:assert/strict';
import LZString from 'lz-string';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { waitFor } from './harness.mjs';

const NOTES = '[data-testid="shared-notes"]';
const NOTES_STATUS = '[data-testid="shared-notes-status"]';
const STORAGE_PROBLEM = '[data-testid="pending-storage-problem"]';
const CONNECTED = '[data-testid="connection-status"]';
const PENDING_KEY = 'agentMesh.pending';
const COMPRESSED_HEADER = /^lz-string\/utf16,(\d+),/;

/** A note of about 4,000 characters (the notes' limit), different for each edit, as prose is. */
function note(edit) {
  const words = ['deploy', 'freeze', 'agents', 'review', 'rollback', 'canary', 'queue', 'approval', 'budget', 'latency'];
  let text = `Edit ${edit}:`;
  for (let i = 0; text.length < 3950; i++) text += ` ${words[(i * (edit + 3)) % words.length]}-${(i * 31 + edit) % 97}`;
  return text;
}

describe('browser dashboard: unsent writes kept in sessionStorage', function () {
  this.timeout(120_000);
  const dashboard = useDashboardPage({ prefix: 'pending-storage' });
  const pageErrors = [];
  /** While true, the dashboard's sockets reach the relay but its writes do not. */
  const socket = { holding: false, held: 0 };

  before(async function () {
    dashboard.page.on('pageerror', (error) => pageErrors.push(error.message));
    await dashboard.page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      const server = ws.connectToServer();
      if (!socket.holding) return; // without handlers every frame passes both ways
      ws.onMessage((message) => {
        if (JSON.parse(String(message)).type === 'state:update') socket.held += 1;
        else server.send(message);
      });
    });
  });

  /** Reloads the dashboard and waits for its socket to open (held back or not). */
  async function reload() {
    await dashboard.page.reload();
    await visible(dashboard.page.locator(CONNECTED, { hasText: /^connected$/ }));
  }

  async function edit(text) {
    const notes = dashboard.page.locator(NOTES);
    await notes.fill(text);
    await notes.blur();
    await waitFor(async () => (await notes.inputValue()) === text, { timeoutMs: 5_000, what: 'the note to show the edit' });
  }

  const storedPending = () => dashboard.page.evaluate((key) => sessionStorage.getItem(key), PENDING_KEY);

  /** The stored text read the way lz-string reads its UTF-16 form, checked against the flag's length. */
  function decompress(text) {
    const header = COMPRESSED_HEADER.exec(text);
    assert.ok(header, `flagged as compressed: ${text.slice(0, 40)}`);
    const json = LZString.decompressFromUTF16(text.slice(header[0].length));
    assert.equal(json.length, Number(header[1]));
    return JSON.parse(json);
  }

  async function release() {
    socket.holding = false;
    await reload();
    await dashboard.page.locator(NOTES_STATUS, { hasText: 'Saved and shared' }).waitFor({ timeout: 20_000 });
    assert.equal(await storedPending(), '[]', 'nothing is left to replay');
  }

  it('keeps more than 50 KB of unsent writes compressed across reloads and sends each exactly once after reconnecting', async () => {
    const before = await dashboard.api('GET', '/api/dashboard/state');
    socket.holding = true;
    await reload();

    const notes = Array.from({ length: 15 }, (_, i) => note(i));
    for (const text of notes) await edit(text);
    await waitFor(async () => socket.held >= notes.length, { timeoutMs: 10_000, what: 'every write to be sent (and held back)' });
    const stored = await storedPending();
    const kept = decompress(stored);
    assert.deepEqual(kept.map((write) => write.value), notes, 'every unsent write, in order');
    const json = JSON.stringify(kept);
    assert.ok(json.length > 50 * 1024, `more than 50 K characters of writes (${json.length})`);
    assert.ok(stored.length < json.length / 3, `kept in ${stored.length} characters for ${json.length}`);

    await reload();
    assert.equal(await dashboard.page.locator(NOTES).inputValue(), notes.at(-1), 'the reloaded page shows the unsent edit');
    assert.deepEqual(decompress(await storedPending()).map((write) => write.id), kept.map((write) => write.id), 'still kept, same ids');
    assert.equal((await dashboard.api('GET', '/api/dashboard/state')).body.version, before.body.version, 'the relay has seen none of them');

    await release();
    const after = await dashboard.api('GET', '/api/dashboard/state');
    assert.equal(after.body.state.notes.text, notes.at(-1));
    assert.equal(after.body.version, before.body.version + notes.length, 'each write applied exactly once');
    assert.deepEqual(pageErrors, []);
  });

  it('says unsent changes will not survive a reload while sessionStorage is full, and still sends them', async () => {
    const before = await dashboard.api('GET', '/api/dashboard/state');
    socket.holding = true;
    await reload();
    // Fill the tab's storage up to its quota, leaving less room than one note takes.
    const filler = await dashboard.page.evaluate(() => {
      let low = 0;
      let high = 64 * 1024 * 1024;
      while (low < high) {
        const size = Math.ceil((low + high) / 2);
        try {
          sessionStorage.setItem('filler', 'x'.repeat(size));
          low = size;
        } catch {
          high = size - 1;
        }
      }
      sessionStorage.setItem('filler', 'x'.repeat(low));
      return low;
    });
    assert.ok(filler > 1024 * 1024, `the quota was reached (${filler} characters)`);

    await edit(note(100));
    await visible(dashboard.page.locator(STORAGE_PROBLEM, { hasText: "Unsent changes will not survive a reload of this page: the browser's storage for this page is full." }));
    assert.deepEqual(pageErrors, [], 'a full storage is shown, not thrown');

    await dashboard.page.evaluate(() => sessionStorage.removeItem('filler'));
    await edit(note(101));
    await dashboard.page.locator(STORAGE_PROBLEM).waitFor({ state: 'detached' });
    assert.equal(JSON.parse(await storedPending()).length, 2, 'both unsent writes are kept once there is room (plain JSON: below 50 K)');

    await release();
    const after = await dashboard.api('GET', '/api/dashboard/state');
    assert.equal(after.body.state.notes.text, note(101));
    assert.equal(after.body.version, before.body.version + 2);
    assert.deepEqual(pageErrors, []);
  });
});
