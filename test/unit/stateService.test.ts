import { strict as assert } from 'node:assert';
import { silentLogger } from '../../src/extension/engine/log';
import { StateService } from '../../src/extension/engine/state/stateService';
import type { StateDocument, StateStore } from '../../src/extension/engine/state/store';
import { applyWrite } from '../../src/extension/engine/state/tree';
import { emptyDocument } from '../../src/extension/engine/state/store';
import type { JsonValue } from '../../src/shared/protocol';
import { planWrite, wins, type StateStamp } from '../../src/shared/state';
import { DashboardStore } from '../../src/webview/sync/store';

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** An in-memory store that records every save and can hold saves back, to observe coalescing. */
class RecordingStore implements StateStore {
  readonly kind = 'file' as const;
  saves: StateDocument[] = [];
  private gate: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
  }
  async load() {
    return undefined;
  }
  async save(doc: StateDocument | string[]) {
    await this.gate;
    this.saves.push(Array.isArray(doc) ? JSON.parse(doc.join('')) : doc);
  }
  async close() {}
}

describe('state conflict resolution', () => {
  it('orders writes by version, then timestamp, then device id', () => {
    assert.equal(wins({ version: 2, timestamp: 1, deviceId: 'a' }, { version: 1, timestamp: 9, deviceId: 'z' }), true);
    assert.equal(wins({ version: 1, timestamp: 9, deviceId: 'a' }, { version: 2, timestamp: 1, deviceId: 'z' }), false);
    assert.equal(wins({ version: 2, timestamp: 5, deviceId: 'a' }, { version: 2, timestamp: 4, deviceId: 'z' }), true);
    assert.equal(wins({ version: 2, timestamp: 5, deviceId: 'b' }, { version: 2, timestamp: 5, deviceId: 'a' }), true);
    assert.equal(wins({ version: 2, timestamp: 5, deviceId: 'a' }, { version: 2, timestamp: 5, deviceId: 'a' }), false);
    assert.equal(wins({ version: 0, timestamp: 0, deviceId: '' }, undefined), true);
  });

  it('converges whatever order three devices\' writes arrive in', async () => {
    const writes = [
      { value: 'from-a', stamp: { version: 3, timestamp: 100, deviceId: 'a' } },
      { value: 'from-b', stamp: { version: 3, timestamp: 100, deviceId: 'b' } },
      { value: 'from-c', stamp: { version: 2, timestamp: 200, deviceId: 'c' } },
    ];
    const orders = [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]];
    const finals = new Set<string>();
    for (const order of orders) {
      const service = new StateService(new RecordingStore(), silentLogger);
      for (const i of order) await service.update(['shared', 'title'], writes[i].value, writes[i].stamp);
      finals.add(JSON.stringify(service.snapshot().state));
    }
    assert.deepEqual([...finals], [JSON.stringify({ shared: { title: 'from-b' } })]);
  });

  it('holds byte-identical state whatever order writes of different paths arrive in', async () => {
    // Like two relays and the Redis copy: the same writes, each replica receiving them in its own order.
    const writes = [
      { segments: ['race', 'k1'], value: 'a1' },
      { segments: ['race', 'k2'], value: { z: 1, a: [{ y: 1, b: 2 }] } },
      { segments: ['race', 'k0'], value: 'a0' },
      { segments: ['notes'], value: 'n' },
      { segments: ['10'], value: 'numeric key' },
      { segments: ['9'], value: 'numeric key' },
    ];
    const finals = new Set<string>();
    for (const order of [[0, 1, 2, 3, 4, 5], [5, 3, 2, 1, 0, 4], [2, 4, 0, 5, 1, 3]]) {
      const service = new StateService(new RecordingStore(), silentLogger);
      for (const i of order) await service.update(writes[i].segments, writes[i].value, { version: 1, timestamp: 1, deviceId: 'x' });
      finals.add(JSON.stringify(service.snapshot().state));
    }
    assert.deepEqual([...finals], [JSON.stringify({ 9: 'numeric key', 10: 'numeric key', notes: 'n', race: { k0: 'a0', k1: 'a1', k2: { a: [{ b: 2, y: 1 }], z: 1 } } })]);
  });

  it('converges on writes of a path, its ancestors and descendants in every arrival order, as if applied in stamp order — relay and dashboards alike', async () => {
    // In stamp order: b, e, a, d, c. e replaces x (b's x.y goes), a replaces x again, d and c are
    // newer than a and stay on top of it; c turns a's scalar x.y into an object.
    const writes: Array<{ path: string; value: JsonValue; stamp: { version: number; timestamp: number; deviceId: string } }> = [
      { path: 'x', value: { y: 1, z: 1 }, stamp: { version: 2, timestamp: 100, deviceId: 'a' } },
      { path: 'x.y', value: 2, stamp: { version: 1, timestamp: 200, deviceId: 'b' } },
      { path: 'x.y.w', value: 3, stamp: { version: 3, timestamp: 50, deviceId: 'c' } },
      { path: 'x.z', value: 9, stamp: { version: 2, timestamp: 150, deviceId: 'd' } },
      { path: 'x', value: 'scalar', stamp: { version: 1, timestamp: 300, deviceId: 'e' } },
    ];
    const expected = JSON.stringify({ x: { y: { w: 3 }, z: 9 } });
    const orders = permutations([0, 1, 2, 3, 4]);
    assert.equal(orders.length, 120);
    for (const order of orders) {
      const service = new StateService(new RecordingStore(), silentLogger);
      const dashboard = new DashboardStore('session');
      dashboard.apply({ type: 'hello', deviceId: 'viewer', serverVersion: 'test' });
      dashboard.apply({ type: 'state:full', version: 0, state: {}, stamps: {} });
      service.onChange((change) =>
        dashboard.apply({ type: 'state:sync', path: change.path, value: change.value, version: change.stamp.version, timestamp: change.stamp.timestamp, sourceDeviceId: change.stamp.deviceId, stateVersion: service.snapshot().version }),
      );
      for (const i of order) await service.update(writes[i].path.split('.'), writes[i].value, writes[i].stamp);
      assert.equal(JSON.stringify(service.snapshot().state), expected, `relay, order ${order}`);
      assert.deepEqual(Object.keys(service.stamps()).sort(), ['x', 'x.y.w', 'x.z'], `stamps, order ${order}`);
      assert.equal(JSON.stringify(dashboard.snapshot.state), expected, `dashboard, order ${order}`);
    }
  });

  it('finds a write\'s descendants through its index exactly as a scan of every stamp would, over a long random history', () => {
    const universe = ['a', 'a.b', 'a.b.c', 'a.b.d', 'a.e', 'f', 'f.g', 'f.g.h', 'ab', 'ab.c'];
    let seed = 7;
    const next = (n: number) => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) % n);
    const scan = (stamps: Record<string, StateStamp>, path: string, stamp: StateStamp) => {
      const under = Object.keys(stamps).filter((p) => p.startsWith(`${path}.`));
      return { superseded: under.filter((p) => wins(stamp, stamps[p])).sort(), kept: under.filter((p) => !wins(stamp, stamps[p])).sort() };
    };
    const doc = emptyDocument(0);
    for (let i = 0; i < 2_000; i++) {
      const path = universe[next(universe.length)];
      const stamp = { version: next(6), timestamp: next(1000), deviceId: `d${next(3)}` };
      const plan = planWrite(doc.paths, path, stamp);
      if (plan.accepted) assert.deepEqual({ superseded: [...plan.superseded].sort(), kept: [...plan.kept].sort() }, scan(doc.paths, path, stamp), `write ${i} of ${path}`);
      applyWrite(doc, { path, value: i, stamp }, plan);
    }
  });

  it('refuses a write under a newer ancestor write, naming the ancestor', async () => {
    const service = new StateService(new RecordingStore(), silentLogger);
    await service.update(['x'], { y: 1 }, { version: 2, timestamp: 1, deviceId: 'a' });
    const outcome = await service.update(['x', 'y'], 5, { version: 1, timestamp: 9, deviceId: 'b' });
    assert.equal(!outcome.accepted && outcome.reason === 'conflict' && outcome.current.path, 'x');
    assert.deepEqual(service.snapshot().state, { x: { y: 1 } });
  });

  it('refuses a stale write and reports the current stamp, changing nothing', async () => {
    const service = new StateService(new RecordingStore(), silentLogger);
    await service.update(['a'], 1, { version: 5, timestamp: 1, deviceId: 'x' });
    const outcome = await service.update(['a'], 2, { version: 4, timestamp: 9, deviceId: 'y' });
    assert.equal(outcome.accepted, false);
    assert.equal(!outcome.accepted && outcome.reason === 'conflict' && outcome.current.stamp?.version, 5);
    assert.deepEqual(service.snapshot().state, { a: 1 });
    assert.equal(service.snapshot().version, 1);
  });

  it('replaces a scalar on the way to a nested path', async () => {
    const service = new StateService(new RecordingStore(), silentLogger);
    await service.update(['a'], 1, { version: 1, timestamp: 1, deviceId: 'x' });
    await service.update(['a', 'b'], 2, { version: 2, timestamp: 1, deviceId: 'x' });
    assert.deepEqual(service.snapshot().state, { a: { b: 2 } });
  });
});

