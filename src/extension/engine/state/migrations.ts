// The stored dashboard document's schema history. One function per version step; a document of
// any older version is upgraded by running the steps from its version to the current one in turn.
//
//   v0  the seed's DM-11.1 shape: { version, state, lastModified } (no schemaVersion)
//   v1  + schemaVersion and per-path stamps `paths` (conflict resolution per path)
//   v2  + resetAt, so relays sharing Redis can tell a wholesale replacement from path writes
import { CURRENT_SCHEMA_VERSION } from './store';

type Raw = Record<string, unknown>;

export interface Migration {
  from: number;
  to: number;
  /** Returns the document in the next version's shape; throws when it cannot. */
  up(doc: Raw): Raw;
}

export class MigrationError extends Error {
  constructor(
    readonly from: number,
    readonly failedStep: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    from: 0,
    to: 1,
    up(doc) {
      if (!isObject(doc.state)) throw new Error('the v0 document has no state object');
      const lastModified = typeof doc.lastModified === 'number' ? doc.lastModified : 0;
      // Stamps at version 0: the first write of a key by any client after the upgrade wins.
      const paths = Object.fromEntries(Object.keys(doc.state).map((key) => [key, { version: 0, timestamp: lastModified, deviceId: 'migrated' }]));
      return { schemaVersion: 1, version: typeof doc.version === 'number' ? doc.version : 0, state: doc.state, paths, lastModified };
    },
  },
  {
    from: 1,
    to: 2,
    up(doc) {
      return { ...doc, schemaVersion: 2, resetAt: 0 };
    },
  },
];

/** The schema version a stored value claims; the seed's documents carry none and are version 0. */
export function schemaVersionOf(raw: unknown): number {
  if (!isObject(raw)) return -1;
  return raw.schemaVersion === undefined ? 0 : typeof raw.schemaVersion === 'number' ? raw.schemaVersion : -1;
}

/**
 * Upgrades a stored value to the current schema. `afterStep` sees each intermediate document (the
 * file store persists them, so an interrupted migration resumes where it stopped).
 */
export async function migrate(
  raw: unknown,
  steps: readonly Migration[] = MIGRATIONS,
  afterStep?: (doc: Raw, version: number) => Promise<void>,
): Promise<{ doc: Raw; from: number }> {
  const from = schemaVersionOf(raw);
  if (from < 0 || !isObject(raw)) throw new MigrationError(from, undefined, 'the stored document has no valid schemaVersion');
  if (from > CURRENT_SCHEMA_VERSION) {
    throw new MigrationError(from, undefined, `the stored document has schema version ${from}, newer than this Agent Mesh understands (${CURRENT_SCHEMA_VERSION}); update the extension`);
  }
  let doc: Raw = raw;
  for (let version = from; version < CURRENT_SCHEMA_VERSION; version++) {
    const step = steps.find((s) => s.from === version);
    if (!step) throw new MigrationError(from, version, `no migration from schema version ${version}`);
    try {
      doc = step.up(structuredClone(doc));
    } catch (error) {
      throw new MigrationError(from, version, `migrating the dashboard state from v${version} to v${step.to} failed: ${(error as Error).message}`);
    }
    await afterStep?.(doc, step.to);
  }
  return { doc, from };
}
