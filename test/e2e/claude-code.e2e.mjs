// The real Claude Code CLI inside the real VS Code (code-server in headless Chromium): `claude -p`
// runs offline against the scripted model of test/fixtures/claude-model, its PreToolUse hook is the
// command `node dist/cli.js hook claude-code`, which finds the extension's relay through the
// discovery file under code-server's HOME. Approve and Reject… are clicked in the workbench's
// notification; the session then shows in the Agent Sessions tree; with code-server killed (its
// discovery file left behind) the hook falls back to Claude's own prompt.
// Run alone: npx mocha --timeout 120000 test/e2e/claude-code.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { require as requireTs } from 'tsx/cjs/api';
import { useSession, waitFor } from './harness.mjs';

// The claude runner and scripted model the integration tests use, loaded as CommonJS TypeScript (they locate files from __dirname).
const { CLAUDE, HOOK_CLI, hookCommand, runClaude } = requireTs('../helpers/claudeCode.ts', import.meta.url);
const { startClaudeModel, USAGE } = requireTs('../fixtures/claude-model/index.ts', import.meta.url);

const SESSIONS_VIEW = 'Agent Sessions';
/** The project folder's name: the notification says "Claude Code in api/ wants to run …". */
const FOLDER = 'api';

/** Hook events recorded besides the PreToolUse decision, so the session ends with its transcript read. */
const RECORDED_EVENTS = ['SessionStart', 'PostToolUse', 'Stop', 'SessionEnd'];

