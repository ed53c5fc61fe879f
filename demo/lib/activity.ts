/**
 * The demo's agents: they drive a running relay through its public HTTP API only (the same doors any
 * agent uses), so that a newcomer's dashboard moves within the first minute:
 *
 *   - Release Bot asks for approvals at each level (auto / quick / full), each with a timeout so
 *     none waits forever;
 *   - Migration Agent runs a task and reports its steps, and keeps its own log in the seed's format:
 *     `logs/migration-agent/tools.jsonl` (one line per tool call) and `summary.jsonl` (one per run)
 *     in the demo's data folder, which the demo's config lists in `agentMesh.logs.directories`;
 *   - Mesh Monitor pushes vitals (real health checks of the demo services), metrics and activity;
 *   - a coding-agent session in Claude Code's hook format, with a Claude Code-format transcript
 *     (assistant lines with message ids, model and usage) written in the demo's data folder, so the
 *     session shows tool calls, a shell command that waits for you, tokens and a cost.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface DemoAgentsOptions {
  url: string;
  token: string;
  /** The workspace the coding session works in (its `cwd`). */
  workspace: string;
  /** Where the session's transcript files go. */
  dataDir: string;
  /** Time between approval rounds and coding sessions; each wait is drawn between 2/3 and 4/3 of it. */
  intervalMs: number;
  /** Ports of the demo services whose health the vitals widget shows (name → health URL). */
  services?: Record<string, string>;
  signal: AbortSignal;
  log?: (line: string) => void;
}

const AGENT = { approvals: 'Release Bot (demo)', tasks: 'Migration Agent (demo)', monitor: 'Mesh Monitor (demo)' };
const MODEL = 'claude-sonnet-4-5';

interface ApprovalScenario {
  level: 'auto' | 'quick' | 'full';
  request: Record<string, unknown>;
}

/** One of each level; the full one is high risk, which goes to a person whatever its confidence. */
const APPROVALS: ApprovalScenario[] = [
  {
    level: 'auto',
    request: { title: 'Regenerate the API client from openapi.yaml', tool: 'codegen', args: { spec: 'openapi.yaml', out: 'src/client' }, confidence: 94, risk: 'low' },
  },
  {
    level: 'quick',
    request: { title: 'Bump lodash 4.17.20 → 4.17.21 in package.json', tool: 'edit_file', args: { filePath: 'package.json', change: 'lodash ^4.17.21' }, confidence: 74, risk: 'medium' },
  },
  {
    level: 'full',
    request: {
      title: 'Drop the staging_events table after the migration',
      description: 'The events were copied to events_v2; the old table is no longer read.',
      tool: 'drop_table',
      args: { table: 'staging_events', database: 'staging' },
      confidence: 88,
      risk: 'high',
      destructive: true,
    },
  },
];

const TASK_STEPS = [
  { name: 'Snapshot the staging database', weight: 1 },
  { name: 'Copy events to events_v2', weight: 3 },
  { name: 'Rebuild indexes', weight: 2 },
  { name: 'Verify row counts', weight: 1 },
  { name: 'Switch readers to events_v2', weight: 1 },
];

