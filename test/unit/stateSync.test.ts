import { strict as assert } from 'node:assert';
import { DashboardStore, type PendingStorage } from '../../src/webview/sync/store';

/** The webview's store as the relay drives it: optimistic writes, acks, refusals, resyncs. */
function connectedStore(deviceId = 'me') {
  const store = new DashboardStore('session');
  store.apply({ type: 'hello', deviceId, serverVersion: 'test' });
  store.apply({ type: 'state:full', version: 4, state: { notes: { text: 'server' } }, stamps: { 'notes.text': { version: 3, timestamp: 10, deviceId: 'other' } } });
  return store;
}

describe('webview state sync', () => {
  it('applies a local write at once, versioned one above the path\'s stamp, with a fresh id', () => {
    const store = connectedStore();
    const first = store.write('notes.text', 'mine', 100);
    const second = store.write('notes.text', 'mine again', 101);
    assert.deepEqual([first.version, second.version], [4, 5]);
    assert.notEqual(first.id, second.id);
    assert.deepEqual(store.snapshot.state, { notes: { text: 'mine again' } });
    assert.equal(store.snapshot.pendingCount, 2);
  });

  it('folds an acked write into the relay\'s view', () => {
    const store = connectedStore();
    const update = store.write('notes.text', 'mine', 100);
    store.apply({ type: 'ack', id: update.id, version: update.version, stateVersion: 7 });
    assert.equal(store.snapshot.pendingCount, 0);
    assert.equal(store.snapshot.version, 7, 'the document version follows the relay');
    assert.deepEqual(store.snapshot.state, { notes: { text: 'mine' } });
    assert.equal(store.write('notes.text', 'next', 101).version, 5, 'the next write builds on the acked stamp');
  });

  it('rolls a write back when the relay refuses it as a conflict, and says so', () => {
    const store = connectedStore();
    const update = store.write('notes.text', 'mine', 100);
    store.apply({ type: 'state:sync', path: 'notes.text', value: 'theirs', version: 9, timestamp: 50, sourceDeviceId: 'other', stateVersion: 8 });
    assert.deepEqual(store.snapshot.state, { notes: { text: 'mine' } }, 'the optimistic value shows until the relay answers');
    store.apply({ type: 'error', code: 'conflict', message: 'a newer write exists', id: update.id });
    assert.deepEqual(store.snapshot.state, { notes: { text: 'theirs' } });
    assert.equal(store.snapshot.pendingCount, 0);
    assert.match(store.snapshot.lastError ?? '', /notes\.text was undone: a newer write exists/);
  });

  it('keeps a write the relay failed on (internal) queued for the next connection', () => {
    const store = connectedStore();
    const update = store.write('notes.text', 'mine', 100);
    store.apply({ type: 'error', code: 'internal', message: 'disk full', id: update.id });
    assert.deepEqual(store.pendingFrames().map((f) => f.id), [update.id]);
  });

  it('keeps unacked writes over a resync and offers them again with the same ids, in order', () => {
    const store = connectedStore();
    const a = store.write('layout.columns', 2, 100);
    const b = store.write('notes.text', 'offline edit', 101);
    store.apply({ type: 'ack', id: a.id, version: a.version, stateVersion: 5 });
    // Reconnected: the relay's full state does not have b yet.
    store.apply({ type: 'state:full', version: 6, state: { layout: { columns: 2 }, notes: { text: 'server' } }, stamps: {} });
    assert.deepEqual(store.snapshot.state, { layout: { columns: 2 }, notes: { text: 'offline edit' } });
    assert.deepEqual(store.pendingFrames(), [{ ...b }]);
  });

  it('versions a write above everything seen at its path, ancestors and descendants, so writing a parent replaces its children', () => {
    const store = connectedStore();
    store.apply({ type: 'state:sync', path: 'notes', value: { text: 'server', tags: ['a'] }, version: 1, timestamp: 11, sourceDeviceId: 'other', stateVersion: 5 });
    const parent = store.write('notes', { text: 'rewritten' }, 100);
    assert.equal(parent.version, 4, 'one above notes.text (3), not above notes (1)');
    store.apply({ type: 'ack', id: parent.id, version: parent.version, stateVersion: 6 });
    assert.deepEqual(store.snapshot.state, { notes: { text: 'rewritten' } }, 'the older notes.text write does not stay on top');
    assert.equal(store.write('notes.text', 'child', 101).version, 5, 'a child write goes above its parent');
  });

  it('keeps unacknowledged writes in its storage and restores them on a reload, ignoring damaged data', () => {
    let saved: unknown;
    const storage: PendingStorage = {
      load: () => ({ value: saved }),
      save: (pending) => {
        saved = structuredClone(pending);
        return undefined;
      },
    };
    const before = new DashboardStore('page-1', storage);
    before.apply({ type: 'hello', deviceId: 'me', serverVersion: 'test' });
    const acked = before.write('notes.text', 'acked', 100);
    const unacked = before.write('layout.columns', 3, 101);
    before.apply({ type: 'ack', id: acked.id, version: acked.version, stateVersion: 1 });

    const after = new DashboardStore('page-2', storage);
    assert.deepEqual(after.pendingFrames(), [{ ...unacked }]);
    assert.deepEqual(after.snapshot.state, { layout: { columns: 3 } });
    assert.notEqual(after.write('layout.columns', 4, 102).id, unacked.id, 'new writes get ids of their own');

    saved = [{ id: 'x', path: 'a' }];
    const damaged = new DashboardStore('page-3', storage).snapshot;
    assert.equal(damaged.pendingCount, 0);
    assert.match(damaged.lastError ?? '', /^Unsent changes kept for a reload could not be restored: .*not in the expected shape/, 'reported, not silently dropped');
  });

  it('shows that unsent changes will not survive a reload while its storage cannot keep them, and goes on', () => {
    let full = true;
    const kept: string[][] = [];
    const storage: PendingStorage = {
      load: () => ({ value: undefined }),
      save: (pending) => {
        if (full) return "the browser's storage for this page is full";
        kept.push(pending.map((p) => p.id));
        return undefined;
      },
    };
    const store = new DashboardStore('page', storage);
    store.apply({ type: 'hello', deviceId: 'me', serverVersion: 'test' });
    const first = store.write('notes.text', 'big', 100);
    assert.deepEqual(store.snapshot.state, { notes: { text: 'big' } }, 'the write still applies');
    assert.equal(store.snapshot.storageProblem, "Unsent changes will not survive a reload of this page: the browser's storage for this page is full.");
    assert.deepEqual(store.pendingFrames().map((f) => f.id), [first.id], 'and is still sent');

    full = false;
    const second = store.write('notes.text', 'small', 101);
    assert.equal(store.snapshot.storageProblem, undefined, 'cleared once the storage keeps them again');
    assert.deepEqual(kept, [[first.id, second.id]]);
  });

  it('reports unsent changes its storage could not read back, and starts without them', () => {
    const store = new DashboardStore('page', { load: () => ({ problem: 'unreadable: the compressed data is damaged' }), save: () => undefined });
    assert.equal(store.snapshot.pendingCount, 0);
    assert.equal(store.snapshot.lastError, 'Unsent changes kept for a reload could not be restored: unreadable: the compressed data is damaged.');
  });

  it('ignores a sync that loses against what it already confirmed', () => {
    const store = connectedStore();
    store.apply({ type: 'state:sync', path: 'notes.text', value: 'stale', version: 2, timestamp: 99, sourceDeviceId: 'z', stateVersion: 9 });
    assert.deepEqual(store.snapshot.state, { notes: { text: 'server' } });
  });

  it('shows the store health the relay reports', () => {
    const store = connectedStore();
    store.apply({ type: 'status', store: 'redis', status: 'degraded', detail: 'Redis at x is unreachable', notices: [] });
    assert.equal(store.snapshot.storeStatus?.status, 'degraded');
  });
});
