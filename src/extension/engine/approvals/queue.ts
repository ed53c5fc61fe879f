import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type {
  Approval,
  ApprovalRequest,
  ApprovalRule,
  ApprovalStatus,
  ApprovalsSnapshot,
  CancelInput,
  DecisionInput,
  ElicitationAnswer,
  ElicitationQuestion,
  SamplingPreview,
  RuleScope,
  TerminalStatus,
} from '../../../shared/approvals';
import { checkElicitationContent, elicitationFields } from '../../../shared/elicitation';
import type { JsonObject } from '../../../shared/protocol';
import { redactSecrets, redactText } from '../../../shared/redact';
import { confirmationTarget, dueAtFor, isDestructiveTool, isTerminal, priorityFor, routeRequest, type ApprovalThresholds } from './routing';
import type { Logger } from '../log';
import { EngineError } from '../errors';
import { StoreSwitch } from '../storeSwitch';
import type { AuditEvent, AuditLog } from './audit';
import type { ApprovalStore, RemoteChange } from './store';

/** Terminal approvals kept in the store (pending ones are always kept); the audit log keeps everything. */
const RETAINED_TERMINAL = 500;
/** Terminal approvals in a dashboard snapshot. */
const SNAPSHOT_TERMINAL = 50;
/** How often a queue that cannot write checks whether it can again. */
const WRITE_PROBE_MS = 2_000;

export interface ApprovalQueueOptions {
  store: ApprovalStore;
  audit: AuditLog;
  logger: Logger;
  thresholds: ApprovalThresholds;
  now?: () => number;
  /** Values redacted wherever an agent echoes them: the relay token. */
  secrets?: readonly string[];
}

/** An MCP server's elicitation or sampling request, as the queue takes it. */
export interface HumanInputRequest {
  kind: 'elicitation' | 'sampling';
  title: string;
  /** Who asks: "MCP server <name>". */
  agent: string;
  /** The server waits this long; then the item expires (an elicitation is answered `cancel`). */
  timeoutMs: number;
  elicitation?: ElicitationQuestion;
  sampling?: SamplingPreview;
}

export type ApprovalListener = (approval: Approval) => void;
export type RulesListener = (rules: ApprovalRule[]) => void;

/**
 * The one approval queue behind HTTP, WebSocket, MCP and the VS Code face. Routes requests by
 * confidence, moves approvals through pending → approved | rejected | cancelled | expired (only
 * pending moves), expires them with one timer each, and wakes waiters the moment an approval
 * becomes terminal — here or, through the store, on another relay.
 */
export class ApprovalQueue {
  private readonly approvals = new Map<string, Approval>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly waiters = new Map<string, Set<(approval: Approval) => void>>();
  private readonly listeners = new Set<ApprovalListener>();
  private readonly rulesListeners = new Set<RulesListener>();
  private readonly conditionListeners = new Set<() => void>();
  private sessionRules: ApprovalRule[] = [];
  private workspaceRules: ApprovalRule[] = [];
  private thresholds: ApprovalThresholds;
  private readonly now: () => number;
  private closed = false;
  private loaded = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the last write (store or audit) failed; set until a probe or a write succeeds. */
  private writeProblem: string | undefined;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private readonly secrets: readonly string[];
  private store: ApprovalStore;
  /** Changes in flight, which a store switch lets finish first. */
  private readonly changes = new Set<Promise<unknown>>();
  /** Changes that come while the store is being replaced wait for the new one. */
  private readonly storeSwitch = new StoreSwitch();
  /** Set from a store switch until the new store has loaded: what this relay holds is carried into it. */
  private carryOnLoad = false;

  constructor(private readonly options: ApprovalQueueOptions) {
    this.thresholds = options.thresholds;
    this.now = options.now ?? Date.now;
    this.secrets = options.secrets ?? [];
    this.store = options.store;
    this.watchProblems(options.store);
  }

  private watchProblems(store: ApprovalStore): void {
    store.onProblem(() => {
      if (store === this.store) this.emitCondition();
    });
  }

  get storeKind(): 'file' | 'redis' {
    return this.store.kind;
  }

  get auditFile(): string {
    return this.options.audit.file;
  }

