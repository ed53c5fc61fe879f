// Alerts from a real `agent-mesh serve`: a day budget exceeded by real Claude Code hook events and a
// transcript with usage fires one alert, over GET /api/alerts and on the `alerts` channel.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Alert } from '../../src/shared/alerts';
import type { AgentSession } from '../../src/shared/sessions';
import { startClaudeModel, type ClaudeModel } from '../fixtures/claude-model';
import { CLAUDE, runClaude } from '../helpers/claudeCode';
import { waitFor } from '../helpers/net';
import { claudeSession } from '../helpers/claudeSession';
import { useServe, type ServeFixture } from '../helpers/serveFixture';
import { RelayClient } from '../helpers/wsClient';

const alertsOf = async (relay: ServeFixture): Promise<Alert[]> => (await relay.call('GET', '/api/alerts')).body as Alert[];

describe('alerts from a real agent-mesh serve', function () {
  this.timeout(90_000);
  const relay = useServe({ prefix: 'am-alerts-', config: { 'agentMesh.costs.budgets': { day: 0.000001, month: 1_000_000 } }, env: (workspace) => ({ HOME: workspace }) });
  const alerts = () => alertsOf(relay);

  it('fires a budget alert once, publishes it on the alerts channel and dismisses it', async () => {
    const dashboard = relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));
    dashboard.send({ type: 'subscribe', channel: 'alerts' });
    const snapshot = await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'snapshot');
    assert.deepEqual(snapshot.payload, { alerts: [] });

    const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };
    await claudeSession(relay.call, relay.workspace, 'session-a', 'claude-sonnet-4-5', usage);
    const fired = await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'fired', 10_000);
    const alert = fired.payload as unknown as Alert;
    assert.deepEqual([alert.kind, alert.severity, alert.subject], ['budget', 'warning', 'day']);
    assert.match(alert.message, /^The day budget of \$0\.0000 is exceeded: \$\d+\.\d+ spent\.$/);

    // More events of an over-budget day, and evaluations on every GET: still the one alert.
    await claudeSession(relay.call, relay.workspace, 'session-b', 'claude-sonnet-4-5', usage);
    assert.deepEqual(await alerts(), [alert]);
    assert.deepEqual(await alerts(), [alert]);

    const dismissed = await relay.call('POST', `/api/alerts/${encodeURIComponent(alert.id)}/dismiss`, {});
    assert.equal(dismissed.status, 200);
    assert.ok(typeof (dismissed.body as Alert).dismissedAt === 'number');
    await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'dismissed');
    assert.equal(dashboard.frames.filter((f) => f.type === 'event' && f.channel === 'alerts' && f.name === 'fired').length, 1);
    assert.deepEqual(await alerts(), [dismissed.body]);
  });

  it('fires a context-window alert and a repeated-failures alert once each from a real transcript', async () => {
    const dashboard = relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));
    dashboard.send({ type: 'subscribe', channel: 'alerts' });
    await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'snapshot');
    const transcript = path.join(relay.workspace, 'session-full.jsonl');
    const usage = { input_tokens: 30, output_tokens: 400, cache_read_input_tokens: 168_000, cache_creation_input_tokens: 2_000 };
    const lines: unknown[] = [{ type: 'assistant', message: { id: 'msg-1', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'building' }], usage } }];
    for (const id of ['tu1', 'tu2', 'tu3']) {
      lines.push({ type: 'assistant', message: { id: `msg-${id}`, model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'make' } }], usage } });
      lines.push({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'make: *** [all] Error 2', is_error: true }] } });
    }
    await writeFile(transcript, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const event = { session_id: 'session-full', transcript_path: transcript, cwd: relay.workspace };
    await relay.call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'make' }, tool_response: { stderr: 'Error 2' } });

    const isFired = (kind: string) => (f: { channel?: string; name?: string; payload?: unknown }) => f.channel === 'alerts' && f.name === 'fired' && (f.payload as Alert).kind === kind;
    const context = (await dashboard.next('event', isFired('context-window'), 10_000)).payload as unknown as Alert;
    assert.equal(context.message, 'The claude-code session session-full uses 85 % of the claude-sonnet-4-5 context window (170k of 200k tokens).');
    const failures = (await dashboard.next('event', isFired('repeated-failures'), 10_000)).payload as unknown as Alert;
    assert.deepEqual([failures.severity, failures.subject, failures.message], ['warning', 'claude-code:session-full', 'Bash failed 3 times in the last 10 minutes in the claude-code session session-full.']);

    await relay.call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'Stop', stop_hook_active: false });
    const session = (await relay.call('GET', '/api/sessions/claude-code%3Asession-full')).body as AgentSession;
    assert.deepEqual(session.context, { tokens: 170_030, window: 200_000 });
    const listed = await alerts();
    assert.deepEqual(listed.filter((a) => a.subject === 'claude-code:session-full').map((a) => a.kind).sort(), ['context-window', 'repeated-failures'], 'each once');
  });

  it('fires a repeated-failures alert once when a step of a task fails a third time', async () => {
    const dashboard = relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));
    dashboard.send({ type: 'subscribe', channel: 'alerts' });
    await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'snapshot');
    const created = await relay.call('POST', '/api/tasks', { title: 'Flaky migration', agent: 'migrator', steps: [{ name: 'migrate', retries: 5 }] });
    assert.equal(created.status, 201);
    const id = (created.body as { id: string }).id;
    for (let failure = 1; failure <= 4; failure++) {
      assert.equal((await relay.call('PATCH', `/api/tasks/${id}`, { step: 'migrate', state: 'failed', message: `attempt ${failure}` })).status, 200);
    }
    const fired = (await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'fired' && (f.payload as unknown as Alert).kind === 'repeated-failures', 10_000)).payload as unknown as Alert;
    assert.equal(fired.subject, id);
    assert.match(fired.message, /^The step "migrate" of the task "Flaky migration" \(migrator\) failed [34] times\.$/);
    const listed = (await alerts()).filter((alert) => alert.kind === 'repeated-failures');
    assert.deepEqual(listed.map((alert) => alert.id), [fired.id], 'once, however many failures followed');
  });

  it('refuses an unknown alert and a caller without the token', async () => {
    assert.equal((await relay.call('POST', '/api/alerts/nope/dismiss', {})).status, 404);
    assert.equal((await fetch(`${relay.serve.url}/api/alerts`)).status, 401);
  });
});

