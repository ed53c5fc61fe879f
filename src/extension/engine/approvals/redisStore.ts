import { randomUUID } from 'node:crypto';
import { approvalRecordSchema, approvalRuleSchema, type Approval, type ApprovalRule } from '../../../shared/approvals';
import type { Logger } from '../log';
import { closeGracefully, THROUGH_SHORT_OUTAGES, type RedisClient, type RedisConnections } from '../redis/connections';
import type { ApprovalKeys } from '../redis/keys';
import type { ApprovalStore, FileApprovalStore, RemoteChange, StoredApprovals } from './store';

/** How often the relay checks that Redis still holds what it wrote. */
const EPOCH_CHECK_MS = 2_000;

interface Message {
  origin: string;
  change: RemoteChange;
}

/**
 * Approvals in Redis, shared by every relay of a workspace: a hash of approvals, a hash of
 * workspace rules, a pub/sub channel that tells the other relays what changed, and an epoch key.
 *
 * Redis may run without persistence, so what the relay acknowledges is also kept in a local
 * mirror (a file store in the data folder). The epoch key is written once; when it is gone (Redis
 * restarted empty or was flushed) or has changed (another relay saw the loss first), the relay
 * puts back every approval it knows from memory and the mirror, reports itself degraded until that
 * is done, and announces the restored records so agents waiting on any relay get their answer.
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly kind = 'redis' as const;
  /** Tells this relay's own messages apart from the others'. */
  private readonly origin = randomUUID();
  private readonly client: RedisClient;
  private subscriber: RedisClient | undefined;
  /** The epoch this relay last saw; undefined before the first load. */
  private epoch: string | undefined;
  private checkTimer: ReturnType<typeof setInterval> | undefined;
  private recovering: Promise<void> | undefined;
  private currentProblem: string | undefined;
  private readonly problemListeners = new Set<() => void>();
  private remoteListener: ((change: RemoteChange) => void) | undefined;
  /** Every approval this relay knows, as the mirror holds it (the mirror's own copy is on disk). */
  private known: Map<string, Approval> = new Map();
  private knownRules: ApprovalRule[] = [];
  private readonly stopWatchingFailovers: () => void;

  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: ApprovalKeys,
    private readonly logger: Logger,
    private readonly mirror: FileApprovalStore,
  ) {
    this.client = connections.open(THROUGH_SHORT_OUTAGES);
    this.client.on('error', (error) => this.logger.warn(`approvals Redis: ${error.message}`));
    this.client.on('close', () => this.setProblem('approvals store (redis) unreachable: approvals answer 503 until it is back'));
    this.client.on('ready', () => void this.checkEpoch());
    // The new primary may lack the last approvals the old one took: put back what this relay knows.
    this.stopWatchingFailovers = connections.onFailover(() => void this.recover('a Redis failover').catch((error: Error) => this.logger.warn(`approvals Redis: could not put back the approvals after a failover: ${error.message}`)));
  }

  async load(): Promise<StoredApprovals> {
    const mirrored = await this.mirror.load();
    this.known = new Map(mirrored.approvals.map((a) => [a.id, a]));
    this.knownRules = mirrored.rules;
    if (this.client.status === 'wait') await this.client.connect();
    // A missing epoch is a first start or a Redis that lost its data: either way, put back what this relay holds.
    if ((await this.client.get(this.keys.epoch)) === null) await this.restore();
    this.epoch = (await this.client.get(this.keys.epoch)) ?? undefined;
    const [approvals, rules] = await Promise.all([this.client.hvals(this.keys.approvals), this.client.hvals(this.keys.rules)]);
    const loaded = { approvals: this.parseAll(approvals, approvalRecordSchema, 'approval'), rules: this.parseAll(rules, approvalRuleSchema, 'rule') };
    // Redis is the truth while it holds its epoch: the mirror follows it, dropping what others pruned.
    const held = new Set(loaded.approvals.map((a) => a.id));
    const gone = [...this.known.keys()].filter((id) => !held.has(id));
    if (gone.length > 0) this.mirrorRemote({ kind: 'removed', ids: gone });
    for (const approval of loaded.approvals) {
      const mirroredCopy = this.known.get(approval.id);
      if (!mirroredCopy || JSON.stringify(mirroredCopy) !== JSON.stringify(approval)) this.mirrorRemote({ kind: 'approval', approval });
    }
    this.knownRules = loaded.rules;
    this.checkTimer ??= setInterval(() => void this.checkEpoch(), EPOCH_CHECK_MS);
    this.checkTimer.unref?.();
    this.setProblem(undefined);
    return loaded;
  }

  async fetch(id: string): Promise<Approval | undefined> {
    const raw = await this.client.hget(this.keys.approvals, id);
    return raw ? this.parse(raw, approvalRecordSchema, 'approval') : undefined;
  }

  /** Mirrored first, so an approval Redis acknowledges is always one this relay can put back. */
  async insert(approval: Approval): Promise<void> {
    await this.mirror.insert(approval);
    try {
      await this.client.agentMeshApprovalInsert(this.keys.approvals, this.keys.channel, approval.id, JSON.stringify(approval), this.message({ kind: 'approval', approval }));
    } catch (error) {
      await this.mirrorBack(approval.id, undefined);
      throw error;
    }
    this.known.set(approval.id, approval);
  }

  /**
   * Mirrored first as well, so a decision Redis broadcasts is always on disk here; when Redis does
   * not take it (another relay decided first, or Redis failed) the mirror gets back what Redis holds.
   */
  async transition(next: Approval): Promise<{ moved: true } | { moved: false; current: Approval | undefined }> {
    const previous = this.known.get(next.id);
    await this.mirror.insert(next);
    let moved: number;
    let current: string;
    try {
      [moved, current] = await this.compareAndSet(next);
      if (moved === -1) {
        // Redis lost its data before the periodic check noticed: put it back, then decide.
        await this.recover();
        [moved, current] = await this.compareAndSet(next);
      }
    } catch (error) {
      await this.mirrorBack(next.id, previous);
      throw error;
    }
    if (moved === 1) {
      this.known.set(next.id, next);
      return { moved: true };
    }
    const held = current ? this.parse(current, approvalRecordSchema, 'approval') : undefined;
    await this.mirrorBack(next.id, held ?? previous);
    return { moved: false, current: held };
  }

  /** Puts the mirror's record for `id` back to `record` (or removes it) after a change Redis did not take. */
  private async mirrorBack(id: string, record: Approval | undefined): Promise<void> {
    await (record ? this.mirror.insert(record) : this.mirror.remove([id])).catch((error: Error) =>
      this.logger.warn(`approvals mirror could not be put back for ${id}: ${error.message}`),
    );
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.multi().hdel(this.keys.approvals, ...ids).publish(this.keys.channel, this.message({ kind: 'removed', ids })).exec();
    for (const id of ids) this.known.delete(id);
    await this.mirror.remove(ids);
  }

  async saveRules(rules: ApprovalRule[]): Promise<void> {
    await this.mirror.saveRules(rules);
    this.knownRules = rules;
    const batch = this.client.multi().del(this.keys.rules);
    for (const rule of rules) batch.hset(this.keys.rules, rule.tool, JSON.stringify(rule));
    await batch.publish(this.keys.channel, this.message({ kind: 'rules', rules })).exec();
  }

  async watch(listener: (change: RemoteChange) => void): Promise<void> {
    this.remoteListener = listener;
    const subscriber = this.connections.open(THROUGH_SHORT_OUTAGES);
    this.subscriber = subscriber;
    subscriber.on('error', (error) => this.logger.warn(`approvals Redis subscriber: ${error.message}`));
    subscriber.on('message', (_channel: string, text: string) => {
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        this.logger.warn('approvals Redis: ignored a message that is not JSON');
        return;
      }
      if (message.origin === this.origin) return;
      const change = this.checkedChange(message.change);
      if (!change) return;
      this.mirrorRemote(change);
      listener(change);
    });
    await subscriber.subscribe(this.keys.channel);
  }

  /** Redis answers and still holds this relay's epoch, and the mirror takes writes. */
  async probe(): Promise<void> {
    if ((await this.client.get(this.keys.epoch)) !== this.epoch) await this.recover();
    await this.mirror.probe();
  }

  problem(): string | undefined {
    return this.currentProblem ?? this.mirror.problem();
  }

  onProblem(listener: () => void): void {
    this.problemListeners.add(listener);
    this.mirror.onProblem(listener);
  }

  async close(): Promise<void> {
    this.stopWatchingFailovers();
    clearInterval(this.checkTimer);
    await this.recovering?.catch(() => undefined);
    this.subscriber?.disconnect();
    await closeGracefully(this.client);
    await this.mirror.close();
  }

  // ---- data loss ---------------------------------------------------------------------------

  private async checkEpoch(): Promise<void> {
    if (this.epoch === undefined || this.client.status !== 'ready') return;
    try {
      if ((await this.client.get(this.keys.epoch)) !== this.epoch) await this.recover();
      else this.setProblem(undefined);
    } catch (error) {
      this.setProblem(`approvals store (redis) unreachable: ${(error as Error).message}; approvals answer 503 until it is back`);
    }
  }

  /** One restore at a time; the relay is degraded until it has run. */
  private recover(cause = 'Redis lost the approvals it held (restarted without persistence or flushed)'): Promise<void> {
    this.recovering ??= (async () => {
      this.setProblem(`approvals store (redis): after ${cause}, putting back what this relay knows`);
      const restored = await this.restore();
      this.epoch = (await this.client.get(this.keys.epoch)) ?? undefined;
      this.logger.warn(`approvals Redis: after ${cause}, put back ${restored} approval(s) this relay knew`);
      this.setProblem(undefined);
    })().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  /** Puts every approval this relay knows back where missing, sets a new epoch if none is set, and announces each. */
  private async restore(): Promise<number> {
    const records = [...this.known.values()];
    const args = records.flatMap((a) => [a.id, JSON.stringify(a)]);
    const restored = await this.client.agentMeshApprovalRestore(this.keys.approvals, this.keys.channel, this.keys.epoch, ...args, randomUUID());
    if (this.knownRules.length > 0 && (await this.client.hlen(this.keys.rules)) === 0) {
      const batch = this.client.multi();
      for (const rule of this.knownRules) batch.hsetnx(this.keys.rules, rule.tool, JSON.stringify(rule));
      await batch.exec();
    }
    // The record each relay ends up with is whatever Redis now holds (another relay may have put back a newer one).
    for (const approval of records) {
      const held = await this.fetch(approval.id);
      if (held) {
        await this.client.publish(this.keys.channel, this.message({ kind: 'approval', approval: held }));
        this.remoteListener?.({ kind: 'approval', approval: held });
      }
    }
    return restored;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async compareAndSet(next: Approval): Promise<[number, string]> {
    return this.client.agentMeshApprovalTransition(
      this.keys.approvals,
      this.keys.channel,
      this.keys.epoch,
      next.id,
      JSON.stringify(next),
      this.message({ kind: 'approval', approval: next }),
    );
  }

  /** Keeps the mirror in step with other relays' changes; a failure is reported, the change still applies. */
  private mirrorRemote(change: RemoteChange): void {
    const write =
      change.kind === 'approval'
        ? (this.known.set(change.approval.id, change.approval), this.mirror.insert(change.approval))
        : change.kind === 'removed'
          ? (change.ids.forEach((id) => this.known.delete(id)), this.mirror.remove(change.ids))
          : ((this.knownRules = change.rules), this.mirror.saveRules(change.rules));
    write.catch((error: Error) => this.logger.warn(`approvals mirror could not record another relay's change: ${error.message}`));
  }

  private checkedChange(change: RemoteChange): RemoteChange | undefined {
    const valid =
      change?.kind === 'approval'
        ? approvalRecordSchema.safeParse(change.approval).success
        : change?.kind === 'rules'
          ? Array.isArray(change.rules) && change.rules.every((r) => approvalRuleSchema.safeParse(r).success)
          : change?.kind === 'removed' && Array.isArray(change.ids) && change.ids.every((id) => typeof id === 'string');
    if (!valid) this.logger.warn('approvals Redis: ignored a change message that is not a valid record');
    return valid ? change : undefined;
  }

  private parse<T>(raw: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, what: string): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.logger.warn(`approvals Redis: ignored a stored ${what} that is not valid`);
    return undefined;
  }

  private parseAll<T>(raws: string[], schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, what: string): T[] {
    return raws.flatMap((raw) => this.parse(raw, schema, what) ?? []);
  }

  private setProblem(problem: string | undefined): void {
    if (this.currentProblem === problem) return;
    this.currentProblem = problem;
    for (const listener of this.problemListeners) listener();
  }

  private message(change: RemoteChange): string {
    const message: Message = { origin: this.origin, change };
    return JSON.stringify(message);
  }
}
