import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/extension/engine/state/atomicFile';
import { CorruptStateError } from '../../src/extension/engine/state/codec';
import { FileStore } from '../../src/extension/engine/state/fileStore';
import { emptyDocument } from '../../src/extension/engine/state/store';

describe('embedded file store', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'am-store-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('loads nothing when no file exists yet', async () => {
    assert.equal(await new FileStore(path.join(dir, 'state.json')).load(), undefined);
  });

  it('round-trips a document and leaves no temp files behind', async () => {
    const store = new FileStore(path.join(dir, 'nested', 'state.json'));
    const doc = { ...emptyDocument(), version: 3, state: { a: { b: [1, 'two'] } } };
    await store.save(doc);
    assert.deepEqual(await store.load(), doc);
    assert.deepEqual(await readdir(path.join(dir, 'nested')), ['state.json']);
  });

  it('removes the temp files of its own writes that a crash left behind, and only those, when it loads', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(path.join(dir, '.state.json.4242.a1b2c3d4e5f6.tmp'), '{"half":');
    await writeFile(path.join(dir, '.other.json.1.abc.tmp'), 'not ours');
    await new FileStore(file).load();
    assert.deepEqual(await readdir(dir), ['.other.json.1.abc.tmp']);
  });

  it('ends with one complete document when writes race', async () => {
    const file = path.join(dir, 'race.json');
    await Promise.all(Array.from({ length: 25 }, (_, i) => writeFileAtomic(file, JSON.stringify({ writer: i, pad: 'x'.repeat(10_000 * (i % 3)) }))));
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(typeof parsed.writer, 'number');
    assert.deepEqual(await readdir(dir), ['race.json']);
  });

  it('reports a corrupt file instead of returning an empty state', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(file, '{"version": 1, "state": ');
    await assert.rejects(new FileStore(file).load(), CorruptStateError);
  });
});