describe('the real Claude Code CLI in a real VS Code (code-server)', function () {
  this.timeout(120_000);
  let baseDir;
  let home;
  let workspace;
  let model;
  let binDir;
  /** The finished runs, by what was decided in the workbench. */
  const runs = {};

  before(async function () {
    if (!fs.existsSync(CLAUDE)) {
      if (process.env.CI === 'true') throw new Error(`${CLAUDE} is missing: scripts/test.sh installs it through scripts/setup-claude-code.sh`);
      console.log('    skipped: the Claude Code CLI is not installed (run bash scripts/setup-claude-code.sh)');
      this.skip();
    }
    baseDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'am-e2e-claude-'));
    home = path.join(baseDir, 'home');
    workspace = path.join(baseDir, FOLDER);
    await fsp.mkdir(path.join(workspace, '.vscode'), { recursive: true });
    await fsp.mkdir(path.join(workspace, '.claude'), { recursive: true });
    await fsp.mkdir(home, { recursive: true });
    // `agent-mesh` on Claude's PATH, as the package's bin would be once installed: the hook that
    // "Connect Claude Code to Agent Mesh…" writes runs it by that name.
    binDir = path.join(baseDir, 'bin');
    await fsp.mkdir(binDir);
    await fsp.writeFile(path.join(binDir, 'agent-mesh'), `#!/bin/sh\nexec "${process.execPath}" "${HOOK_CLI}" "$@"\n`, { mode: 0o755 });
    await fsp.writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: {} }, null, 2));
    await writeProjectSettings({ PreToolUse: [{ matcher: 'Bash', hooks: [hookCommand(60)] }] });
  });

  // code-server's HOME is Claude's: the extension writes its discovery file where the hook command looks.
  const session = useSession(() => ({ workspace, env: { HOME: home }, openAgentMesh: true }));

  before(async function () {
    await arrangeSidebar();
    await waitFor(() => fs.existsSync(path.join(home, '.agent-mesh', 'relays')) && fs.readdirSync(path.join(home, '.agent-mesh', 'relays')).some((f) => f.endsWith('.json')), {
      timeoutMs: 30_000,
      what: 'the extension to write its relay discovery file',
    });
  });

  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  after(async function () {
    if (baseDir) await fsp.rm(baseDir, { recursive: true, force: true });
  });

  /** The workspace's `.claude/settings.json`: `preTool` hooks and the recorded events through `agent-mesh hook`. */
  async function writeProjectSettings(preTool) {
    const hooks = { ...preTool, ...Object.fromEntries(RECORDED_EVENTS.map((name) => [name, [{ hooks: [hookCommand(10)] }]])) };
    await fsp.writeFile(path.join(workspace, '.claude', 'settings.json'), JSON.stringify({ hooks }, null, 2));
  }

  /** The sidebar wider, with the Approvals and Agent Sessions views open and the others closed. */
  async function arrangeSidebar() {
    for (const name of ['MCP Servers', 'Mesh Health', 'Dashboard']) {
      const header = session.viewPaneHeader(name);
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await session.expandView('Approvals');
    await session.expandView(SESSIONS_VIEW);
    const box = await session.page.locator('.part.sidebar').boundingBox();
    const y = box.y + box.height / 2;
    await session.page.mouse.move(box.x + box.width, y);
    await session.page.mouse.down();
    await session.page.mouse.move(box.x + box.width + 240, y, { steps: 5 });
    await session.page.mouse.up();
  }

  /** Starts the scripted model asking Bash to run `command`, then `claude -p` in the workspace. */
  async function startClaude(command) {
    model = await startClaudeModel(command);
    const run = runClaude(`Run ${command}`, { cwd: workspace, home, modelUrl: model.url, env: { PATH: `${binDir}${path.delimiter}${process.env.PATH}` } });
    let ended;
    void run.then((done) => (ended = done), () => undefined);
    return { run, ended: () => ended };
  }

  /** The notification of Claude's Bash call; fails early with Claude's output when it ended without one. */
  async function claudeNotification(command, claude) {
    const toast = session.page.locator('.notification-toast').filter({ hasText: `Claude Code in ${FOLDER}/ wants to run \`${command}\`` });
    await waitFor(
      async () => {
        const done = claude.ended();
        if (done) throw new Error(`claude ended before its Bash call was shown\nstdout: ${done.stdout}\nstderr: ${done.stderr}`);
        return toast.isVisible();
      },
      { timeoutMs: 45_000, what: `the notification for \`${command}\`` },
    );
    return toast;
  }

  it('shows Claude\'s Bash call as a notification; Approve clicked in the workbench lets the command run', async function () {
    const command = 'echo approved-in-vscode > approved.txt';
    const claude = await startClaude(command);
    const toast = await claudeNotification(command, claude);
    assert.equal(fs.existsSync(path.join(workspace, 'approved.txt')), false, 'the command must wait for the decision');
    assert.equal(claude.ended(), undefined, 'Claude must wait for the decision');
    // The session waits for you in the Agent Sessions tree, its call listed under it.
    const sessionRow = session.viewPane(SESSIONS_VIEW).locator('.monaco-list-row[aria-level="1"]', { hasText: 'waiting' });
    await sessionRow.waitFor({ state: 'visible', timeout: 15_000 });
    await sessionRow.click();
    await session.viewPane(SESSIONS_VIEW).locator('.monaco-list-row[aria-level="2"]', { hasText: `waiting for you` }).filter({ hasText: command }).waitFor({ state: 'visible', timeout: 10_000 });
    await session.screenshot('claude-code-notification.png');

    await toast.locator('.monaco-button', { hasText: /^Approve$/ }).click();
    const { code, result, stderr } = await claude.run;
    assert.equal(code, 0, stderr);
    assert.equal(result.is_error, false);
    assert.deepEqual(result.permission_denials, []);
    assert.equal(await fsp.readFile(path.join(workspace, 'approved.txt'), 'utf8'), 'approved-in-vscode\n');
    const [toolResult] = model.toolResults();
    assert.notEqual(toolResult.is_error, true);
    await toast.waitFor({ state: 'hidden', timeout: 10_000 });
    runs.approved = result;
  });

  it('Reject… with a comment typed in the workbench stops the command, and the model receives that comment', async function () {
    const command = 'echo rejected > rejected.txt';
    const comment = 'Not in this folder: use the scratch volume';
    const claude = await startClaude(command);
    const toast = await claudeNotification(command, claude);
    await toast.locator('.monaco-button', { hasText: /^Reject…$/ }).click();
    const input = session.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await session.page.locator('.quick-input-widget', { hasText: 'The agent receives this comment' }).waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill(comment);
    await session.page.keyboard.press('Enter');

    const { code, result, stderr } = await claude.run;
    assert.equal(code, 0, stderr);
    assert.equal(fs.existsSync(path.join(workspace, 'rejected.txt')), false);
    assert.deepEqual(result.permission_denials.map((d) => [d.tool_name, d.tool_input.command]), [['Bash', command]]);
    // The main-loop request after the tool call carries the denial, with the comment, as its tool result.
    const main = model.requests.filter((request) => request.main);
    assert.equal(main.length, 2);
    const last = main[1].messages.at(-1);
    const denial = last.content.find((block) => block.type === 'tool_result');
    assert.equal(denial.is_error, true);
    assert.match(JSON.stringify(denial.content), new RegExp(comment));
    runs.rejected = result;
  });

  it('lists both sessions in the Agent Sessions tree with the tokens of the scripted usage, and their tool calls', async function () {
    assert.ok(runs.approved && runs.rejected, 'the two runs above must have finished');
    // Each run is two model responses (the Bash call, then the answer to its result), each with the fixture's usage.
    const responses = 2;
    const tokens = responses * (USAGE.input_tokens + USAGE.output_tokens + USAGE.cache_read_input_tokens + USAGE.cache_creation_input_tokens);
    const breakdown = `${responses * USAGE.input_tokens} in · ${responses * USAGE.output_tokens} out · ${responses * USAGE.cache_read_input_tokens} cache read · ${responses * USAGE.cache_creation_input_tokens} cache write`;

    // Room for both sessions and their rows: the tree renders only the rows in view.
    const approvalsHeader = session.viewPaneHeader('Approvals');
    if ((await approvalsHeader.getAttribute('aria-expanded')) === 'true') await approvalsHeader.click();
    const tree = session.viewPane(SESSIONS_VIEW);
    const sessionRows = tree.locator('.monaco-list-row[aria-level="1"]');
    const label = `Claude Code · ${FOLDER}/`;
    // claude-sonnet-4-5 at $3 / $15 / $0.30 / $3.75 per million input / output / cache-read / cache-write tokens:
    // 2 × (100 × 3 + 20 × 15 + 30 × 0.3 + 10 × 3.75) / 1e6 = $0.001293.
    const cost = '$0.0013';
    await waitFor(
      async () => {
        const texts = await sessionRows.allTextContents();
        return texts.length === 2 && texts.every((text) => text.includes(label) && text.includes(`ended · ${tokens} tokens · ${cost}`));
      },
      { timeoutMs: 30_000, what: `two ended sessions "${label}" with ${tokens} tokens and their cost` },
    ).catch(async (error) => {
      error.message += ` — rows: ${JSON.stringify(await sessionRows.allTextContents())}`;
      throw error;
    });

    for (const index of [0, 1]) {
      const row = sessionRows.nth(index);
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    }
    const childTexts = async () => (await tree.locator('.monaco-list-row[aria-level="2"]').allTextContents()).join('\n');
    await waitFor(async () => {
      const text = await childTexts();
      return text.split(breakdown).length - 1 === 2 && /^Bashallow · /m.test(text) && /^Bashdeny · /m.test(text) && /^BashPreToolUse · /m.test(text);
    }, { timeoutMs: 15_000, what: 'each session\'s token breakdown and its Bash call, allowed in one and denied in the other' }).catch(async (error) => {
      error.message += ` — children: ${await childTexts()}`;
      throw error;
    });
    await session.screenshot('claude-code-sessions-tree.png');
  });

  it('"Connect Claude Code to Agent Mesh…" from the palette shows the change, writes the hook without the token, and Claude\'s next call asks through it', async function () {
    // Only the hook the command writes decides tool calls from now on.
    await writeProjectSettings({});
    const localSettings = path.join(workspace, '.claude', 'settings.local.json');
    const relays = path.join(home, '.agent-mesh', 'relays');
    const { token } = JSON.parse(await fsp.readFile(path.join(relays, fs.readdirSync(relays).find((f) => f.endsWith('.json'))), 'utf8'));

    const connect = async () => {
      // The command's own quick pick follows the palette's at once: wait for it rather than for the palette to close.
      await (await session.findCommandInPalette('Agent Mesh: Connect Claude Code to Agent Mesh…')).click();
      const choice = session.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'This workspace' });
      await choice.waitFor({ state: 'visible', timeout: 10_000 });
      await choice.click();
    };
    await connect();
    const dialog = session.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const shown = (await dialog.textContent()) ?? '';
    assert.match(shown, /Connect Claude Code: \.claude\/settings\.local\.json will read/);
    assert.match(shown, /"command": "agent-mesh hook claude-code"/);
    assert.match(shown, /no token is written/);
    // The file as it will read, indented: the dialog collapses a line's leading spaces unless they are kept.
    const detail = await dialog.locator('.dialog-message-detail').innerText();
    assert.match(detail, /^\s{8}"matcher": "\*",$/m, detail);
    assert.equal(fs.existsSync(localSettings), false, 'nothing is written before the person agrees');
    await session.screenshot('claude-code-connect.png');
    await dialog.locator('.monaco-button', { hasText: /^Write Hook$/ }).click();

    const written = await waitFor(async () => fs.existsSync(localSettings) && (await fsp.readFile(localSettings, 'utf8')), { timeoutMs: 10_000, what: localSettings });
    assert.deepEqual(JSON.parse(written), { hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: 'agent-mesh hook claude-code', timeout: 60 }] }] } });
    assert.ok(!written.includes(token), 'the relay token must not be written');

    // Run again: nothing to change.
    await connect();
    await session.page.locator('.notification-toast', { hasText: 'Claude Code is already connected in .claude/settings.local.json; nothing to change.' }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await fsp.readFile(localSettings, 'utf8'), written);

    // Claude now asks through the written hook.
    const command = 'echo connected > connected.txt';
    const claude = await startClaude(command);
    const toast = await claudeNotification(command, claude);
    await toast.locator('.monaco-button', { hasText: /^Approve$/ }).click();
    const { code, result, stderr } = await claude.run;
    assert.equal(code, 0, stderr);
    assert.deepEqual(result.permission_denials, []);
    assert.equal(await fsp.readFile(path.join(workspace, 'connected.txt'), 'utf8'), 'connected\n');
  });

  it('with the relay gone (code-server killed, its discovery file left), the hook leaves the call to Claude\'s own prompt and says why', async function () {
    const relays = path.join(home, '.agent-mesh', 'relays');
    // SIGKILL: the extension gets no chance to remove its discovery file, which now names a closed port.
    process.kill(-session.server.process.pid, 'SIGKILL');
    await once(session.server.process, 'exit');
    const [stale] = fs.readdirSync(relays).filter((f) => f.endsWith('.json'));
    assert.ok(stale, 'the discovery file is left behind');
    const { url } = JSON.parse(await fsp.readFile(path.join(relays, stale), 'utf8'));
    const why = `the relay at ${url} cannot be reached (ECONNREFUSED)`;

    // The command itself: Claude's "ask" answer on stdout, the reason on stderr.
    const event = { session_id: 'e2e-direct', transcript_path: path.join(home, 'none.jsonl'), cwd: workspace, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'echo hi' }, tool_use_id: 'toolu_direct' };
    const hook = spawn(process.execPath, [HOOK_CLI, 'hook', 'claude-code'], { cwd: workspace, env: { ...process.env, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    hook.stdout.on('data', (d) => (out += d));
    hook.stderr.on('data', (d) => (err += d));
    hook.stdin.end(JSON.stringify(event));
    const [exitCode] = await once(hook, 'exit');
    assert.equal(exitCode, 0, err);
    assert.equal(err, `agent-mesh hook: ${why}; leaving the decision to the agent's own prompt\n`);
    assert.equal(JSON.parse(out).hookSpecificOutput.permissionDecision, 'ask');

    // Claude with that hook: its own prompt decides, which -p cannot show, so the call is denied with the reason.
    const command = 'echo unattended > unattended.txt';
    const claude = await startClaude(command);
    const { code, result, stderr } = await claude.run;
    assert.equal(code, 0, stderr);
    assert.equal(fs.existsSync(path.join(workspace, 'unattended.txt')), false);
    assert.deepEqual(result.permission_denials.map((d) => d.tool_name), ['Bash']);
    const [toolResult] = model.toolResults();
    assert.equal(toolResult.is_error, true);
    assert.match(JSON.stringify(toolResult.content), new RegExp(`Agent Mesh is not reachable: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
