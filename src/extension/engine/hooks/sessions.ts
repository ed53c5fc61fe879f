// Every coding-agent session seen through hooks: status, current tool, counts, and the tokens of its
// transcript, kept in the data folder for `agentMesh.hooks.sessionRetentionDays`.
import * as z from 'zod';
import type { AgentSession, SessionEvent, SessionStatus, TranscriptPage } from '../../../shared/sessions';
import { CollectionFile } from '../collectionFile';
import type { Logger } from '../log';
import { HttpError } from '../relay/http';
import type { HookDecision, HookEvent } from './adapters';
import { readTranscriptPage, TranscriptTail } from './transcript';

/** Events kept per session (the oldest go first). */
const MAX_EVENTS = 200;
/** Sessions kept at most; the least recently active go first. */
const MAX_SESSIONS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const storedSchema = z.object({
  sessions: z.array(z.looseObject({ id: z.string(), lastEventAt: z.number() })).max(MAX_SESSIONS * 2),
  events: z.record(z.string(), z.array(z.looseObject({ at: z.number(), name: z.string() })).max(MAX_EVENTS)),
});

export class SessionTracker {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly events = new Map<string, SessionEvent[]>();
  private readonly tails = new Map<string, { tail: TranscriptTail; reading: Promise<void> }>();
  private readonly file: CollectionFile;
  private readonly listeners = new Set<(session: AgentSession) => void>();

  constructor(
    file: string,
    private readonly logger: Logger,
    private retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {
    this.file = new CollectionFile(file, 'agent sessions', logger, () => ({ sessions: this.list(), events: Object.fromEntries(this.events) }));
  }

  async load(): Promise<void> {
    const stored = await this.file.read((raw) => storedSchema.parse(raw));
    for (const session of (stored?.sessions ?? []) as unknown as AgentSession[]) this.sessions.set(session.id, session);
    for (const [id, events] of Object.entries(stored?.events ?? {})) if (this.sessions.has(id)) this.events.set(id, events as unknown as SessionEvent[]);
    this.prune();
  }

  configure(retentionDays: number): void {
    this.retentionDays = retentionDays;
  }

  onChange(listener: (session: AgentSession) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): AgentSession[] {
    return [...this.sessions.values()].sort((a, b) => b.lastEventAt - a.lastEventAt);
  }

  get(id: string): AgentSession {
    const session = this.sessions.get(id);
    if (!session) throw new HttpError(404, 'not_found', `no agent session ${id}`);
    return session;
  }

  eventsOf(id: string): SessionEvent[] {
    this.get(id);
    return this.events.get(id) ?? [];
  }

  async transcript(id: string, cursor: number): Promise<TranscriptPage> {
    const session = this.get(id);
    if (!session.transcriptPath) throw new HttpError(404, 'not_found', `session ${id} has no transcript`);
    try {
      return await readTranscriptPage(session.transcriptPath, cursor);
    } catch (error) {
      throw new HttpError(404, 'not_found', `the transcript of session ${id} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  get problem(): string | undefined {
    return this.file.problem;
  }

  onProblemChange(listener: () => void): () => void {
    return this.file.onProblemChange(listener);
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
    this.changed(session);
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
    return this.file.flush();
  }

  private sessionFor(event: HookEvent): AgentSession {
    const id = `${event.agent}:${event.sessionId}`;
    let session = this.sessions.get(id);
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
      this.sessions.set(id, session);
      this.prune();
    }
    return session;
  }

  private record(session: AgentSession, event: SessionEvent): void {
    const events = this.events.get(session.id) ?? [];
    events.push(event);
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
    this.events.set(session.id, events);
    this.changed(session);
  }

  /** Tells dashboards and saves in the background: sessions are a record of what agents did, not a decision. */
  private changed(session: AgentSession): void {
    for (const listener of this.listeners) listener({ ...session });
    this.file.write(`session ${session.id}`).catch((error: Error) => this.logger.warn(`agent sessions: ${error.message}`));
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
        session.tokens = { ...tail.tokens };
        session.malformedLines = tail.malformedLines;
        if (tail.model) session.model = tail.model;
        const nonepriced = tail.pricedResponses === 0 && tail.unpricedResponses > 0;
        session.costUsd = nonepriced ? null : tail.costUsd;
        session.costApproximate = tail.pricedResponses > 0 && tail.unpricedResponses > 0;
        this.changed(session);
      })
      .catch((error: NodeJS.ErrnoException) => this.logger.debug(`transcript of ${session.id} not read: ${error.code ?? error.message}`));
  }

  /** Waits until every transcript read started so far is done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.tails.values()].map((entry) => entry.reading));
  }

  private prune(): void {
    const oldest = this.now() - this.retentionDays * DAY_MS;
    const ordered = this.list();
    for (const [index, session] of ordered.entries()) {
      if (session.lastEventAt < oldest || index >= MAX_SESSIONS) {
        this.sessions.delete(session.id);
        this.events.delete(session.id);
        this.tails.delete(session.id);
      }
    }
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
