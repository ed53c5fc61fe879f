import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import LZString from 'lz-string';
import { COMPRESSION_THRESHOLD_BYTES, CorruptStateError, decodeDocument, decodeText, encodeDocument } from '../../src/extension/engine/state/codec';
import { DocumentText } from '../../src/extension/engine/state/documentText';
import { FileStore } from '../../src/extension/engine/state/fileStore';
import { Recoveries } from '../../src/extension/engine/state/recoveries';
import { StateService } from '../../src/extension/engine/state/stateService';
import { emptyDocument, type StateDocument } from '../../src/extension/engine/state/store';
import { assertRecovered } from '../helpers/recoveries';

/** A dashboard document of roughly `kb` KB: widgets with logs, like a busy session. */
function bigDocument(kb: number): StateDocument {
  const doc = emptyDocument(1_700_000_000_000);
  const widgets: Record<string, unknown> = {};
  for (let i = 0; JSON.stringify(widgets).length < kb * 1024; i++) {
    widgets[`w${i}`] = { title: `Build ${i}`, status: i % 3 ? 'passing' : 'failing', log: Array.from({ length: 8 }, (_, j) => `step ${j} of build ${i} finished in ${(i * 7 + j) % 100} ms`) };
  }
  doc.state = { widgets: widgets as StateDocument['state'] };
  doc.paths = { widgets: { version: 1, timestamp: 1, deviceId: 'bench' } };
  doc.version = 1;
  return doc;
}

describe('state compression', () => {
  it('stores small documents as plain JSON', () => {
    const doc = emptyDocument(1);
    assert.equal(encodeDocument(doc), JSON.stringify(doc));
  });

  it(`compresses documents above ${COMPRESSION_THRESHOLD_BYTES / 1024} KB with brotli (base64 text), flagged, and reads them back`, async () => {
    const doc = bigDocument(120);
    const text = encodeDocument(doc);
    const envelope = JSON.parse(text);
    assert.equal(envelope.compressed, 'brotli/base64');
    assert.ok(text.length < JSON.stringify(doc).length / 5, 'it is much smaller');
    assert.deepEqual(await decodeDocument(text, 'test'), doc);
  });

  for (const [flag, compress] of [
    ['lz-string/utf16', LZString.compressToUTF16],
    ['lz-string/base64', LZString.compressToBase64],
  ] as const) {
    it(`still reads a document an earlier version wrote as ${flag}`, async () => {
      const doc = bigDocument(60);
      const json = JSON.stringify(doc);
      assert.deepEqual(await decodeDocument(JSON.stringify({ compressed: flag, length: json.length, data: compress(json) }), 'test'), doc);
    });
  }

  it('reports damaged compressed data instead of returning something', () => {
    const text = encodeDocument(bigDocument(60));
    const envelope = JSON.parse(text);
    const truncated = JSON.stringify({ ...envelope, data: envelope.data.slice(0, envelope.data.length / 2) });
    assert.throws(() => decodeText(truncated, 'test'), CorruptStateError);
    assert.throws(() => decodeText(JSON.stringify({ compressed: 'gzip', length: 1, data: '' }), 'test'), /bad compression envelope/);
    assert.throws(() => decodeText('{"state": ', 'test'), /not JSON/);
  });
});

describe('file store recovery', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-compress-'));
    file = path.join(dir, 'dashboard-state.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a large document compressed and keeps the previous version as a backup', async () => {
    const store = new FileStore(file);
    const first = bigDocument(80);
    await store.save(first);
    const second = { ...first, version: 2 };
    await store.save(second);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).compressed, 'deflate-parts/base64');
    assert.deepEqual(await store.load(), second);
    assert.equal((await decodeDocument(await readFile(store.backupFile, 'utf8'), 'backup')).version, 1);
  });

  it('writes each large value as a part of its own, so a save after a write differs only in the part written, and reads the whole back', async () => {
    const store = new FileStore(file);
    const text = new DocumentText();
    const doc = emptyDocument(1);
    const table = (n: number) => Array.from({ length: 3000 }, (_, i) => ({ row: i, label: `table ${n} row ${i}` }));
    doc.state = { tables: { a: table(1), b: table(2), c: table(3) }, title: 'small' };
    await store.save(text.documentParts(doc));
    const before = (JSON.parse(await readFile(file, 'utf8')) as { parts: string[] }).parts;
    (doc.state.tables as Record<string, unknown>).b = table(4);
    text.changed(doc.state, 'tables.b');
    await store.save(text.documentParts(doc));
    const after = (JSON.parse(await readFile(file, 'utf8')) as { parts: string[] }).parts;
    assert.ok(after.length >= 4, `the three tables are parts of their own, saw ${after.length} parts`);
    assert.equal(after.filter((part) => before.includes(part)).length, after.length - 1, 'only the changed table differs');
    assert.deepEqual(await store.load(), doc);
  });

  it('still reads a file an earlier version wrote lz-string compressed', async () => {
    const doc = bigDocument(80);
    const json = JSON.stringify(doc);
    await writeFile(file, JSON.stringify({ compressed: 'lz-string/base64', length: json.length, data: LZString.compressToBase64(json) }));
    assert.deepEqual(await new FileStore(file).load(), doc);
  });

  it('finds a damaged deflated file unreadable and falls back to the backup', async () => {
    const store = new FileStore(file);
    await store.save(bigDocument(60));
    await store.save({ ...bigDocument(60), version: 7 });
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { parts: string[] };
    await writeFile(file, JSON.stringify({ ...envelope, parts: envelope.parts.map((part) => part.slice(0, part.length / 2)) }));
    assert.equal((await store.load())?.version, 1);
  });

  it('uses the backup when the file is damaged, reports it, and keeps the damaged file aside', async () => {
    const problems: string[] = [];
    const recoveries = new Recoveries();
    const store = new FileStore(file, { recoveries });
    store.connect({ problem: (m) => problems.push(m) });
    await store.save(bigDocument(60));
    await store.save({ ...bigDocument(60), version: 5 });
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length - 200) + '"}');
    const loaded = await store.load();
    assert.equal(loaded?.version, 1, 'the previous version from the backup');
    assert.equal(problems.length, 1);
    assert.match(problems[0], /unreadable.*recovered the previous version/);
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.startsWith('dashboard-state.json.unreadable-')), `the damaged file is kept aside, saw ${files.join(', ')}`);
    assertRecovered(recoveries, [['dashboard-state.json', 'started from the backup']]);
    await store.save({ ...loaded!, version: 6 });
    assert.equal((await decodeDocument(await readFile(store.backupFile, 'utf8'), 'backup')).version, 1, 'the good backup was not replaced by the damaged file');
  });

  it('never hands out a silently empty dashboard: with nothing readable the service is degraded and says why', async () => {
    await writeFile(file, '{"compressed":"lz-string/base64","length":99,"data":"@@@"}');
    await writeFile(`${file}.bak`, 'garbage');
    const recoveries = new Recoveries();
    const service = new StateService(new FileStore(file, { recoveries }), silentLogger);
    await service.load();
    const status = service.status();
    assert.equal(status.status, 'degraded');
    assert.match(status.detail ?? '', /unreadable.*kept as .*unreadable-/);
    assert.ok((await readdir(dir)).some((f) => f.includes('.unreadable-')), 'the damaged file is kept');
    assertRecovered(recoveries, [['dashboard-state.json', 'started with an empty dashboard']]);
  });
});
