import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import { CorruptStateError, toDocument } from '../../src/extension/engine/state/codec';
import { FileStore } from '../../src/extension/engine/state/fileStore';
import { migrate, MIGRATIONS, MigrationError, type Migration } from '../../src/extension/engine/state/migrations';
import { StateService } from '../../src/extension/engine/state/stateService';
import { CURRENT_SCHEMA_VERSION } from '../../src/extension/engine/state/store';

/** One stored document per schema version this build has ever written (or the seed wrote). */
const STORED: Record<number, object> = {
  0: { version: 7, state: { layout: { columns: 2 }, pinned: 'deploy at 5' }, lastModified: 1_700_000_000_000 },
  1: {
    schemaVersion: 1,
    version: 9,
    state: { layout: { columns: 3 } },
    paths: { 'layout.columns': { version: 4, timestamp: 1_700_000_000_500, deviceId: 'laptop' } },
    lastModified: 1_700_000_000_500,
  },
  2: {
    schemaVersion: 2,
    version: 11,
    state: { notes: { text: 'hi' } },
    paths: { 'notes.text': { version: 2, timestamp: 1_700_000_001_000, deviceId: 'phone' } },
    lastModified: 1_700_000_001_000,
    resetAt: 1_699_000_000_000,
  },
};

describe('state schema migrations', () => {
  it('has one step per version, from 0 up to the current version', () => {
    assert.deepEqual(
      MIGRATIONS.map((m) => [m.from, m.to]),
      Array.from({ length: CURRENT_SCHEMA_VERSION }, (_, v) => [v, v + 1]),
    );
    assert.deepEqual(Object.keys(STORED).map(Number), Array.from({ length: CURRENT_SCHEMA_VERSION + 1 }, (_, v) => v), 'a fixture for every version');
  });

  it('upgrades a v0 (seed) document: stamps every top-level key at version 0 so the next write wins', async () => {
    const { doc, from } = await migrate(structuredClone(STORED[0]));
    assert.equal(from, 0);
    assert.deepEqual(toDocument(doc, 'test'), {
      schemaVersion: CURRENT_SCHEMA_VERSION,
      version: 7,
      state: { layout: { columns: 2 }, pinned: 'deploy at 5' },
      paths: {
        layout: { version: 0, timestamp: 1_700_000_000_000, deviceId: 'migrated' },
        pinned: { version: 0, timestamp: 1_700_000_000_000, deviceId: 'migrated' },
      },
      lastModified: 1_700_000_000_000,
      resetAt: 0,
    });
  });

  it('upgrades a v1 document, keeping its stamps', async () => {
    const { doc, from } = await migrate(structuredClone(STORED[1]));
    assert.equal(from, 1);
    assert.deepEqual(toDocument(doc, 'test'), { ...STORED[1], schemaVersion: CURRENT_SCHEMA_VERSION, resetAt: 0 });
  });

  it('leaves a current document as it is', async () => {
    const { doc, from } = await migrate(structuredClone(STORED[2]));
    assert.equal(from, 2);
    assert.deepEqual(doc, STORED[2]);
  });

  it('refuses a document from a newer version and one without a valid schemaVersion', async () => {
    await assert.rejects(migrate({ ...STORED[2], schemaVersion: CURRENT_SCHEMA_VERSION + 1 }), /newer than this Agent Mesh understands/);
    await assert.rejects(migrate({ ...STORED[2], schemaVersion: 'two' }), MigrationError);
    await assert.rejects(migrate({ version: 1, state: 'not an object', lastModified: 0 }), /v0 to v1 failed: the v0 document has no state object/);
  });
});

describe('migrating the state file', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-migrate-'));
    file = path.join(dir, 'dashboard-state.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  for (const from of [0, 1]) {
    it(`migrates a v${from} file in place after writing a backup of the original`, async () => {
      const original = JSON.stringify(STORED[from]);
      await writeFile(file, original);
      const doc = await new FileStore(file).load();
      assert.equal(doc?.schemaVersion, CURRENT_SCHEMA_VERSION);
      assert.equal(await readFile(`${file}.v${from}.bak`, 'utf8'), original, 'the backup holds the original');
      const rewritten = JSON.parse(await readFile(file, 'utf8'));
      assert.equal(rewritten.schemaVersion, CURRENT_SCHEMA_VERSION, 'the file itself was upgraded');
      assert.deepEqual(await new FileStore(file).load(), doc, 'a second load reads the upgraded file as is');
    });
  }

  it('does not migrate or back up a current file', async () => {
    await writeFile(file, JSON.stringify(STORED[2]));
    assert.deepEqual(await new FileStore(file).load(), STORED[2]);
    assert.deepEqual(await readdir(dir), ['dashboard-state.json']);
  });

  it('restores the original from the backup when a step throws, keeps it, and reports instead of crashing', async () => {
    const original = JSON.stringify(STORED[0]);
    await writeFile(file, original);
    const failing: Migration[] = [
      MIGRATIONS[0],
      {
        from: 1,
        to: 2,
        up: () => {
          throw new Error('disk says no');
        },
      },
    ];
    let intermediate: string | undefined;
    const store = new FileStore(file, {
      migrations: [{ ...failing[0], up: (doc) => failing[0].up(doc) }, { ...failing[1], up: (doc) => ((intermediate = JSON.stringify(doc)), failing[1].up(doc)) }],
    });
    await assert.rejects(store.load(), (error: Error) => error instanceof CorruptStateError && /v1 to v2 failed: disk says no/.test(error.message) && /restored from/.test(error.message));
    assert.equal(JSON.parse(intermediate!).schemaVersion, 1, 'the first step had run and was persisted before the failure');
    const files = await readdir(dir);
    const kept = files.find((f) => f.startsWith('dashboard-state.json.unreadable-'));
    assert.ok(kept, `the restored original is kept aside, saw ${files.join(', ')}`);
    assert.equal(await readFile(path.join(dir, kept), 'utf8'), original, 'the original content is intact');
    assert.equal(await readFile(`${file}.v0.bak`, 'utf8'), original);

    // The service survives it: empty, but degraded with the reason, never silently.
    await writeFile(file, original);
    const service = new StateService(new FileStore(file, { migrations: failing }), silentLogger);
    await service.load();
    const status = service.status();
    assert.equal(status.status, 'degraded');
    assert.match(status.detail ?? '', /disk says no.*starting with an empty dashboard/);
  });
});
