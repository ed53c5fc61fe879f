// The dashboard's sessions panel in a real browser: headless Chromium on the dashboard that
// `agent-mesh serve` (dist/cli.js) serves; Claude Code hook events posted to POST /api/hooks/claude-code
// and a Claude Code-format transcript written on disk, as a real session would. No code-server.
// Run alone: npx mocha --timeout 60000 test/e2e/sessions.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { SCREENSHOTS_DIR } from './harness.mjs';

/** Tool calls in the long transcript: with their results and replies, more than one page (200 entries). */
const ROUNDS = 90;
const MODEL = 'claude-sonnet-4-5';

/**
 * A Claude Code transcript: a prompt, then per round one response written as three lines (thinking,
 * text, tool_use) repeating its message id and usage, and the tool's result; every tenth Bash call
 * fails. One line is not JSON. Returns the lines and the tokens counted once per message id.
 */
function transcriptLines(sessionId, cwd) {
  const lines = [];
  const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const at = (i) => new Date(Date.UTC(2026, 10, 30, 9, 0, i)).toISOString();
  const base = { sessionId, cwd, isSidechain: false };
  lines.push(JSON.stringify({ ...base, type: 'user', timestamp: at(0), message: { role: 'user', content: 'Make the migration test reliable.' } }));
  for (let round = 0; round < ROUNDS; round += 1) {
    const usage = { input_tokens: 1000 + round, output_tokens: 50, cache_read_input_tokens: 2000, cache_creation_input_tokens: round === 0 ? 8000 : 0 };
    tokens.input += usage.input_tokens;
    tokens.output += usage.output_tokens;
    tokens.cacheRead += usage.cache_read_input_tokens;
    tokens.cacheWrite += usage.cache_creation_input_tokens;
    const bash = round % 3 === 1;
    const toolUseId = `toolu_${round}`;
    const input = bash ? { command: `npm test -- --grep case-${round}`, description: 'run one case' } : { file_path: `${cwd}/src/case-${round}.ts` };
    const blocks = [
      ...(round === 0 ? [{ type: 'thinking', thinking: 'The test depends on wall-clock time.', signature: 's' }] : []),
      { type: 'text', text: bash ? `Running case ${round}.` : `Reading case ${round}.` },
      { type: 'tool_use', id: toolUseId, name: bash ? 'Bash' : 'Read', input },
    ];
    for (const block of blocks) {
      lines.push(JSON.stringify({ ...base, type: 'assistant', timestamp: at(round + 1), message: { id: `msg_${round}`, type: 'message', role: 'assistant', model: MODEL, content: [block], usage } }));
    }
    const failed = bash && round % 10 === 1;
    const result = failed ? `case-${round} failed: expected 3 rows, got 2` : `case-${round} ok`;
    lines.push(JSON.stringify({ ...base, type: 'user', timestamp: at(round + 1), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: result, is_error: failed }] } }));
    if (round === 5) lines.push('{"type":"assistant","message":{"id":"msg_cut"');
  }
  return { lines, tokens };
}

