import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { responsePriceUsd } from '../../src/extension/engine/hooks/pricing';
import type { Approval } from '../../src/shared/approvals';
import type { AgentSession } from '../../src/shared/sessions';
import { FINAL_TEXT, MODEL, startClaudeModel, USAGE, type ClaudeModel } from '../fixtures/claude-model';
import { CLAUDE, hookCommand, runClaude, type ClaudeRun } from '../helpers/claudeCode';
import { useServe, type ServeFixture } from '../helpers/serveFixture';

// The real Claude Code CLI (installed by scripts/setup-claude-code.sh), driven offline: its model is
// the scripted stand-in of test/fixtures/claude-model, its PreToolUse hook is `agent-mesh hook
// claude-code` (which finds the relay through its discovery file) and its Stop hook posts to the
// relay's hook door over HTTP with the bearer token.
const COMMAND = 'rm -f stale.txt && touch approved.txt';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the real Claude Code CLI through Agent Mesh hooks', function () {
  this.timeout(60_000);
  let home: string;
  let model: ClaudeModel;
  // Before serve starts: serve writes its discovery file under HOME, where the hook command run by Claude looks for it.
  beforeEach(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'am-claude-home-'));
    model = await startClaudeModel(COMMAND);
  });
  const relay = useServe({ prefix: 'am-claude-', env: () => ({ HOME: home }) });

  before(function () {
    if (existsSync(CLAUDE)) return;
    if (process.env.CI === 'true') throw new Error(`${CLAUDE} is missing: scripts/test.sh installs it through scripts/setup-claude-code.sh`);
    this.skip(); // Not installed here: run scripts/setup-claude-code.sh to include these tests.
  });

  afterEach(async () => {
    await model?.close();
    await rm(home, { recursive: true, force: true });
  });

  /** Claude Code's HTTP hook to the relay's door, the token from the environment. */
  const httpHook = (timeout: number) => ({
    type: 'http',
    url: `${relay.serve.url}/api/hooks/claude-code`,
    timeout,
    headers: { Authorization: 'Bearer $AGENT_MESH_TOKEN' },
    allowedEnvVars: ['AGENT_MESH_TOKEN'],
  });

  /** The project's `.claude/settings.json`: the command (or HTTP) hook before Bash, the HTTP hook on Stop. */
  async function writeProjectSettings(preToolUse: 'command' | 'http' = 'command', recorded: string[] = ['Stop'], preToolTimeout = 30): Promise<void> {
    const commandHook = hookCommand(preToolTimeout);
    const settings = {
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [preToolUse === 'command' ? commandHook : httpHook(preToolTimeout)] }],
        // Claude Code runs only command hooks on SessionStart.
        ...Object.fromEntries(recorded.map((name) => [name, [{ hooks: [name === 'SessionStart' ? commandHook : httpHook(10)] }]])),
      },
    };
    await mkdir(path.join(relay.workspace, '.claude'), { recursive: true });
    await writeFile(path.join(relay.workspace, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  const runClaudeHere = (prompt: string): Promise<ClaudeRun> =>
    runClaude(prompt, { cwd: relay.workspace, home, modelUrl: model.url, env: { AGENT_MESH_TOKEN: relay.token } });

  async function pendingApproval(fixture: ServeFixture, run: Promise<ClaudeRun>): Promise<Approval> {
    let ended: ClaudeRun | undefined;
    void run.then((done) => (ended = done), () => undefined);
    for (;;) {
      const { body } = await fixture.call('GET', '/api/approvals?status=pending');
      if (body.length > 0) return body[0];
      if (ended) throw new Error(`claude ended before its Bash call reached the approval queue\nstdout: ${ended.stdout}\nstderr: ${ended.stderr}`);
      await sleep(50);
    }
  }

  const approvedFile = () => path.join(relay.workspace, 'approved.txt');

  it('holds the Bash call in the approval queue; approved, the command runs', async () => {
    await writeProjectSettings();
    const run = runClaudeHere('Create approved.txt');
    const approval = await pendingApproval(relay, run);
    assert.equal(approval.agent, 'Claude Code');
    assert.equal(approval.title, `Claude Code wants to run \`${COMMAND}\``);
    assert.equal(existsSync(approvedFile()), false, 'the command must wait for the decision');
    assert.equal((await relay.call('POST', `/api/approvals/${approval.id}/decision`, { decision: 'approve', by: 'dev' })).status, 200);

    const { code, result, stderr } = await run;
    assert.equal(code, 0, stderr);
    assert.equal(result.is_error, false);
    assert.equal(result.result, FINAL_TEXT);
    assert.deepEqual(result.permission_denials, []);
    assert.equal(existsSync(approvedFile()), true);
    const [toolResult] = model.toolResults();
    assert.notEqual(toolResult.is_error, true);
  });

  it('through an HTTP hook straight to the relay, too: held, approved, the command runs', async () => {
    await writeProjectSettings('http');
    const run = runClaudeHere('Create approved.txt');
    const approval = await pendingApproval(relay, run);
    assert.equal(approval.title, `Claude Code wants to run \`${COMMAND}\``);
    assert.equal(existsSync(approvedFile()), false, 'the command must wait for the decision');
    await relay.call('POST', `/api/approvals/${approval.id}/decision`, { decision: 'approve', by: 'dev' });

    const { code, result, stderr } = await run;
    assert.equal(code, 0, stderr);
    assert.deepEqual(result.permission_denials, []);
    assert.equal(existsSync(approvedFile()), true);
  });

  it('rejected with a comment, the command does not run and the model reads the comment', async () => {
    await writeProjectSettings();
    const run = runClaudeHere('Create approved.txt');
    const approval = await pendingApproval(relay, run);
    const comment = 'Not now: the build folder is shared';
    await relay.call('POST', `/api/approvals/${approval.id}/decision`, { decision: 'reject', comment });

    const { code, result, stderr } = await run;
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(approvedFile()), false);
    assert.deepEqual(result.permission_denials.map((d) => [d.tool_name, d.tool_input.command]), [['Bash', COMMAND]]);
    const toolResults = model.toolResults();
    assert.equal(toolResults.length, 1);
    assert.equal(toolResults[0].is_error, true);
    assert.match(JSON.stringify(toolResults[0].content), new RegExp(comment));
  });

  for (const kind of ['command', 'http'] as const) {
    it(`when Claude stops waiting for its ${kind} hook, the approval is cancelled and the command does not run`, async () => {
      await writeProjectSettings(kind, ['Stop'], 2);
      const run = runClaudeHere('Create approved.txt');
      const approval = await pendingApproval(relay, run);
      const { code, stderr } = await run;
      assert.equal(code, 0, stderr);
      assert.equal(existsSync(approvedFile()), false);
      let status = 'pending';
      for (let attempt = 0; attempt < 100 && status === 'pending'; attempt += 1) {
        status = (await relay.call('GET', `/api/approvals/${approval.id}`)).body.status;
        if (status === 'pending') await sleep(50);
      }
      assert.equal(status, 'cancelled');
    });
  }

  it('with the relay stopped, the hook leaves the call to Claude\'s own prompt, which -p denies', async () => {
    await writeProjectSettings();
    await relay.serve.stop();
    const { code, result, stderr } = await runClaudeHere('Create approved.txt');
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(approvedFile()), false);
    assert.deepEqual(result.permission_denials.map((d) => d.tool_name), ['Bash']);
    const [toolResult] = model.toolResults();
    assert.equal(toolResult.is_error, true);
    assert.match(JSON.stringify(toolResult.content), /Agent Mesh is not reachable: no Agent Mesh relay found for this workspace/);
    await relay.start(); // afterEach stops the current serve
  });

  it('lists the session with the tokens of each model response once, and its cost', async () => {
    await writeProjectSettings('command', ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop', 'SessionEnd']);
    const run = runClaudeHere('Create approved.txt');
    await relay.call('POST', `/api/approvals/${(await pendingApproval(relay, run)).id}/decision`, { decision: 'approve', by: 'dev' });
    const { result } = await run;
    const responses = model.mainMessageIds.length;
    assert.equal(responses, 2);
    const expected = {
      input: responses * USAGE.input_tokens,
      output: responses * USAGE.output_tokens,
      cacheRead: responses * USAGE.cache_read_input_tokens,
      cacheWrite: responses * USAGE.cache_creation_input_tokens,
    };
    // The Stop hook made the relay read the transcript; the read finishes in the background.
    let session: AgentSession | undefined;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const sessions: AgentSession[] = (await relay.call('GET', '/api/sessions')).body;
      session = sessions.find((s) => s.sessionId === result.session_id);
      if (session && session.status === 'ended' && session.tokens.output === expected.output) break;
      await sleep(50);
    }
    assert.ok(session, `session ${result.session_id} is not listed`);
    assert.equal(session.agent, 'claude-code');
    assert.equal(session.status, 'ended');
    assert.deepEqual(session.tokens, expected);
    assert.equal(session.counts.toolCalls, 1);
    assert.equal(session.counts.approvals, 1);
    const perResponse = responsePriceUsd(MODEL, { input: USAGE.input_tokens, output: USAGE.output_tokens, cacheRead: USAGE.cache_read_input_tokens, cacheWrite: USAGE.cache_creation_input_tokens });
    assert.ok(perResponse !== undefined && perResponse > 0, `${MODEL} has a price`);
    assert.ok(typeof session.costUsd === 'number' && Math.abs(session.costUsd - responses * perResponse) < 1e-12, `cost ${session.costUsd}, expected ${responses * perResponse}`);
    assert.equal(session.costApproximate, false);
    assert.equal(session.model, MODEL);
    assert.equal(session.malformedLines, 0);
    const events: { name: string }[] = (await relay.call('GET', `/api/sessions/${encodeURIComponent(session.id)}/events`)).body;
    assert.deepEqual(events.map((e) => e.name), ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'decision', 'PostToolUse', 'Stop', 'SessionEnd']);
  });
});
