import { randomUUID } from 'node:crypto';
import type { AgentSession, SessionEvent } from '../../../shared/sessions';
import { parseJson } from '../jsonText';
import type { Logger } from '../log';
import { closeGracefully, THROUGH_SHORT_OUTAGES, type RedisClient, type RedisConnections } from '../redis/connections';
import type { SessionKeys } from '../redis/keys';
import { emptySessions, MAX_EVENTS, MAX_SESSIONS, sessionChangeSchema, storedEventSchema, storedSessionSchema, StoreProblem, type SessionChange, type SessionStore, type StoredSessions } from './sessionStore';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Sessions in Redis, shared by every relay of a workspace: one key per session and one list of its
 * last events, both expiring after the retention, an index sorted by last activity, and a channel
 * that tells the other relays (and so their dashboards) what changed. What a relay records is
 * written in the background; a Redis that cannot take it is reported in `problem`.
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis' as const;
  private readonly origin = randomUUID();
  private readonly client: RedisClient;
  private subscriber: RedisClient | undefined;
  private closing = false;
  private retentionMs = 7 * DAY_MS;
  private readonly writes = new Set<Promise<unknown>>();
  readonly failure = new StoreProblem();

  constructor(
    private readonly connections: RedisConnections,
    private readonly keys: SessionKeys,
    private readonly logger: Logger,
  ) {
    this.client = connections.open(THROUGH_SHORT_OUTAGES);
    this.client.on('error', (error) => this.logger.debug(`agent sessions Redis: ${error.message}`));
    this.client.on('close', () => this.closing || this.fail('Redis is unreachable'));
    this.client.on('ready', () => this.failure.set(undefined));
  }

  configure(retentionDays: number): void {
    this.retentionMs = retentionDays * DAY_MS;
  }

  /** The most recently active sessions the index names (none, reported, when Redis does not answer). */
  async load(): Promise<StoredSessions> {
    try {
      if (this.client.status === 'wait') await this.client.connect();
      return await this.read();
    } catch (error) {
      this.fail(`cannot read the sessions (${(error as Error).message})`);
      return emptySessions();
    }
  }

  /** Names in the index whose session has expired are dropped from it. */
  private async read(): Promise<StoredSessions> {
    const ids = await this.client.zrevrange(this.keys.index, 0, MAX_SESSIONS - 1);
    const stored = emptySessions();
    if (ids.length === 0) return stored;
    const batch = this.client.pipeline().mget(...ids.map((id) => this.keys.session(id)));
    for (const id of ids) batch.lrange(this.keys.events(id), 0, -1);
    const [[, texts], ...eventLists] = (await batch.exec()) as Array<[Error | null, unknown]>;
    const expired: string[] = [];
    (texts as Array<string | null>).forEach((text, i) => {
      const session = text === null ? undefined : storedSessionSchema.safeParse(parseJson(text));
      if (!session?.success || session.data.id !== ids[i]) return expired.push(ids[i]);
      stored.sessions.set(ids[i], session.data as unknown as AgentSession);
      const events = ((eventLists[i][1] as string[] | undefined) ?? []).flatMap((line) => {
        const event = storedEventSchema.safeParse(parseJson(line));
        return event.success ? [event.data as unknown as SessionEvent] : [];
      });
      stored.events.set(ids[i], events);
    });
    if (expired.length > 0) await this.client.zrem(this.keys.index, ...expired);
    return stored;
  }

  record(change: SessionChange): void {
    const message = JSON.stringify({ origin: this.origin, change });
    const write =
      change.kind === 'upsert'
        ? this.client.agentMeshSessionUpsert(
            this.keys.session(change.session.id),
            this.keys.events(change.session.id),
            this.keys.index,
            this.keys.channel,
            change.session.id,
            JSON.stringify(change.session),
            change.session.lastEventAt,
            this.retentionMs,
            MAX_EVENTS,
            change.event ? JSON.stringify(change.event) : '',
            message,
          )
        : this.client
            .multi()
            .del(...change.ids.flatMap((id) => [this.keys.session(id), this.keys.events(id)]))
            .zrem(this.keys.index, ...change.ids)
            .publish(this.keys.channel, message)
            .exec();
    const tracked = write.then(
      () => this.failure.set(undefined),
      (error: Error) => this.fail(error.message),
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }

  async watch(listener: (change: SessionChange) => void): Promise<void> {
    const subscriber = this.connections.open(THROUGH_SHORT_OUTAGES);
    this.subscriber = subscriber;
    subscriber.on('error', (error) => this.logger.debug(`agent sessions Redis subscriber: ${error.message}`));
    subscriber.on('message', (_channel: string, text: string) => {
      const message = parseJson(text) as { origin?: unknown; change?: unknown } | undefined;
      if (message?.origin === this.origin) return;
      const change = sessionChangeSchema.safeParse(message?.change);
      if (!change.success) return this.logger.warn('agent sessions Redis: ignored a change message that is not a valid session change');
      listener(change.data as unknown as SessionChange);
    });
    await subscriber.subscribe(this.keys.channel).catch((error: Error) => this.fail(`cannot hear other relays' sessions (${error.message})`));
  }

  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closing = true;
    this.subscriber?.disconnect();
    await closeGracefully(this.client);
  }

  private fail(why: string): void {
    const problem = `agent sessions store (redis) cannot write: ${why}; sessions are neither shared nor kept until it can`;
    if (this.failure.value !== problem) this.logger.warn(problem);
    this.failure.set(problem);
  }
}