describe('dashboard sessions panel in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'sessions', viewport: { width: 1100, height: 1000 } });
  const { api } = dashboard;
  let page;
  let tempDir;
  let workspace;

  const hook = (sessionId, transcriptPath, event) =>
    api('POST', '/api/hooks/claude-code', { session_id: sessionId, transcript_path: transcriptPath, cwd: workspace, permission_mode: 'default', ...event });

  before(async function () {
    ({ page, tempDir, workspace } = dashboard);
    await visible(page.getByTestId('panel-sessions').getByText('No agent sessions yet.', { exact: false }));
  });

  it('shows each session with its status, tokens and cost, the one waiting for you on top, and pages and filters its transcript', async function () {
    // A finished session: its hooks and a long transcript.
    const doneId = 'b7e1c2d4-0000-4000-8000-000000000001';
    const donePath = path.join(tempDir, `${doneId}.jsonl`);
    const { lines, tokens } = transcriptLines(doneId, workspace);
    await fsp.writeFile(donePath, `${lines.join('\n')}\n`);
    assert.equal((await hook(doneId, donePath, { hook_event_name: 'SessionStart', source: 'startup' })).status, 200);
    const read = await hook(doneId, donePath, { hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: `${workspace}/README.md` }, tool_use_id: 'toolu_r' });
    assert.equal(read.body.hookSpecificOutput.permissionDecision, 'allow', 'a read-only tool inside the workspace is allowed by the policy');
    await hook(doneId, donePath, { hook_event_name: 'PostToolUse', tool_name: 'Read', tool_input: { file_path: `${workspace}/README.md` }, tool_use_id: 'toolu_r', tool_response: {} });
    await hook(doneId, donePath, { hook_event_name: 'Stop', stop_hook_active: false });

    // A second session whose shell command waits for a person.
    const waitingId = 'b7e1c2d4-0000-4000-8000-000000000002';
    const waitingPath = path.join(tempDir, `${waitingId}.jsonl`);
    await fsp.writeFile(waitingPath, '');
    await hook(waitingId, waitingPath, { hook_event_name: 'SessionStart', source: 'startup' });
    const publish = hook(waitingId, waitingPath, { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'npm publish' }, tool_use_id: 'toolu_p' });

    const panel = page.getByTestId('panel-sessions');
    const rows = panel.locator('article.session');
    const waitingRow = panel.getByTestId(`session-claude-code:${waitingId}`);
    const doneRow = panel.getByTestId(`session-claude-code:${doneId}`);
    await visible(waitingRow.getByTestId('session-status').getByText('waiting for you', { exact: true }));
    await visible(panel.getByText('· 1 waiting for you'));
    assert.equal(await rows.first().getAttribute('data-testid'), `session-claude-code:${waitingId}`, 'the session waiting for you is on top');
    await visible(waitingRow.getByText('Bash', { exact: true }));

    await visible(doneRow.getByTestId('session-status').getByText('idle', { exact: true }));
    const session = (await api('GET', `/api/sessions/${encodeURIComponent(`claude-code:${doneId}`)}`)).body;
    assert.deepEqual(session.tokens, tokens, 'each message id counted once');
    assert.ok(session.costUsd > 0, `priced by model: ${session.costUsd}`);
    const cost = `$${session.costUsd.toFixed(session.costUsd < 0.01 ? 4 : 2)}`;
    await visible(doneRow.getByTestId('session-cost').getByText(cost, { exact: true }));
    const k = (n) => `${(n / 1000).toFixed(n < 100_000 ? 1 : 0).replace(/\.0$/, '')}k`;
    assert.equal(
      (await doneRow.getByTestId('session-tokens').textContent()).trim(),
      `${k(tokens.input)} in · ${tokens.output >= 1000 ? k(tokens.output) : tokens.output} out · ${k(tokens.cacheRead)} cache read · ${k(tokens.cacheWrite)} cache write`,
    );
    await visible(doneRow.getByText('2 tool calls · 1 allowed · 0 denied', { exact: false }).or(doneRow.getByText('1 tool call · 1 allowed · 0 denied', { exact: false })));
    await visible(doneRow.getByText('1 malformed transcript line', { exact: true }));

    // The transcript: first page, then "Load more" until the end.
    const toggle = doneRow.getByRole('button', { name: /Show the transcript/ });
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await doneRow.getByRole('button', { name: /Hide the transcript/ }).getAttribute('aria-expanded'), 'true');
    const count = doneRow.getByTestId('transcript-count');
    await visible(count.getByText('200 of 200 entries loaded so far', { exact: true }));
    const total = 1 + ROUNDS * 3 + 1 + 1; // the prompt, per round (text, tool_use, result), the thinking, the malformed line
    await doneRow.getByRole('button', { name: 'Load the next page of the transcript' }).click();
    await visible(count.getByText(`${total} of ${total} entries`, { exact: true }));
    assert.equal(await doneRow.getByRole('button', { name: 'Load the next page of the transcript' }).count(), 0, 'no more pages');
    await visible(doneRow.getByText('Malformed line'));
    await visible(doneRow.locator('details.entry-thinking:not([open]) > summary', { hasText: 'Thinking (36 characters)' }));

    // Filters: Bash calls that failed, then a search.
    const failedCases = [...Array(ROUNDS).keys()].filter((r) => r % 3 === 1 && r % 10 === 1);
    await doneRow.getByTestId('transcript-tool').selectOption('Bash');
    await doneRow.getByTestId('transcript-outcome').selectOption('error');
    await visible(count.getByText(`${failedCases.length * 2} of ${total} entries`, { exact: true }));
    const shown = await doneRow.getByTestId('transcript-entries').locator('li').allTextContents();
    assert.ok(shown.every((text) => /Tool call\s*Bash|Result\s*error/.test(text)), shown.join('\n'));
    await doneRow.getByTestId('transcript-outcome').selectOption('all');
    await doneRow.getByTestId('transcript-tool').selectOption('');
    await doneRow.getByTestId('transcript-search').fill('case-31 failed');
    await visible(count.getByText(`1 of ${total} entries`, { exact: true }));
    await visible(doneRow.getByText('case-31 failed: expected 3 rows, got 2'));
    await doneRow.getByTestId('transcript-search').fill('');

    // Read to the end, the open transcript follows the session: a new prompt and answer show up with the next event.
    const more = [
      { type: 'user', sessionId: doneId, timestamp: new Date().toISOString(), message: { role: 'user', content: 'Now run the whole suite.' } },
      { type: 'assistant', sessionId: doneId, timestamp: new Date().toISOString(), message: { id: 'msg_more', type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: 'All 90 cases pass.' }], usage: { input_tokens: 10, output_tokens: 5 } } },
    ];
    await fsp.appendFile(donePath, more.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await hook(doneId, donePath, { hook_event_name: 'UserPromptSubmit', prompt: 'Now run the whole suite.' });
    await hook(doneId, donePath, { hook_event_name: 'Stop', stop_hook_active: false });
    await visible(count.getByText(`${total + 2} of ${total + 2} entries`, { exact: true }));
    await visible(doneRow.getByText('All 90 cases pass.'));
    await doneRow.getByTestId('transcript-tool').selectOption('Bash');
    await doneRow.getByTestId('transcript-outcome').selectOption('error');

    await page.mouse.move(0, 0);
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'sessions-panel.png') });

    // The person rejects the waiting command: the agent is told, the session runs again.
    const pending = (await api('GET', '/api/approvals?status=pending')).body;
    assert.equal(pending.length, 1);
    await api('POST', `/api/approvals/${pending[0].id}/decision`, { decision: 'reject', comment: 'not from a demo session', by: 'e2e' });
    assert.equal((await publish).body.hookSpecificOutput.permissionDecision, 'deny');
    await visible(waitingRow.getByTestId('session-status').getByText('running', { exact: true }));
    await visible(waitingRow.getByText('0 allowed · 1 denied', { exact: false }));
  });
});