// The real Claude Code CLI (scripts/setup-claude-code.sh) offline, its model the scripted stand-in of
// test/fixtures/claude-model asking for one Bash call a turn: the call fails, and the session, resumed
// twice, fails it again. Its Stop hook posts to the relay, which reads the transcript Claude wrote.
describe('alerts from the real Claude Code CLI', function () {
  this.timeout(180_000);
  const relay = useServe({ prefix: 'am-alerts-claude-', env: (workspace) => ({ HOME: workspace }) });
  let model: ClaudeModel;
  let home: string;

  before(function () {
    if (existsSync(CLAUDE)) return;
    if (process.env.CI === 'true') throw new Error(`${CLAUDE} is missing: scripts/test.sh installs it through scripts/setup-claude-code.sh`);
    this.skip(); // Not installed here: run scripts/setup-claude-code.sh to include these tests.
  });

  beforeEach(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'am-alerts-claude-home-'));
    model = await startClaudeModel('ls missing-file.txt');
  });

  afterEach(async () => {
    await model?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('fires one repeated-failures alert when a Bash call of one session fails a third time', async () => {
    const stopHook = { type: 'http', url: `${relay.serve.url}/api/hooks/claude-code`, timeout: 10, headers: { Authorization: 'Bearer $AGENT_MESH_TOKEN' }, allowedEnvVars: ['AGENT_MESH_TOKEN'] };
    await mkdir(path.join(relay.workspace, '.claude'), { recursive: true });
    await writeFile(path.join(relay.workspace, '.claude', 'settings.json'), JSON.stringify({ permissions: { allow: ['Bash(ls:*)'] }, hooks: { Stop: [{ hooks: [stopHook] }] } }));
    const run = (prompt: string, args: string[] = []) => runClaude(prompt, { cwd: relay.workspace, home, modelUrl: model.url, env: { AGENT_MESH_TOKEN: relay.token }, args });
    const repeatedFailures = async () => (await alertsOf(relay)).filter((alert) => alert.kind === 'repeated-failures');

    const first = await run('List the missing file.');
    const sessionId = first.result.session_id;
    await run('Try again.', ['--resume', sessionId]);
    const session = await waitFor('two failures read', async () => {
      const { body } = await relay.call('GET', `/api/sessions/claude-code%3A${sessionId}`);
      return (body as AgentSession).toolFailures?.length === 2 ? (body as AgentSession) : undefined;
    });
    assert.deepEqual(session.toolFailures!.map((failure) => failure.tool), ['Bash', 'Bash']);
    assert.deepEqual(await repeatedFailures(), [], 'two failures are not repeated failures yet');

    await run('Once more.', ['--resume', sessionId]);
    const [alert, ...more] = await waitFor('the repeated-failures alert', async () => ((await repeatedFailures()).length > 0 ? repeatedFailures() : undefined));
    assert.deepEqual(more, []);
    assert.deepEqual([alert.severity, alert.subject, alert.message], ['warning', `claude-code:${sessionId}`, `Bash failed 3 times in the last 10 minutes in the claude-code session ${sessionId}.`]);
    assert.ok(model.toolResults().every((result) => result.is_error === true), 'the command really failed each time');
    const failures = ((await relay.call('GET', `/api/sessions/claude-code%3A${sessionId}`)).body as AgentSession).toolFailures;
    assert.deepEqual(failures?.map((failure) => failure.tool), ['Bash', 'Bash', 'Bash']);
  });
});
