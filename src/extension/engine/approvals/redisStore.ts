import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Approval, ApprovalRule } from '../../../shared/approvals';
import type { Logger } from '../log';
import type { ApprovalStore, RemoteChange, StoredApprovals } from './store';

// Writes and their notification go out in one script, so a relay that sees the message can
// always read the record, and compare-and-set decides which of two relays moves an approval.
const INSERT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1`;
const TRANSITION = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return {0, ''} end
if cjson.decode(current).status ~= 'pending' then return {0, current} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return {1, ''}`;

interface Message {
  origin: string;
  change: RemoteChange;
}

/**
 * Approvals in Redis, shared by every relay of a workspace: a hash of approvals, a hash of
 * workspace rules, and a pub/sub channel that tells the other relays what changed.
 */
export class RedisApprovalStore implements ApprovalStore {
  readonly kind = 'redis' as const;
  /** Tells this relay's own messages apart from the others'. */
  private readonly origin = randomUUID();
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly keys: { approvals: string; rules: string; channel: string };

  constructor(
    url: string,
    workspaceKey: string,
    private readonly logger: Logger,
  ) {
    this.client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.client.on('error', (error) => this.logger.warn(`approvals Redis: ${error.message}`));
    this.keys = {
      approvals: `agent-mesh:approvals:${workspaceKey}`,
      rules: `agent-mesh:approval-rules:${workspaceKey}`,
      channel: `agent-mesh:approvals:${workspaceKey}:changes`,
    };
  }

  async load(): Promise<StoredApprovals> {
    if (this.client.status === 'wait') await this.client.connect();
    const [approvals, rules] = await Promise.all([this.client.hvals(this.keys.approvals), this.client.hvals(this.keys.rules)]);
    return { approvals: approvals.map((a) => JSON.parse(a) as Approval), rules: rules.map((r) => JSON.parse(r) as ApprovalRule) };
  }

  async fetch(id: string): Promise<Approval | undefined> {
    const raw = await this.client.hget(this.keys.approvals, id);
    return raw ? (JSON.parse(raw) as Approval) : undefined;
  }

  async insert(approval: Approval): Promise<void> {
    await this.client.eval(INSERT, 2, this.keys.approvals, this.keys.channel, approval.id, JSON.stringify(approval), this.message({ kind: 'approval', approval }));
  }

  async transition(next: Approval): Promise<{ moved: true } | { moved: false; current: Approval | undefined }> {
    const [moved, current] = (await this.client.eval(
      TRANSITION,
      2,
      this.keys.approvals,
      this.keys.channel,
      next.id,
      JSON.stringify(next),
      this.message({ kind: 'approval', approval: next }),
    )) as [number, string];
    if (moved === 1) return { moved: true };
    return { moved: false, current: current ? (JSON.parse(current) as Approval) : undefined };
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.multi().hdel(this.keys.approvals, ...ids).publish(this.keys.channel, this.message({ kind: 'removed', ids })).exec();
  }

  async saveRules(rules: ApprovalRule[]): Promise<void> {
    const batch = this.client.multi().del(this.keys.rules);
    for (const rule of rules) batch.hset(this.keys.rules, rule.tool, JSON.stringify(rule));
    await batch.publish(this.keys.channel, this.message({ kind: 'rules', rules })).exec();
  }

  async watch(listener: (change: RemoteChange) => void): Promise<void> {
    const subscriber = this.client.duplicate();
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
      if (message.origin !== this.origin) listener(message.change);
    });
    await subscriber.subscribe(this.keys.channel);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private message(change: RemoteChange): string {
    const message: Message = { origin: this.origin, change };
    return JSON.stringify(message);
  }
}