describe('state persistence', () => {
  it('coalesces a burst of updates into few writes and resolves each only once durable', async () => {
    const store = new RecordingStore();
    const service = new StateService(store, silentLogger);
    store.hold();
    const first = service.update(['k0'], 0, { version: 1, timestamp: 1, deviceId: 'd' });
    const rest = Array.from({ length: 49 }, (_, i) => service.update([`k${i + 1}`], i + 1, { version: 1, timestamp: 1, deviceId: 'd' }));
    let settled = false;
    void Promise.all(rest).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false, 'updates must not resolve before their write is done');
    store.open();
    await Promise.all([first, ...rest]);
    assert.ok(store.saves.length <= 2, `expected at most 2 writes, saw ${store.saves.length}`);
    assert.equal(Object.keys(store.saves.at(-1)!.state).length, 50);
  });
});

describe('state service replays, replacements and other relays', () => {
  const stamp = (version: number, timestamp: number, deviceId: string) => ({ version, timestamp, deviceId });

  it('acknowledges a replayed or superseded write of the same device without applying it again', async () => {
    const service = new StateService(new RecordingStore(), silentLogger);
    const first = await service.update(['n'], 'a', stamp(1, 1, 'dev'));
    await service.update(['n'], 'b', stamp(2, 2, 'dev'));
    const replay = await service.update(['n'], 'a', stamp(1, 1, 'dev'));
    assert.ok(first.accepted && replay.accepted && replay.duplicate);
    assert.deepEqual(service.snapshot().state, { n: 'b' });
    assert.equal(service.snapshot().version, 2);
    const stale = await service.update(['n'], 'c', stamp(1, 9, 'other'));
    assert.equal(stale.accepted, false, 'another device\'s stale write is still a conflict');
  });

  it('replaces the document only at the expected version, stamping each key above its old version', async () => {
    const service = new StateService(new RecordingStore(), silentLogger);
    await service.update(['a'], 1, stamp(4, 1, 'dev'));
    assert.deepEqual(await service.replace({ b: 2 }, 'rest', 0), { replaced: false, version: 1 });
    assert.deepEqual(service.snapshot().state, { a: 1 });
    let replaced = 0;
    service.onReplace(() => replaced++);
    assert.deepEqual(await service.replace({ a: 5, b: 2 }, 'rest', 1), { replaced: true, version: 2 });
    assert.deepEqual(service.snapshot().state, { a: 5, b: 2 });
    assert.equal(service.stamps().a.version, 5);
    assert.equal(replaced, 1);
  });

  it('applies another relay\'s writes where they win, and keeps later local writes over its replacement', async () => {
    let sink: Parameters<NonNullable<StateStore['connect']>>[0] | undefined;
    const store = new RecordingStore();
    (store as StateStore).connect = (s) => (sink = s);
    const service = new StateService(store, silentLogger);
    const heard: string[] = [];
    service.onChange((change, source) => heard.push(`${change.path}=${JSON.stringify(change.value)} from ${source}`));
    await service.update(['mine'], 'local', stamp(3, Date.now() + 10_000, 'here'));
    sink!.changes([{ path: 'mine', value: 'old remote', stamp: stamp(2, 5, 'there') }, { path: 'theirs', value: 1, stamp: stamp(1, 5, 'there') }], 10);
    assert.deepEqual(service.snapshot().state, { mine: 'local', theirs: 1 });
    assert.ok(service.snapshot().version >= 10);
    assert.deepEqual(heard.slice(1), ['theirs=1 from there']);

    sink!.replaced({ schemaVersion: 2, version: 20, state: { fresh: true }, paths: { fresh: stamp(1, 6, 'there') }, lastModified: 6, resetAt: Date.now() });
    assert.deepEqual(service.snapshot().state, { fresh: true, mine: 'local' }, 'a write made after the replacement survives it');
  });
});