  /**
   * Loads the stored queue, expires what timed out while the relay was down, and starts listening to
   * other relays. A shared (Redis) store that cannot be reached does not stop the relay: the queue
   * reports itself unavailable (requests get 503, nothing is accepted that could be lost) and keeps
   * retrying with capped backoff until the store answers.
   */
  async load(): Promise<void> {
    try {
      await this.loadFromStore(this.store);
    } catch (error) {
      if (this.store.kind === 'file') throw error;
      this.options.logger.warn(`approvals store (${this.store.kind}) unavailable at start, retrying: ${(error as Error).message}`);
      this.retryLoad(1);
    }
  }

  /** Why approvals cannot be taken or decided as they should right now, in words for /health's readers; undefined when they can. */
  get problem(): string | undefined {
    if (!this.loaded) return `approvals store (${this.storeKind}) not reachable yet: approvals answer 503 until it is`;
    return this.writeProblem ?? this.store.problem();
  }

  /** Called whenever `problem` may have changed. */
  onConditionChange(listener: () => void): () => void {
    this.conditionListeners.add(listener);
    return () => this.conditionListeners.delete(listener);
  }

  private async loadFromStore(store: ApprovalStore): Promise<void> {
    const stored = await store.load();
    if (store !== this.store) return; // replaced while it loaded
    const approvals = new Map(stored.approvals.map((approval) => [approval.id, approval]));
    let rules = stored.rules;
    if (this.carryOnLoad) rules = await this.carryInto(store, approvals, rules);
    await store.watch((change) => {
      if (store === this.store) this.applyRemote(change);
    });
    const switched = this.carryOnLoad;
    this.carryOnLoad = false;
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
    this.approvals.clear();
    for (const approval of approvals.values()) this.approvals.set(approval.id, approval);
    this.workspaceRules = rules;
    for (const approval of this.approvals.values()) if (approval.status === 'pending') this.armExpiry(approval);
    this.loaded = true;
    if (!switched) return;
    // Waiters from before the switch hear a decision the new store already held.
    for (const [id, set] of this.waiters) {
      const approval = this.approvals.get(id);
      if (approval && isTerminal(approval.status)) for (const finish of [...set]) finish(approval);
    }
  }

  /**
   * After a store switch, puts what this relay holds into the new store where it knows less:
   * approvals it lacks (agents may be waiting on the pending ones), and decisions of approvals it
   * still has pending (a file left behind when the relay moved to Redis is older than the queue).
   * Where the new store already holds a decision, it stands. The workspace rules this relay holds
   * are written too, so an older copy cannot bring back a rule the person revoked.
   */
  private async carryInto(store: ApprovalStore, approvals: Map<string, Approval>, rules: ApprovalRule[]): Promise<ApprovalRule[]> {
    const carry = async (held: Approval) => {
      const there = approvals.get(held.id);
      if (!there) {
        await store.insert(held);
        approvals.set(held.id, held);
      } else if (there.status === 'pending' && isTerminal(held.status)) {
        const result = await store.transition(held);
        approvals.set(held.id, result.moved ? held : (result.current ?? there));
      }
    };
    await Promise.all([...this.approvals.values()].map(carry));
    if (isDeepStrictEqual(rules, this.workspaceRules)) return rules;
    await store.saveRules(this.workspaceRules);
    return this.workspaceRules;
  }

  /**
   * Moves the queue to another store (a settings change). Changes in flight finish on the old
   * store and new ones wait; then the old store closes and the new one loads, with what this relay
   * holds carried into it (see `carryInto`). A new store that cannot be reached is retried in the
   * background like at start: approvals answer 503 meanwhile and `problem` says why.
   */
  replaceStore(store: ApprovalStore): Promise<void> {
    return this.storeSwitch.moving(async () => {
      try {
        await Promise.allSettled([...this.changes]);
        clearTimeout(this.retryTimer);
        clearInterval(this.probeTimer);
        this.probeTimer = undefined;
        this.writeProblem = undefined;
        await this.options.audit.flush();
        await this.store.close();
        this.store = store;
        this.loaded = false;
        this.carryOnLoad = true;
        this.watchProblems(store);
        await this.load();
      } finally {
        this.emitCondition();
      }
    });
  }

  private retryLoad(attempt: number): void {
    const store = this.store;
    const delay = Math.min(30_000, 500 * 2 ** attempt);
    this.retryTimer = setTimeout(() => {
      if (this.closed || store !== this.store) return;
      this.loadFromStore(store).then(
        () => {
          this.options.logger.info(`approvals store (${store.kind}) is back; queue loaded`);
          this.emitCondition();
        },
        () => this.retryLoad(attempt + 1),
      );
    }, delay);
    this.retryTimer.unref?.();
  }

