import { strict as assert } from 'node:assert';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMPACT_AFTER_LINES, FileApprovalStore } from '../../src/extension/engine/approvals/store';
import type { Approval, ApprovalRule } from '../../src/shared/approvals';

const NOW = Date.UTC(2025, 0, 1, 12);

function pending(id: string): Approval {
  return { id, title: `Deploy ${id}`, confidence: 50, risk: 'medium', level: 'full', priority: 'normal', status: 'pending', destructive: false, target: id, createdAt: NOW, dueAt: NOW + 1000 };
}

const rule: ApprovalRule = { tool: 'deploy', scope: 'workspace', createdAt: NOW, createdBy: 'ana' };

describe('file approval store (snapshot + journal)', () => {
  let dir: string;
  let file: string;
  const stores: FileApprovalStore[] = [];

  const openStore = async () => {
    const store = new FileApprovalStore(file);
    stores.push(store);
    return { store, stored: await store.load() };
  };
  const journalLines = async (store: FileApprovalStore) => (await readFile(store.journalFile, 'utf8')).split('\n').filter(Boolean);
  const byId = (approvals: Approval[]) => Object.fromEntries(approvals.map((a) => [a.id, a]));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-approval-store-'));
    file = path.join(dir, 'approvals.json');
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('journals every change, one line each, and a new instance reads them all back', async () => {
    const { store } = await openStore();
    await store.insert(pending('a'));
    await store.insert(pending('b'));
    await store.insert(pending('gone'));
    assert.deepEqual(await store.transition({ ...pending('a'), status: 'approved', decidedBy: 'ana' }), { moved: true });
    await store.remove(['gone']);
    await store.saveRules([rule]);
    assert.equal((await journalLines(store)).length, 6);

    const { store: reopened, stored } = await openStore();
    assert.deepEqual(byId(stored.approvals), { a: { ...pending('a'), status: 'approved', decidedBy: 'ana' }, b: pending('b') });
    assert.deepEqual(stored.rules, [rule]);
    assert.equal((await journalLines(reopened)).length, 0, 'loading folds the journal into the snapshot');
    const snapshot = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(byId(snapshot.approvals), byId(stored.approvals));
    const result = await reopened.transition({ ...pending('a'), status: 'rejected' });
    assert.equal(result.moved, false, 'a decided approval stays decided after a restart');
  });

  it('lets only one of two concurrent transitions move a pending approval', async () => {
    const { store } = await openStore();
    await store.insert(pending('a'));
    const results = await Promise.all([store.transition({ ...pending('a'), status: 'approved' }), store.transition({ ...pending('a'), status: 'rejected' })]);
    assert.deepEqual(
      results.map((r) => r.moved),
      [true, false],
    );
    const { stored } = await openStore();
    assert.equal(stored.approvals[0].status, 'approved');
  });

  it('ignores a torn last line left by a crash mid-append', async () => {
    const { store } = await openStore();
    await store.insert(pending('a'));
    await store.insert(pending('b'));
    await store.close();
    await appendFile(store.journalFile, '{"seq":3,"put":{"id":"c","tit');

    const { store: reopened, stored } = await openStore();
    assert.deepEqual(stored.approvals.map((a) => a.id).sort(), ['a', 'b']);
    await reopened.insert(pending('c'));
    const { stored: again } = await openStore();
    assert.deepEqual(again.approvals.map((a) => a.id).sort(), ['a', 'b', 'c']);
  });

  it('refuses to load a journal corrupt in the middle, naming the line', async () => {
    const { store } = await openStore();
    await store.insert(pending('a'));
    await store.close();
    const good = await readFile(store.journalFile, 'utf8');
    await writeFile(store.journalFile, `${good}not json\n${good.replace('"seq":1', '"seq":2')}`);
    await assert.rejects(new FileApprovalStore(file).load(), /approvals journal .* unreadable at line 2/);
  });

  it('compacts a long journal in the background and keeps every change', async () => {
    const { store } = await openStore();
    const count = COMPACT_AFTER_LINES + 50;
    for (let i = 0; i < count; i++) await store.insert(pending(`a${i}`));
    for (let i = 0; i < count; i += 2) await store.transition({ ...pending(`a${i}`), status: 'approved' });
    await store.saveRules([rule]);
    await store.close();
    assert.ok((await journalLines(store)).length < COMPACT_AFTER_LINES, 'the journal was cut back');
    const snapshot = JSON.parse(await readFile(file, 'utf8'));
    assert.ok(snapshot.approvals.length >= COMPACT_AFTER_LINES, 'the snapshot took over what the journal held');

    const { stored } = await openStore();
    assert.equal(stored.approvals.length, count);
    const approvals = byId(stored.approvals);
    for (let i = 0; i < count; i++) assert.equal(approvals[`a${i}`].status, i % 2 === 0 ? 'approved' : 'pending', `a${i}`);
    assert.deepEqual(stored.rules, [rule]);
  });

  it('makes every one of many concurrent appends durable', async () => {
    const { store } = await openStore();
    const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    await Promise.all(ids.map((id) => store.insert(pending(id))));
    const lines = (await journalLines(store)).map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.put.id).sort(), [...ids].sort(), 'acknowledged means in the journal file already');
    assert.deepEqual(
      lines.map((l) => l.seq),
      ids.map((_, i) => i + 1),
    );
    await Promise.all(ids.map((id) => store.transition({ ...pending(id), status: 'rejected' })));

    const { stored } = await openStore();
    assert.equal(stored.approvals.length, ids.length);
    assert.ok(stored.approvals.every((a) => a.status === 'rejected'));
  });

  it('replays both journal files after a crash mid-compaction, skipping what the snapshot holds', async () => {
    const line = (seq: number, change: object) => `${JSON.stringify({ seq, ...change })}\n`;
    await writeFile(file, JSON.stringify({ schemaVersion: 1, approvals: [pending('a'), pending('b')], rules: [], seq: 2 }));
    await writeFile(path.join(dir, 'approvals.journal.jsonl'), line(1, { put: pending('a') }) + line(2, { put: pending('b') }) + line(3, { remove: ['b'] }));
    await writeFile(path.join(dir, 'approvals.journal.jsonl.next'), line(4, { put: { ...pending('a'), status: 'approved' } }) + line(5, { rules: [rule] }));
    const { store, stored } = await openStore();
    assert.deepEqual(stored, { approvals: [{ ...pending('a'), status: 'approved' }], rules: [rule] });
    await store.insert(pending('c'));
    const { stored: again } = await openStore();
    assert.deepEqual(again.approvals.map((a) => a.id).sort(), ['a', 'c']);
  });

    it('reads a snapshot written before the journal existed', async () => {
    await writeFile(file, JSON.stringify({ schemaVersion: 1, approvals: [pending('old')], rules: [rule] }));
    const { store, stored } = await openStore();
    assert.deepEqual(stored, { approvals: [pending('old')], rules: [rule] });
    await store.transition({ ...pending('old'), status: 'approved' });
    const { stored: again } = await openStore();
    assert.equal(again.approvals[0].status, 'approved');
  });
});