/** The tool call behind each step, as the Migration Agent's tools.jsonl records it. */
const STEP_CALLS: Record<string, { tool: string; input: Record<string, unknown>; output: string }> = {
  'Snapshot the staging database': { tool: 'pg_dump', input: { database: 'staging', format: 'custom' }, output: 'staging.dump written (84 MB)' },
  'Copy events to events_v2': { tool: 'copy_rows', input: { from: 'staging_events', to: 'events_v2', batch: 10_000 }, output: '1,204,311 rows copied' },
  'Rebuild indexes': { tool: 'rebuild_indexes', input: { table: 'events_v2' }, output: '4 indexes rebuilt' },
  'Verify row counts': { tool: 'count_rows', input: { tables: ['staging_events', 'events_v2'] }, output: 'staging_events 1,204,311 = events_v2 1,204,311' },
  'Switch readers to events_v2': { tool: 'update_config', input: { key: 'events.table', value: 'events_v2' }, output: 'readers switched' },
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Runs every demo agent until `signal` aborts. */
export async function runDemoAgents(options: DemoAgentsOptions): Promise<void> {
  const demo = new DemoAgents(options);
  await Promise.all([demo.approvalsLoop(), demo.taskLoop(), demo.widgetsLoop(), demo.codingLoop()]);
}

class DemoAgents {
  private readonly stats = { approvals: 0, tasksDone: 0, hookEvents: 0, toolCalls: 0 };
  private readonly activity: { at: string; text: string; actor: string; level?: string }[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly options: DemoAgentsOptions) {
    this.log = options.log ?? (() => undefined);
  }

  private get signal(): AbortSignal {
    return this.options.signal;
  }

  /** A wait between 2/3 and 4/3 of `ms`, so the agents do not move in lockstep. */
  private pause(ms: number): Promise<void> {
    return sleep(Math.round(ms * (2 / 3 + Math.random() * (2 / 3))), this.signal);
  }

  private get stepMs(): number {
    return Math.max(200, Math.round(this.options.intervalMs / 8));
  }

  private async call<T = Record<string, unknown>>(method: string, route: string, body?: unknown, signal: AbortSignal = this.signal): Promise<T> {
    const res = await fetch(`${this.options.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Runs one round of a loop; a failure is logged and the loop carries on (the relay may be restarting). */
  private async attempt(what: string, round: () => Promise<void>): Promise<void> {
    try {
      await round();
    } catch (error) {
      if (!this.signal.aborted) this.log(`${what} failed: ${(error as Error).message}`);
    }
  }

  private note(actor: string, text: string, level?: string): void {
    this.activity.unshift({ at: new Date().toISOString(), text, actor, ...(level ? { level } : {}) });
    this.activity.splice(20);
    this.log(`${actor}: ${text}`);
  }

  async approvalsLoop(): Promise<void> {
    // The first round raises one of each level, so all three show within the first minute.
    await this.attempt('approvals', () => Promise.all(APPROVALS.map((a) => this.raise(a))).then(() => undefined));
    for (let round = 0; !this.signal.aborted; round += 1) {
      await this.pause(this.options.intervalMs);
      if (this.signal.aborted) return;
      await this.attempt('approvals', () => this.raise(APPROVALS[round % APPROVALS.length]));
    }
  }

  private async raise(scenario: ApprovalScenario): Promise<void> {
    // A person has a few rounds to decide; then the request expires instead of piling up.
    const timeoutMs = Math.max(10_000, this.options.intervalMs * 4);
    const approval = await this.call<{ id: string; level: string; status: string }>('POST', '/api/approvals', { ...scenario.request, agent: AGENT.approvals, timeoutMs });
    this.stats.approvals += 1;
    const title = String(scenario.request.title);
    this.note(AGENT.approvals, approval.status === 'approved' ? `auto-approved: ${title}` : `asked (${approval.level}): ${title}`);
  }

  async taskLoop(): Promise<void> {
    while (!this.signal.aborted) {
      await this.attempt('task', () => this.runTask());
      await this.pause(this.options.intervalMs / 2);
    }
  }

  private async runTask(): Promise<void> {
    const task = await this.call<{ id: string }>('POST', '/api/tasks', { title: 'Migrate staging events to events_v2', agent: AGENT.tasks, steps: TASK_STEPS });
    this.note(AGENT.tasks, 'started: Migrate staging events to events_v2');
    const report = (update: Record<string, unknown>) => this.call('PATCH', `/api/tasks/${encodeURIComponent(task.id)}`, update);
    const logDir = path.join(this.options.dataDir, 'logs', 'migration-agent');
    await mkdir(logDir, { recursive: true });
    const logLine = (file: string, entry: Record<string, unknown>) => appendFile(path.join(logDir, file), `${JSON.stringify({ timestamp: new Date().toISOString(), agent: AGENT.tasks, task: task.id, ...entry })}\n`);
    const outcome = '1.2 M rows copied, counts match';
    for (const [index, step] of TASK_STEPS.entries()) {
      const started = Date.now();
      // The last step's report ends the task (all steps done), so it carries the task's message.
      const ending = index === TASK_STEPS.length - 1 ? { status: 'completed', message: outcome } : {};
      for (const progress of [0.25, 0.6, 1]) {
        if (this.signal.aborted) return;
        await report(progress < 1 ? { step: step.name, state: 'running', progress, message: `${step.name}…` } : { step: step.name, state: 'done', ...ending });
        await this.pause(this.stepMs);
      }
      const { tool, input, output } = STEP_CALLS[step.name];
      await logLine('tools.jsonl', { tool, input, output, success: true, duration_ms: Date.now() - started });
    }
    await logLine('summary.jsonl', { summary: `Migrated staging events to events_v2 in ${TASK_STEPS.length} steps: ${outcome}.` });
    this.stats.tasksDone += 1;
    this.note(AGENT.tasks, 'completed: Migrate staging events to events_v2', 'success');
  }

  async widgetsLoop(): Promise<void> {
    const history = new Map<string, (number | null)[]>();
    while (!this.signal.aborted) {
      await this.attempt('widgets', () => this.pushWidgets(history));
      await this.pause(Math.max(1000, this.options.intervalMs / 4));
    }
  }

  private async pushWidgets(history: Map<string, (number | null)[]>): Promise<void> {
    const targets = { relay: `${this.options.url}/health`, ...this.options.services };
    const items = await Promise.all(
      Object.entries(targets).map(async ([label, url]) => {
        const latencyMs = await probe(url, this.signal);
        const series = [...(history.get(label) ?? []), latencyMs].slice(-30);
        history.set(label, series);
        return { label, status: latencyMs === null ? 'unhealthy' : 'healthy', ...(latencyMs === null ? {} : { latencyMs }), history: series };
      }),
    );
    const sessions = await this.call<{ tokens: { input: number; output: number }; costUsd: number | null }[]>('GET', '/api/sessions');
    const tokens = sessions.reduce((sum, s) => sum + s.tokens.input + s.tokens.output, 0);
    const cost = sessions.reduce((sum, s) => sum + (s.costUsd ?? 0), 0);
    const widget = (id: string, type: string, data: unknown) => this.call('POST', '/api/widgets', { id, type, data });
    await widget('demo-vitals', 'vitals', { title: 'Demo services (live health checks)', items });
    await widget('demo-metrics', 'metrics', {
      title: 'Demo agents',
      metrics: [
        { label: 'Approvals asked', value: this.stats.approvals },
        { label: 'Tasks completed', value: this.stats.tasksDone },
        { label: 'Hook events sent', value: this.stats.hookEvents },
        { label: 'Agent tokens', value: tokens },
        { label: 'Agent cost', value: Math.round(cost * 10_000) / 10_000, unit: 'USD' },
      ],
    });
    if (this.activity.length > 0) await widget('demo-activity', 'activity', { title: 'What the demo agents did', entries: this.activity });
  }

  async codingLoop(): Promise<void> {
    while (!this.signal.aborted) {
      await this.attempt('coding session', () => this.playSession());
      await this.pause(this.options.intervalMs);
    }
  }

  /** One Claude Code session, as its hooks and transcript would show it. */
  private async playSession(): Promise<void> {
    const { workspace } = this.options;
    const sessionId = randomUUID();
    const transcriptDir = path.join(this.options.dataDir, 'demo-transcripts');
    await mkdir(transcriptDir, { recursive: true });
    const transcript = new TranscriptWriter(path.join(transcriptDir, `${sessionId}.jsonl`), sessionId, workspace);
    const hook = (event: Record<string, unknown>, signal?: AbortSignal) => {
      this.stats.hookEvents += 1;
      return this.call<{ hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string } }>(
        'POST',
        '/api/hooks/claude-code',
        { session_id: sessionId, transcript_path: transcript.file, cwd: workspace, permission_mode: 'default', ...event },
        signal,
      );
    };
    const pace = () => this.pause(this.stepMs);

    await transcript.user('The events migration test is flaky. Find out why and fix it.');
    await hook({ hook_event_name: 'SessionStart', source: 'startup' });
    this.note('Claude Code (demo)', `session ${sessionId.slice(0, 8)} started`);
    await pace();

    // A read-only tool: the policy allows it at once.
    const readInput = { file_path: path.join(workspace, 'README.md') };
    const readId = await transcript.assistantToolUse('I will start with the project notes.', 'Read', readInput, { input: 1840, output: 96, cacheWrite: 12_400 });
    await hook({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: readInput, tool_use_id: readId });
    await pace();
    await transcript.toolResult(readId, '# Demo workspace\nThe demo services and agents of Agent Mesh.', false);
    await hook({ hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: readInput, tool_use_id: readId, tool_response: { type: 'text' }, duration_ms: 4 });
    await pace();

    // A shell command: it waits for a person in Agent Mesh (the demo gives up after a while).
    const shellInput = { command: 'npm install --save-dev vitest@3 && npx vitest run test/migration.test.ts', description: 'Install vitest and run the migration test' };
    const shellId = await transcript.assistantToolUse('The test uses timers; I will run it under vitest to see the failure.', 'Bash', shellInput, { input: 3120, output: 210, cacheRead: 12_400 }, true);
    this.note('Claude Code (demo)', `waits for you: ${shellInput.command}`);
    const wait = AbortSignal.any([this.signal, AbortSignal.timeout(Math.max(5_000, this.options.intervalMs * 2))]);
    const answer = await hook({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: shellInput, tool_use_id: shellId }, wait).catch(() => undefined);
    if (this.signal.aborted) return;
    const permission = answer?.hookSpecificOutput?.permissionDecision ?? 'ask';
    const reason = answer?.hookSpecificOutput?.permissionDecisionReason ?? 'nobody decided in time';
    if (permission === 'allow') {
      await transcript.toolResult(shellId, 'added 1 package\n ✓ test/migration.test.ts (3 tests) 41ms', false);
      await hook({ hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: shellInput, tool_use_id: shellId, tool_response: { stdout: 'ok', exitCode: 0 }, duration_ms: 5200 });
    } else {
      await transcript.toolResult(shellId, `Denied: ${reason}`, true);
    }
    this.note('Claude Code (demo)', `shell command: ${permission} (${reason})`, permission === 'allow' ? 'success' : 'warning');
    await pace();
    await transcript.assistantText(
      permission === 'allow' ? 'The test waited on a real timer; I switched it to fake timers and it passes.' : 'I could not run the test; here is what I would change instead.',
      { input: 3480, output: 160, cacheRead: 15_520 },
    );
    await hook({ hook_event_name: 'Stop', stop_hook_active: false });
    this.note('Claude Code (demo)', `session ${sessionId.slice(0, 8)} stopped`);
  }
}

/** How long `url` takes to answer 2xx, or null when it does not. */
async function probe(url: string, signal: AbortSignal): Promise<number | null> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
    await res.arrayBuffer();
    return res.ok ? Math.round((performance.now() - started) * 10) / 10 : null;
  } catch {
    return null;
  }
}

interface Usage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** Appends lines in Claude Code's transcript format: one line per content block, repeating the response's id and usage. */
class TranscriptWriter {
  private parent: string | null = null;

  constructor(
    readonly file: string,
    private readonly sessionId: string,
    private readonly cwd: string,
  ) {}

  private async line(type: 'user' | 'assistant', message: Record<string, unknown>): Promise<void> {
    const uuid = randomUUID();
    const entry = { type, sessionId: this.sessionId, uuid, parentUuid: this.parent, timestamp: new Date().toISOString(), cwd: this.cwd, isSidechain: false, message };
    this.parent = uuid;
    await appendFile(this.file, `${JSON.stringify(entry)}\n`);
  }

  user(text: string): Promise<void> {
    return this.line('user', { role: 'user', content: text });
  }

  private async response(blocks: Record<string, unknown>[], usage: Usage): Promise<void> {
    const id = `msg_demo_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const apiUsage = { input_tokens: usage.input, output_tokens: usage.output, cache_read_input_tokens: usage.cacheRead ?? 0, cache_creation_input_tokens: usage.cacheWrite ?? 0 };
    for (const block of blocks) await this.line('assistant', { id, type: 'message', role: 'assistant', model: MODEL, content: [block], usage: apiUsage });
  }

  async assistantToolUse(text: string, tool: string, input: Record<string, unknown>, usage: Usage, thinking = false): Promise<string> {
    const toolUseId = `toolu_demo_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const blocks = [
      ...(thinking ? [{ type: 'thinking', thinking: 'The failure only shows on slow machines, so a timer is the likely cause; running the test will tell.', signature: 'demo' }] : []),
      { type: 'text', text },
      { type: 'tool_use', id: toolUseId, name: tool, input },
    ];
    await this.response(blocks, usage);
    return toolUseId;
  }

  assistantText(text: string, usage: Usage): Promise<void> {
    return this.response([{ type: 'text', text }], usage);
  }

  toolResult(toolUseId: string, content: string, isError: boolean): Promise<void> {
    return this.line('user', { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] });
  }
}
