import { strict as assert } from 'node:assert';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMPACT_AFTER_LINES, FileApprovalStore } from '../../src/extension/engine/approvals/store';
import type { Logger } from '../../src/extension/engine/log';
import { Recoveries } from '../../src/extension/engine/state/recoveries';
import type { Approval, ApprovalRule } from '../../src/shared/approvals';
import { assertRecovered } from '../helpers/recoveries';

const NOW = Date.UTC(2025, 0, 1, 12);

function pending(id: string): Approval {
  return { id, title: `Deploy ${id}`, confidence: 50, risk: 'medium', level: 'full', priority: 'normal', status: 'pending', destructive: false, target: id, createdAt: NOW, dueAt: NOW + 1000 };
}

const rule: ApprovalRule = { tool: 'deploy', scope: 'workspace', createdAt: NOW, createdBy: 'ana' };

describe('file approval store (snapshot + journal)', () => {
  let dir: string;
  let file: string;
  const stores: FileApprovalStore[] = [];

  const openStore = async (recoveries?: Recoveries) => {
    const store = new FileApprovalStore(file, undefined, recoveries);
    stores.push(store);
    return { store, stored: await store.load() };
  };
  const journalLines = async (store: FileApprovalStore) => (await readFile(store.journalFile, 'utf8')).split('\n').filter(Boolean);
  const byId = (approvals: Approval[]) => Object.fromEntries(approvals.map((a) => [a.id, a]));
  const asideFiles = async () => (await readdir(dir)).filter((f) => f.includes('.unreadable-'));

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

  it('skips a journal line corrupt in the middle, naming the line, keeps the rest and a copy of the journal', async () => {
    const { store } = await openStore();
    await store.insert(pending('a'));
    await store.close();
    const good = await readFile(store.journalFile, 'utf8');
    const next = (id: string, seq: number) => good.replace('"seq":1', `"seq":${seq}`).replaceAll('"a"', `"${id}"`).replace('Deploy a', `Deploy ${id}`);
    await writeFile(store.journalFile, `${good}not json\n{"seq":3,"put":null}\n${next('b', 4)}`);
    const logged: string[] = [];
    const recoveries = new Recoveries();
    const reopened = new FileApprovalStore(file, recordingLogger(logged), recoveries);
    stores.push(reopened);
    const stored = await reopened.load();
    assert.deepEqual(stored.approvals.map((a) => a.id).sort(), ['a', 'b']);
    assert.ok(logged.some((m) => /approvals journal .* unreadable at line 2, 3; skipped those lines/.test(m)), logged.join('\n'));
    assert.equal((await asideFiles()).filter((f) => f.startsWith('approvals.journal.jsonl.unreadable-')).length, 1);
    assertRecovered(recoveries, [['approvals.journal.jsonl', 'skipped its unreadable lines']]);
  });

  for (const [name, content] of [
    ['garbage', 'this is not json {'],
    ['a list holding null', '[null]'],
    ['a record that is not an approval', JSON.stringify({ schemaVersion: 1, approvals: [null], rules: [] })],
  ] as const) {
    it(`sets aside an approvals file holding ${name}, reports it and starts from its backup`, async () => {
      const { store } = await openStore();
      await store.insert(pending('kept'));
      await store.close();
      await openStore(); // folds the journal into approvals.json; the previous snapshot becomes the backup
      const { store: third } = await openStore();
      await third.close();
      await writeFile(file, content);
      const logged: string[] = [];
      const recoveries = new Recoveries();
      const recovered = new FileApprovalStore(file, recordingLogger(logged), recoveries);
      stores.push(recovered);
      const stored = await recovered.load();
      assert.deepEqual(stored.approvals.map((a) => a.id), ['kept']);
      assert.ok(logged.some((m) => /approvals file .* is unreadable .* kept as .*unreadable-.*recovered the approvals from .*approvals\.json\.bak/.test(m)), logged.join('\n'));
      assert.deepEqual((await asideFiles()).filter((f) => f.startsWith('approvals.json.unreadable-')).length, 1);
      assert.equal(await readFile(path.join(dir, (await asideFiles()).find((f) => f.startsWith('approvals.json.unreadable-'))!), 'utf8'), content, 'the damaged file is kept as it was');
      assertRecovered(recoveries, [['approvals.json', 'started from the backup']]);
    });
  }

  it('starts empty when both the approvals file and its backup are damaged', async () => {
    await writeFile(file, '[null]');
    await writeFile(`${file}.bak`, '{');
    const recoveries = new Recoveries();
    const { stored } = await openStore(recoveries);
    assert.deepEqual(stored, { approvals: [], rules: [] });
    assert.equal((await asideFiles()).length, 2);
    assertRecovered(recoveries, [
      ['approvals.json', 'started from the journal alone'],
      ['approvals.json.bak', 'started from the journal alone'],
    ]);
  });

  it('removes the temp files an interrupted write left behind, and only its own', async () => {
    const stale = [`.approvals.json.4242.a1b2c3d4e5f6.tmp`, `.approvals.json.1.000000000000.tmp`];
    for (const name of stale) await writeFile(path.join(dir, name), '{"half":');
    await writeFile(path.join(dir, '.other.json.1.abc.tmp'), 'not ours');
    const { store } = await openStore();
    await store.insert(pending('a'));
    const left = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(left, ['.other.json.1.abc.tmp']);
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

/** A logger that keeps every message, to check what the store reported. */
function recordingLogger(into: string[]): Logger {
  const keep = (message: string | Error) => void into.push(String(message));
  return { trace: keep, debug: keep, info: keep, warn: keep, error: keep };
}