  configure(thresholds: ApprovalThresholds): void {
    this.thresholds = thresholds;
  }

  get pendingCount(): number {
    let count = 0;
    for (const approval of this.approvals.values()) if (approval.status === 'pending') count += 1;
    return count;
  }

  onChange(listener: ApprovalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onRulesChange(listener: RulesListener): () => void {
    this.rulesListeners.add(listener);
    return () => this.rulesListeners.delete(listener);
  }

  list(status?: ApprovalStatus): Approval[] {
    const all = [...this.approvals.values()].sort((a, b) => b.createdAt - a.createdAt);
    return status ? all.filter((a) => a.status === status) : all;
  }

  get(id: string): Approval | undefined {
    return this.approvals.get(id);
  }

  /** The approval, from this relay or the shared store; 404 when neither knows it. */
  async find(id: string): Promise<Approval> {
    const known = this.approvals.get(id) ?? (await this.storeCall('read', () => this.store.fetch(id)));
    if (!known) throw new EngineError('not_found', 'not_found', `no approval ${id}`);
    if (!this.approvals.has(id)) this.remember(known);
    return this.approvals.get(id)!;
  }

  snapshot(): ApprovalsSnapshot {
    const all = this.list();
    const pending = all.filter((a) => a.status === 'pending');
    const recent = all.filter((a) => a.status !== 'pending').slice(0, SNAPSHOT_TERMINAL);
    return { approvals: [...pending, ...recent], rules: this.rules() };
  }

  rules(): ApprovalRule[] {
    return [...this.sessionRules, ...this.workspaceRules];
  }

  /**
   * Takes a request: rule-covered ones and auto-level ones (never high-risk or destructive) come
   * back approved, the rest pending. Free text and arguments are stored redacted.
   */
  async request(input: ApprovalRequest): Promise<Approval> {
    const createdAt = this.now();
    const text = (value: string) => redactText(value, this.secrets);
    const args = input.args ? redactSecrets(input.args, this.secrets) : undefined;
    const title = text(input.title);
    const tool = input.tool === undefined ? undefined : text(input.tool);
    // An agent may call its action destructive, never take that away from a destructive tool.
    const destructive = input.destructive === true || isDestructiveTool(input.tool);
    const rule = input.tool ? this.rules().find((r) => r.tool === input.tool) : undefined;
    const level = rule ? 'auto' : routeRequest(input, destructive, this.thresholds);
    const approval: Approval = {
      id: randomUUID(),
      title,
      ...(input.description !== undefined ? { description: text(input.description) } : {}),
      ...(input.agent !== undefined ? { agent: text(input.agent) } : {}),
      ...(tool !== undefined ? { tool } : {}),
      ...(args !== undefined ? { args } : {}),
      confidence: input.confidence,
      risk: input.risk,
      level,
      priority: priorityFor(input.risk, input.confidence),
      status: 'pending',
      destructive,
      target: confirmationTarget({ title, tool, args, ...(input.target !== undefined ? { target: text(input.target) } : {}) }),
      createdAt,
      dueAt: dueAtFor(input.risk, createdAt),
      ...(input.timeoutMs !== undefined ? { expiresAt: createdAt + input.timeoutMs } : {}),
    };
    if (rule) {
      Object.assign(approval, { status: 'approved', decidedAt: createdAt, decidedBy: `rule: always allow ${rule.tool} (${rule.scope})` });
    } else if (level === 'auto') {
      Object.assign(approval, { status: 'approved', decidedAt: createdAt, decidedBy: `auto: confidence ${input.confidence} ≥ ${this.thresholds.auto}` });
    }
    return this.admit(approval);
  }

  /**
   * Takes an MCP server's question (elicitation) or model request (sampling) into the same queue as
   * the agents' actions, so the person meets it wherever approvals show. Always pending: no rule
   * and no confidence decides it; the server waits live, so it comes first.
   */
  async ask(input: HumanInputRequest): Promise<Approval> {
    const createdAt = this.now();
    const text = (value: string) => redactText(value, this.secrets);
    const approval: Approval = {
      id: randomUUID(),
      kind: input.kind,
      ...(input.elicitation ? { elicitation: { ...input.elicitation, message: text(input.elicitation.message) } } : {}),
      // What is shown and stored is redacted like an agent's request; the model gets the server's own text.
      ...(input.sampling ? { sampling: redactedSampling(input.sampling, text) } : {}),
      title: text(input.title),
      agent: text(input.agent),
      confidence: 0,
      risk: 'medium',
      level: 'full',
      priority: 'urgent',
      status: 'pending',
      destructive: false,
      target: text(input.title),
      createdAt,
      dueAt: createdAt + input.timeoutMs,
      expiresAt: createdAt + input.timeoutMs,
    };
    return this.admit(approval);
  }

  private admit(approval: Approval): Promise<Approval> {
    return this.change(async () => {
      await this.storeCall('write', () => this.store.insert(approval));
      this.remember(approval);
      await this.audit('requested', approval);
      if (approval.status === 'approved') await this.audit('approved', approval);
      return approval;
    });
  }

  async decide(id: string, input: DecisionInput): Promise<Approval> {
    if (input.decision === 'approve' && (await this.find(id)).kind === 'elicitation') {
      throw new EngineError('invalid', 'invalid_request', `approval ${id} is a server's question: answer it with POST /api/approvals/${id}/answer and the form's content`);
    }
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    return this.settle(id, status, { decidedBy: this.who(input.by), ...(input.comment ? { comment: redactText(input.comment, this.secrets) } : {}) });
  }

  /**
   * Answers an elicitation: accept (the content checked against the server's schema, defaults filled
   * in) approves it, decline rejects it, cancel cancels it.
   */
  async answer(id: string, input: ElicitationAnswer): Promise<Approval> {
    const current = await this.find(id);
    if (current.kind !== 'elicitation' || !current.elicitation) throw new EngineError('invalid', 'invalid_request', `approval ${id} is not a server's question`);
    const decidedBy = this.who(input.by);
    if (input.action === 'decline') return this.settle(id, 'rejected', { decidedBy });
    if (input.action === 'cancel') return this.settle(id, 'cancelled', { decidedBy, reason: 'cancelled by the person' });
    const checked = checkElicitationContent(elicitationFields(current.elicitation.requestedSchema), input.content ?? {});
    if (!checked.ok) throw new EngineError('invalid', 'invalid_request', `the answer does not fit the form: ${checked.errors.join('; ')}`);
    const content = Object.fromEntries(Object.entries(checked.content).map(([key, value]) => [key, typeof value === 'string' ? redactText(value, this.secrets) : value]));
    return this.settle(id, 'approved', { decidedBy, content });
  }

  async cancel(id: string, input: CancelInput): Promise<Approval> {
    return this.settle(id, 'cancelled', { decidedBy: this.who(input.by), ...(input.reason ? { reason: redactText(input.reason, this.secrets) } : {}) });
  }

  /**
   * Resolves with the approval as soon as it is terminal, or with its current state once
   * `timeoutMs` passes or `signal` aborts. Event-driven: nothing runs while it waits.
   */
  async waitFor(id: string, timeoutMs?: number, signal?: AbortSignal): Promise<Approval> {
    // A known approval registers its waiter synchronously, so no decision can slip in between.
    const approval = this.approvals.get(id) ?? (await this.find(id));
    if (isTerminal(approval.status) || timeoutMs === 0 || signal?.aborted || this.closed) return approval;
    return new Promise<Approval>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: Approval) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(id);
        set?.delete(finish);
        if (set?.size === 0) this.waiters.delete(id);
        resolve(result);
      };
      const onAbort = () => finish(this.approvals.get(id) ?? approval);
      if (timeoutMs !== undefined) timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(finish);
    });
  }

  get waiterCount(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  async addRule(tool: string, scope: RuleScope, by: string): Promise<ApprovalRule> {
    const rule: ApprovalRule = { tool, scope, createdAt: this.now(), createdBy: this.who(by) };
    if (scope === 'session') {
      await this.assertWritable();
      this.sessionRules = [...this.sessionRules.filter((r) => r.tool !== tool), rule];
    } else {
      await this.saveWorkspaceRules((rules) => [...rules.filter((r) => r.tool !== tool), rule]);
    }
    await this.auditLine('rule-added', { tool, scope, by: rule.createdBy });
    this.emitRules();
    return rule;
  }

  /** Removes a rule; 404 when there is none for that tool and scope. */
  async revokeRule(tool: string, scope: RuleScope, by: string): Promise<void> {
    const list = scope === 'session' ? this.sessionRules : this.workspaceRules;
    if (!list.some((r) => r.tool === tool)) throw new EngineError('not_found', 'not_found', `no ${scope} rule for ${tool}`);
    const without = (rules: ApprovalRule[]) => rules.filter((r) => r.tool !== tool);
    if (scope === 'session') {
      await this.assertWritable();
      this.sessionRules = without(list);
    } else {
      await this.saveWorkspaceRules(without);
    }
    await this.auditLine('rule-revoked', { tool, scope, by: this.who(by) });
    this.emitRules();
  }

  private saveWorkspaceRules(edit: (rules: ApprovalRule[]) => ApprovalRule[]): Promise<void> {
    return this.change(async () => {
      const next = edit(this.workspaceRules);
      await this.storeCall('write', () => this.store.saveRules(next));
      this.workspaceRules = next;
    });
  }

  /** Stops timers and wakes every waiter with the current state; the store is closed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
    for (const [id, set] of this.waiters) for (const finish of [...set]) finish(this.approvals.get(id)!);
    await this.options.audit.flush();
    await this.store.close();
  }

  // ---- internals -------------------------------------------------------------------------

  private settle(id: string, status: TerminalStatus, fields: Pick<Approval, 'decidedBy' | 'comment' | 'reason' | 'content'>): Promise<Approval> {
    return this.change(async () => {
      const current = await this.find(id);
      if (current.status !== 'pending') throw alreadyTerminal(current);
      const next: Approval = { ...current, status, decidedAt: this.now(), ...fields };
      const result = await this.storeCall('write', () => this.store.transition(next));
      if (!result.moved) {
        if (result.current) this.remember(result.current);
        throw alreadyTerminal(result.current ?? current);
      }
      this.remember(next);
      await this.audit(status, next);
      void this.prune();
      return next;
    });
  }

  /** Takes a record into the local queue, arms or clears its timer, wakes waiters and tells listeners. */
  private remember(approval: Approval): void {
    const previous = this.approvals.get(approval.id);
    if (previous && isTerminal(previous.status)) return; // terminal records never move again
    this.approvals.set(approval.id, approval);
    if (approval.status === 'pending') {
      this.armExpiry(approval);
    } else {
      clearTimeout(this.expiryTimers.get(approval.id));
      this.expiryTimers.delete(approval.id);
      for (const finish of [...(this.waiters.get(approval.id) ?? [])]) finish(approval);
    }
    for (const listener of this.listeners) listener(approval);
  }

  /** Expires the approval when its time comes; an expiry the store refuses is tried again shortly. */
  private armExpiry(approval: Approval, notBeforeMs = 0): void {
    if (approval.expiresAt === undefined || this.expiryTimers.has(approval.id) || this.closed) return;
    const timer = setTimeout(() => {
      this.expiryTimers.delete(approval.id);
      this.settle(approval.id, 'expired', { decidedBy: 'timeout' }).catch((error: unknown) => {
        // Another relay may have decided or expired it first; that is the expected race.
        if (error instanceof EngineError && error.kind === 'conflict') return;
        this.options.logger.warn(`could not expire approval ${approval.id}, trying again: ${(error as Error).message}`);
        if (this.approvals.get(approval.id)?.status === 'pending') this.armExpiry(approval, WRITE_PROBE_MS);
      });
    }, Math.max(notBeforeMs, approval.expiresAt - this.now()));
    timer.unref();
    this.expiryTimers.set(approval.id, timer);
  }

  private applyRemote(change: RemoteChange): void {
    switch (change.kind) {
      case 'approval':
        this.remember(change.approval);
        return;
      case 'removed':
        for (const id of change.ids) if (this.approvals.get(id)?.status !== 'pending') this.approvals.delete(id);
        return;
      case 'rules':
        this.workspaceRules = change.rules;
        this.emitRules();
        return;
    }
  }

  private emitRules(): void {
    const rules = this.rules();
    for (const listener of this.rulesListeners) listener(rules);
  }

  /** Keeps the store bounded: drops the oldest terminal approvals beyond the retention count. */
  private async prune(): Promise<void> {
    const terminal = this.list().filter((a) => a.status !== 'pending');
    const drop = terminal.slice(RETAINED_TERMINAL).map((a) => a.id);
    if (drop.length === 0) return;
    for (const id of drop) this.approvals.delete(id);
    await this.store.remove(drop).catch((error: unknown) => this.options.logger.warn(`could not prune old approvals: ${(error as Error).message}`));
  }

  private audit(event: AuditEvent, approval: Approval): Promise<void> {
    const { id, title, kind, agent, tool, args, confidence, risk, level, priority, decidedBy, comment, reason, destructive, content } = approval;
    const fields: JsonObject = { id, title, confidence, risk, level, priority, destructive };
    // An elicitation's answer is the person's own data: the audit names the fields, not their values.
    const answered = content ? Object.keys(content) : undefined;
    Object.assign(fields, dropUndefined({ kind, agent, tool, args, by: event === 'requested' ? undefined : decidedBy, comment, reason, answered }));
    return this.auditLine(event, fields);
  }

  /**
   * Appends one audit line after the change it records is durable. A line that cannot be written
   * does not undo that change, but the queue reports itself degraded and refuses further changes
   * until the audit log takes lines again, so at most the change in flight goes unaudited.
   */
  private async auditLine(event: AuditEvent, fields: JsonObject): Promise<void> {
    try {
      await this.options.audit.append(event, fields);
    } catch (error) {
      this.options.logger.error(`could not write the approvals audit log (${event} ${String(fields.id ?? fields.tool)}): ${(error as Error).message}`);
      this.failedWrite(`approvals audit log cannot be written: ${(error as Error).message}; approvals answer 503 until it can`);
    }
  }

  /** Who made a change, as recorded: redacted like everything an agent sends. */
  private who(by: string | undefined): string {
    return by === undefined ? 'api' : redactText(by, this.secrets);
  }

  /**
   * Runs a store call; its failure becomes 503 `store_unavailable`. A write is refused up front while
   * the last write failed and a fresh probe says it still would.
   */
  private async storeCall<T>(kind: 'read' | 'write', call: () => Promise<T>): Promise<T> {
    if (kind === 'write') await this.assertWritable();
    else if (!this.loaded) throw notReachableYet(this.store.kind);
    try {
      return await call();
    } catch (error) {
      if (error instanceof EngineError) throw error;
      const message = (error as Error).message;
      this.options.logger.error(`approvals store (${this.store.kind}) failed: ${message}`);
      if (kind === 'write') this.failedWrite(`approvals store (${this.store.kind}) cannot write: ${message}; approvals answer 503 until it can`);
      throw new EngineError('unavailable', 'store_unavailable', `the approvals store is unavailable: ${message}`);
    }
  }

  /**
   * Runs a change (store write, then the queue in memory) whole on one store: a store switch waits
   * for the changes in flight, and changes that come during a switch wait for the new store.
   */
  private async change<T>(work: () => Promise<T>): Promise<T> {
    if (this.storeSwitch.busy) await this.storeSwitch.passage();
    const running = work();
    this.changes.add(running);
    try {
      return await running;
    } finally {
      this.changes.delete(running);
    }
  }

  /** Refuses (503) before the store is loaded, and while the last write failed and a fresh probe says it still would. */
  private async assertWritable(): Promise<void> {
    if (!this.loaded) throw notReachableYet(this.store.kind);
    if (this.writeProblem !== undefined && !(await this.probe())) throw new EngineError('unavailable', 'store_unavailable', this.writeProblem);
  }

  private failedWrite(problem: string): void {
    this.writeProblem = problem;
    this.probeTimer ??= setInterval(() => void this.probe(), WRITE_PROBE_MS);
    this.probeTimer.unref?.();
    this.emitCondition();
  }

  /** Whether both the store and the audit log take writes again; clears the problem when they do. */
  private async probe(): Promise<boolean> {
    try {
      await this.store.probe();
      await this.options.audit.probe();
    } catch {
      return false;
    }
    if (this.writeProblem === undefined) return true;
    this.options.logger.info('approvals store and audit log take writes again');
    this.writeProblem = undefined;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.emitCondition();
    return true;
  }

  private emitCondition(): void {
    for (const listener of this.conditionListeners) listener();
  }
}

function redactedSampling(sampling: SamplingPreview, text: (value: string) => string): SamplingPreview {
  return {
    ...sampling,
    ...(sampling.systemPrompt !== undefined ? { systemPrompt: text(sampling.systemPrompt) } : {}),
    messages: sampling.messages.map((m) => ({ role: m.role, text: text(m.text) })),
  };
}

function notReachableYet(kind: string): EngineError {
  return new EngineError('unavailable', 'store_unavailable', `the approvals store (${kind}) is not reachable yet; retry shortly`);
}

function alreadyTerminal(approval: Approval): EngineError {
  return new EngineError('conflict', 'conflict', `approval ${approval.id} is already ${approval.status}`);
}

function dropUndefined(fields: Record<string, JsonObject[string] | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as JsonObject;
}
