import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { redactSecrets } from '../../../shared/redact';
import type { JsonObject } from '../../../shared/protocol';

export type AuditEvent = 'requested' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'rule-added' | 'rule-revoked';

/**
 * The approvals audit trail: one JSON line per request and per decision, appended in order, with
 * secret-looking keys and values redacted before anything reaches the disk.
 */
export class AuditLog {
  private last: Promise<void> = Promise.resolve();

  /** `secrets` are redacted wherever they appear in a line (the relay token). */
  constructor(
    readonly file: string,
    private readonly secrets: readonly string[] = [],
  ) {}

  append(event: AuditEvent, fields: JsonObject): Promise<void> {
    const line = JSON.stringify(redactSecrets({ at: new Date().toISOString(), event, ...fields }, this.secrets)) + '\n';
    const write = this.last.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      await appendFile(this.file, line, { mode: 0o600 });
    });
    this.last = write.catch(() => undefined);
    return write;
  }

  /** Resolves when a line could be appended now (the file opens for appending); writes nothing. */
  async probe(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, '', { mode: 0o600 });
  }

  /** Resolves once every line appended so far is written. */
  flush(): Promise<void> {
    return this.last;
  }
}
