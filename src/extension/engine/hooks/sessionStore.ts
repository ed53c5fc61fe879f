// Where agent sessions are kept: the data folder (snapshot + journal) or, when the relays of a
// workspace share Redis, Redis, so every relay shows the same sessions.
import * as z from 'zod';
import { HOOK_AGENTS } from '../../../shared/hooks';
import { SESSION_STATUSES, type AgentSession, type SessionEvent } from '../../../shared/sessions';
import { MAX_TOOL_FAILURES } from './transcript';

/** Events kept per session (the oldest go first). */
export const MAX_EVENTS = 200;
/** Sessions kept at most; the least recently active go first. */
export const MAX_SESSIONS = 1000;

const count = z.number().int().nonnegative();
export const storedSessionSchema = z.looseObject({
  id: z.string().max(1000),
  agent: z.enum(HOOK_AGENTS),
  sessionId: z.string(),
  cwd: z.string(),
  status: z.enum(SESSION_STATUSES),
  startedAt: z.number(),
  lastEventAt: z.number(),
  counts: z.object({ toolCalls: count, approvals: count, denials: count, events: count }),
  tokens: z.object({ input: count, output: count, cacheRead: count, cacheWrite: count }),
  context: z.object({ tokens: count, window: count.optional() }).optional(),
  toolFailures: z.array(z.object({ tool: z.string().max(300), at: z.number() })).max(MAX_TOOL_FAILURES).optional(),
});
export const storedEventSchema = z.looseObject({ at: z.number(), name: z.string() });

/** One change to the sessions: a session's new state with the event that caused it, or sessions dropped. */
export type SessionChange = { kind: 'upsert'; session: AgentSession; event?: SessionEvent } | { kind: 'removed'; ids: string[] };

export const sessionChangeSchema = z.union([
  z.object({ kind: z.literal('upsert'), session: storedSessionSchema, event: storedEventSchema.optional() }),
  z.object({ kind: z.literal('removed'), ids: z.array(z.string()).max(MAX_SESSIONS * 2) }),
]);

/** Sessions by id, and the last events of each. */
export interface StoredSessions {
  sessions: Map<string, AgentSession>;
  events: Map<string, SessionEvent[]>;
}

export function emptySessions(): StoredSessions {
  return { sessions: new Map(), events: new Map() };
}

export function applyChange(state: StoredSessions, change: SessionChange): void {
  if (change.kind === 'removed') {
    for (const id of change.ids) {
      state.sessions.delete(id);
      state.events.delete(id);
    }
    return;
  }
  state.sessions.set(change.session.id, change.session);
  if (!change.event) return;
  const events = state.events.get(change.session.id) ?? [];
  events.push(change.event);
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  state.events.set(change.session.id, events);
}

/**
 * Sessions are a record of what agents did, not a decision: a change is recorded in the
 * background (no hook answer waits for it), and a store that cannot write says so in `problem`
 * until a write succeeds again.
 */
export interface SessionStore {
  readonly kind: 'file' | 'redis';
  /** How long a session is kept after its last event. */
  configure(retentionDays: number): void;
  /** What the store holds; `current` gives the tracker's sessions whenever the store rewrites them whole. */
  load(current: () => StoredSessions): Promise<StoredSessions>;
  record(change: SessionChange): void;
  /** Subscribes to other relays' changes (never called for a store no one else shares). */
  watch(listener: (change: SessionChange) => void): Promise<void>;
  /** Resolves once everything recorded so far is written (or has failed and been reported). */
  flush(): Promise<void>;
  /** Why the store is degraded, for the relay's condition; undefined while it writes. */
  readonly failure: StoreProblem;
  close(): Promise<void>;
}

/** Why a store is degraded (undefined while it writes), telling listeners when that changes. */
export class StoreProblem {
  private current: string | undefined;
  private readonly listeners = new Set<() => void>();

  get value(): string | undefined {
    return this.current;
  }

  set(problem: string | undefined): void {
    if (problem === this.current) return;
    this.current = problem;
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The problem of whichever store a service uses now: listeners hear when it changes, or when the service moves to another store. */
export class CurrentStoreProblem {
  private readonly listeners = new Set<() => void>();
  private stopFollowing: () => void;

  constructor(private source: StoreProblem) {
    this.stopFollowing = source.onChange(() => this.emit());
  }

  get value(): string | undefined {
    return this.source.value;
  }

  follow(source: StoreProblem): void {
    this.stopFollowing();
    this.source = source;
    this.stopFollowing = source.onChange(() => this.emit());
    this.emit();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
