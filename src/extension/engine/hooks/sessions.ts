// Every coding-agent session seen through hooks: status, current tool, counts, and the tokens of its
// transcript, kept in the session store (the data folder or Redis) for `agentMesh.hooks.sessionRetentionDays`.
import type { AgentSession, SessionEvent, SessionStatus, TranscriptPage } from '../../../shared/sessions';
import type { Logger } from '../log';
import { EngineError } from '../errors';
import type { HookDecision, HookEvent } from './adapters';
import { applyChange, CurrentStoreProblem, emptySessions, MAX_SESSIONS, type SessionChange, type SessionStore } from './sessionStore';
import { readTranscriptPage, TranscriptTail } from './transcript';

const DAY_MS = 24 * 60 * 60 * 1000;

export class SessionTracker {
  private readonly state = emptySessions();
  private readonly tails = new Map<string, { tail: TranscriptTail; reading: Promise<void> }>();
  private readonly listeners = new Set<(session: AgentSession) => void>();
  private readonly storeProblem: CurrentStoreProblem;
  /** Set while the store is being replaced: changes stay in memory and reach the new store when it has loaded. */
  private switching = false;

  constructor(
    private store: SessionStore,
    private readonly logger: Logger,
    private retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {
    this.storeProblem = new CurrentStoreProblem(store.failure);
  }

  /**
   * What the store holds, past the retention dropped, merged with what this relay holds: the newer
   * copy of each session (by its last event) wins, and a session the store lacks or holds older is
   * recorded into it. Then other relays' changes (Redis) are followed.
   */
  async load(): Promise<void> {
    const store = this.store;
    store.configure(this.retentionDays);
    const stored = await store.load(() => this.state);
    for (const [id, session] of stored.sessions) {
      const held = this.state.sessions.get(id);
      if (held && held.lastEventAt >= session.lastEventAt) continue;
      this.state.sessions.set(id, session);
      this.state.events.set(id, stored.events.get(id) ?? []);
    }
    this.switching = false;
    for (const session of this.state.sessions.values()) if (stored.sessions.get(session.id) !== session) store.record({ kind: 'upsert', session });
    this.prune();
    await store.watch((change) => {
      if (store === this.store) this.applyRemote(change);
    });
    await store.flush();
  }

  /**
   * Moves to another store (a settings change): the old one is flushed and closed, and the new one
   * loaded and merged with the sessions this relay holds (see `load`), so a session in progress
   * keeps its counts and tokens.
   */
  async replaceStore(store: SessionStore): Promise<void> {
    this.switching = true;
    try {
      await this.settled();
      await this.store.close();
      this.store = store;
      this.storeProblem.follow(store.failure);
      await this.load();
    } finally {
      this.switching = false;
    }
  }

  configure(retentionDays: number): void {
    this.retentionDays = retentionDays;
    this.store.configure(retentionDays);
    this.prune();
  }

  onChange(listener: (session: AgentSession) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): AgentSession[] {
    return [...this.state.sessions.values()].sort((a, b) => b.lastEventAt - a.lastEventAt);
  }

  get(id: string): AgentSession {
    const session = this.state.sessions.get(id);
    if (!session) throw new EngineError('not_found', 'not_found', `no agent session ${id}`);
    return session;
  }

  eventsOf(id: string): SessionEvent[] {
    this.get(id);
    return this.state.events.get(id) ?? [];
  }

  async transcript(id: string, cursor: number): Promise<TranscriptPage> {
    const session = this.get(id);
    if (!session.transcriptPath) throw new EngineError('not_found', 'not_found', `session ${id} has no transcript`);
    try {
      return await readTranscriptPage(session.transcriptPath, cursor);
    } catch (error) {
      throw new EngineError('not_found', 'not_found', `the transcript of session ${id} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  get problem(): string | undefined {
    return this.storeProblem.value;
  }

  onProblemChange(listener: () => void): () => void {
    return this.storeProblem.onChange(listener);
  }

  /** Any hook event: the session's status, times and model; a Claude Code transcript is read further. */
  observe(event: HookEvent): void {
    const session = this.sessionFor(event);
    const status = statusAfter(event.name, session.status);
    Object.assign(session, { status, lastEventAt: this.now(), ...(event.model ? { model: event.model } : {}) });
    session.counts.events += 1;
    if (event.name === 'PostToolUse' || event.name === 'postToolUse' || status !== 'running') delete session.currentTool;
    if (event.call) {
      session.currentTool = event.call.tool;
      session.counts.toolCalls += 1;
    }
    if (event.transcriptPath?.endsWith('.jsonl')) {
      session.transcriptPath = event.transcriptPath;
      this.readTranscript(session);
    }
    this.record(session, { at: this.now(), name: event.name, ...(event.call ? { tool: event.call.tool } : {}) });
  }

  /** A tool call waits for a person. */
  waiting(event: HookEvent): void {
    const session = this.sessionFor(event);
    session.status = 'waiting';
    this.changed({ kind: 'upsert', session });
  }

  /** What the agent was told about a tool call. */
  decided(event: HookEvent, decision: HookDecision): void {
    const session = this.sessionFor(event);
    if (session.status === 'waiting') session.status = 'running';
    if (decision.permission === 'allow') session.counts.approvals += 1;
    if (decision.permission === 'deny') session.counts.denials += 1;
    this.record(session, { at: this.now(), name: 'decision', tool: event.call?.tool, permission: decision.permission, reason: decision.reason.slice(0, 500) });
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  async close(): Promise<void> {
    await this.settled();
    await this.store.close();
  }

  private sessionFor(event: HookEvent): AgentSession {
    const id = `${event.agent}:${event.sessionId}`;
    let session = this.state.sessions.get(id);
    if (!session) {
      const at = this.now();
      session = {
        id,
        agent: event.agent,
        sessionId: event.sessionId,
        cwd: event.cwd,
        status: 'running',
        startedAt: at,
        lastEventAt: at,
        counts: { toolCalls: 0, approvals: 0, denials: 0, events: 0 },
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        costUsd: 0,
        costApproximate: false,
        malformedLines: 0,
      };
      this.state.sessions.set(id, session);
      this.prune();
    }
    return session;
  }

  private record(session: AgentSession, event: SessionEvent): void {
    this.changed({ kind: 'upsert', session, event });
  }

  /** Tells dashboards and saves in the background: sessions are a record of what agents did, not a decision. */
  private changed(change: SessionChange & { kind: 'upsert' }): void {
    applyChange(this.state, change);
    this.tell(change.session);
    this.persist(change);
  }

  private persist(change: SessionChange): void {
    if (!this.switching) this.store.record(change);
  }

  /** Another relay's change (sessions shared through Redis): shown here too, not recorded again. */
  private applyRemote(change: SessionChange): void {
    applyChange(this.state, change);
    if (change.kind === 'upsert') this.tell(change.session);
    else for (const id of change.ids) this.tails.delete(id);
  }

  private tell(session: AgentSession): void {
    for (const listener of this.listeners) listener({ ...session });
  }

  private readTranscript(session: AgentSession): void {
    let entry = this.tails.get(session.id);
    if (!entry || entry.tail.file !== session.transcriptPath) {
      entry = { tail: new TranscriptTail(session.transcriptPath!), reading: Promise.resolve() };
      this.tails.set(session.id, entry);
    }
    const { tail } = entry;
    entry.reading = entry.reading
      .then(() => tail.readNew())
      .then(() => {
        // Pruned, or replaced by another relay's copy, while the transcript was read.
        if (this.state.sessions.get(session.id) !== session) return;
        session.tokens = { ...tail.tokens };
        session.malformedLines = tail.malformedLines;
        if (tail.context) session.context = { ...tail.context };
        if (tail.toolFailures.length > 0) session.toolFailures = [...tail.toolFailures];
        if (tail.model) session.model = tail.model;
        const nonepriced = tail.pricedResponses === 0 && tail.unpricedResponses > 0;
        session.costUsd = nonepriced ? null : tail.costUsd;
        session.costApproximate = tail.pricedResponses > 0 && tail.unpricedResponses > 0;
        this.changed({ kind: 'upsert', session });
      })
      .catch((error: NodeJS.ErrnoException) => this.logger.debug(`transcript of ${session.id} not read: ${error.code ?? error.message}`));
  }

  /** Waits until every transcript read started so far is done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.tails.values()].map((entry) => entry.reading));
  }

  /** Drops sessions past the retention, and the least recently active past MAX_SESSIONS, from here and from the store. */
  private prune(): void {
    const oldest = this.now() - this.retentionDays * DAY_MS;
    const ids = this.list()
      .filter((session, index) => session.lastEventAt < oldest || index >= MAX_SESSIONS)
      .map((session) => session.id);
    if (ids.length === 0) return;
    const change: SessionChange = { kind: 'removed', ids };
    applyChange(this.state, change);
    for (const id of ids) this.tails.delete(id);
    this.persist(change);
  }
}

function statusAfter(name: string, current: SessionStatus): SessionStatus {
  switch (name.toLowerCase()) {
    case 'stop':
    case 'agentstop':
      return 'idle';
    case 'sessionend':
      return 'ended';
    case 'notification':
    case 'subagentstop':
      return current;
    default:
      return 'running';
  }
}
