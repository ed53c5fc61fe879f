import { strict as assert } from 'node:assert';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readHookEvent } from '../../src/extension/engine/hooks/adapters';
import { FileSessionStore } from '../../src/extension/engine/hooks/sessionFileStore';
import { SessionTracker } from '../../src/extension/engine/hooks/sessions';
import { MAX_TOOL_FAILURES, readTranscriptPage, TranscriptTail } from '../../src/extension/engine/hooks/transcript';
import { silentLogger } from '../../src/extension/engine/log';
import { useTempDir } from '../helpers/tempDir';

/** One API response as Claude Code writes it: one line per content block, repeating id and usage. */
function response(id: string, blocks: unknown[], usage = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 }): string {
  return blocks.map((block) => JSON.stringify({ type: 'assistant', message: { id, model: 'claude-sonnet-4-5', role: 'assistant', content: [block], usage } }) + '\n').join('');
}

describe('Claude Code transcript', () => {
  const temp = useTempDir('am-transcript-');

  it('counts each message id once, however many lines repeat it', async () => {
    const file = path.join(temp.dir, 't.jsonl');
    await writeFile(file, response('msg_1', [{ type: 'thinking', thinking: 'hm' }, { type: 'text', text: 'hi' }, { type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'ls' } }]) + response('msg_2', [{ type: 'text', text: 'done' }]));
    const tail = new TranscriptTail(file);
    await tail.readNew();
    assert.deepEqual(tail.tokens, { input: 20, output: 10, cacheRead: 200, cacheWrite: 40 });
    assert.equal(tail.model, 'claude-sonnet-4-5');
    await tail.readNew();
    assert.deepEqual(tail.tokens, { input: 20, output: 10, cacheRead: 200, cacheWrite: 40 }, 'nothing new, nothing counted twice');
  });

  it('prices each response by its own model from the price table, and counts the responses of unknown models apart', async () => {
    const file = path.join(temp.dir, 't.jsonl');
    const usage = { input_tokens: 100_000, output_tokens: 100_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const line = (id: string, model: string) => JSON.stringify({ type: 'assistant', message: { id, model, content: [{ type: 'text', text: id }], usage } }) + '\n';
    // Per million tokens (prompts under Sonnet's 200k long-context tier): Sonnet 4.5 $3 in / $15 out; Haiku 4.5 $1 in / $5 out.
    await writeFile(file, line('msg_1', 'claude-sonnet-4-5-20250929') + line('msg_1', 'claude-sonnet-4-5-20250929') + line('msg_2', 'claude-haiku-4-5-20251001'));
    const tail = new TranscriptTail(file);
    await tail.readNew();
    assert.ok(Math.abs(tail.costUsd - (0.3 + 1.5 + 0.1 + 0.5)) < 1e-9, `cost ${tail.costUsd}`);
    assert.deepEqual([tail.pricedResponses, tail.unpricedResponses], [2, 0]);
    await appendFile(file, line('msg_3', 'a-model-no-table-knows'));
    await tail.readNew();
    assert.ok(Math.abs(tail.costUsd - 2.4) < 1e-9, 'an unknown model adds no guessed cost');
    assert.deepEqual([tail.pricedResponses, tail.unpricedResponses], [2, 1]);
  });

  it('leaves a partial last line for the next read and counts malformed lines without stopping', async () => {
    const file = path.join(temp.dir, 't.jsonl');
    const line = response('msg_1', [{ type: 'text', text: 'hi' }]);
    await writeFile(file, `not json at all\n${line.slice(0, 40)}`);
    const tail = new TranscriptTail(file);
    await tail.readNew();
    assert.equal(tail.malformedLines, 1);
    assert.equal(tail.tokens.input, 0);
    await appendFile(file, line.slice(40));
    await tail.readNew();
    assert.equal(tail.tokens.input, 10);
    assert.equal(tail.malformedLines, 1);
  });

  it('reads a 50 MB transcript incrementally, in bounded chunks, to the same totals', async () => {
    const file = path.join(temp.dir, 'big.jsonl');
    const filler = 'x'.repeat(5000);
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(response(`msg_${i}`, [{ type: 'text', text: filler }, { type: 'text', text: 'and' }]));
    await writeFile(file, lines.join(''));
    const tail = new TranscriptTail(file);
    await tail.readNew();
    assert.ok(tail.offset > 50_000_000);
    assert.deepEqual(tail.tokens, { input: 100_000, output: 50_000, cacheRead: 1_000_000, cacheWrite: 200_000 });
    await appendFile(file, response('msg_new', [{ type: 'text', text: 'more' }]));
    await tail.readNew();
    assert.equal(tail.tokens.input, 100_010);
  });

  it("keeps the latest response's context (input, cache read and cache write) against its model's context window", async () => {
    const file = path.join(temp.dir, 't.jsonl');
    const usage = (input: number, cacheRead: number, cacheWrite: number) => ({ input_tokens: input, output_tokens: 900, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite });
    await writeFile(file, response('msg_1', [{ type: 'text', text: 'a' }], usage(10, 50_000, 2_000)) + response('msg_2', [{ type: 'text', text: 'b' }, { type: 'text', text: 'c' }], usage(5, 150_000, 7_000)));
    const tail = new TranscriptTail(file);
    await tail.readNew();
    assert.deepEqual(tail.context, { tokens: 157_005, window: 200_000 }, 'the last response, not the session total; the window from the price table');
    const sidechain = JSON.stringify({ type: 'assistant', isSidechain: true, message: { id: 'msg_sub', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 's' }], usage: usage(1, 10, 0) } });
    const unknownModel = JSON.stringify({ type: 'assistant', message: { id: 'msg_3', model: 'a-model-no-table-knows', content: [{ type: 'text', text: 'd' }], usage: usage(1, 2, 3) } });
    await appendFile(file, `${sidechain}\n`);
    await tail.readNew();
    assert.deepEqual(tail.context, { tokens: 157_005, window: 200_000 }, 'a sidechain response (a delegated task) has its own context');
    const synthetic = JSON.stringify({ type: 'assistant', message: { id: 'msg_err', model: '<synthetic>', content: [{ type: 'text', text: 'API Error' }], usage: usage(0, 0, 0) } });
    await appendFile(file, `${synthetic}\n`);
    await tail.readNew();
    assert.deepEqual(tail.context, { tokens: 157_005, window: 200_000 }, 'a message Claude Code wrote itself (no tokens sent) is no context');
    await appendFile(file, `${unknownModel}\n`);
    await tail.readNew();
    assert.deepEqual(tail.context, { tokens: 6 }, 'no window for a model no table knows');
  });

  it('records failed tool results with the tool of their call and the time of their line, the latest ones only', async () => {
    const file = path.join(temp.dir, 't.jsonl');
    const result = (id: string, isError: boolean, timestamp?: string) =>
      `${JSON.stringify({ type: 'user', ...(timestamp ? { timestamp } : {}), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'exit 1', is_error: isError }] } })}\n`;
    await writeFile(
      file,
      response('msg_1', [{ type: 'text', text: 'try' }, { type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'make' } }, { type: 'tool_use', id: 'tu2', name: 'Read', input: {} }]) +
        result('tu1', true, '2026-11-30T12:00:00.000Z') +
        result('tu2', false, '2026-11-30T12:00:01.000Z') +
        result('tu-unknown', true, '2026-11-30T12:00:02.000Z'),
    );
    const tail = new TranscriptTail(file, () => 42);
    await tail.readNew();
    assert.deepEqual(tail.toolFailures, [
      { tool: 'Bash', at: Date.parse('2026-11-30T12:00:00.000Z') },
      { tool: 'unknown tool', at: Date.parse('2026-11-30T12:00:02.000Z') },
    ]);
    let more = '';
    for (let i = 0; i < MAX_TOOL_FAILURES + 3; i++) more += response(`msg_r${i}`, [{ type: 'tool_use', id: `r${i}`, name: 'Edit', input: {} }]) + result(`r${i}`, true);
    await appendFile(file, more);
    await tail.readNew();
    assert.equal(tail.toolFailures.length, MAX_TOOL_FAILURES);
    assert.deepEqual(tail.toolFailures.at(-1), { tool: 'Edit', at: 42 }, 'a line without a time: the time it was read');
  });

  it('pages entries: messages, tool calls with inputs and results, thinking collapsed, malformed lines kept', async () => {
    const file = path.join(temp.dir, 't.jsonl');
    const toolResult = JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'a.txt', is_error: false }] } });
    await writeFile(file, response('msg_1', [{ type: 'thinking', thinking: 'secret plan' }, { type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'ls' } }]) + `{broken\n${toolResult}\n{"type":"summary","summary":"s"}\n`);
    const first = await readTranscriptPage(file, 0, 2);
    assert.deepEqual(
      first.entries.map((e) => e.kind),
      ['thinking', 'tool_use'],
    );
    assert.deepEqual(first.entries[0], { kind: 'thinking', offset: 0, characters: 11 });
    assert.equal(first.entries[1].kind === 'tool_use' && first.entries[1].input, '{"command":"ls"}');
    const rest = await readTranscriptPage(file, first.nextCursor!);
    assert.deepEqual(
      rest.entries.map((e) => e.kind),
      ['malformed', 'tool_result', 'other'],
    );
    assert.equal(rest.entries[0].kind === 'malformed' && rest.entries[0].text, '{broken');
    assert.equal(rest.nextCursor, undefined);
  });
});

describe('agent sessions', () => {
  const temp = useTempDir('am-sessions-');

  it('follows status, current tool, counts and transcript tokens; keeps them across a restart within the retention', async () => {
    const transcript = path.join(temp.dir, 's.jsonl');
    await writeFile(transcript, response('msg_1', [{ type: 'text', text: 'hi' }]));
    let now = 1_000_000;
    const file = path.join(temp.dir, 'agent-sessions.jsonl');
    const tracker = new SessionTracker(new FileSessionStore(file, silentLogger), silentLogger, 7, () => now);
    const base = { session_id: 's1', cwd: temp.dir, transcript_path: transcript };
    tracker.observe(readHookEvent('claude-code', { ...base, hook_event_name: 'SessionStart', source: 'startup' }));
    const pre = readHookEvent('claude-code', { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf x' } });
    tracker.observe(pre);
    tracker.waiting(pre);
    assert.equal(tracker.get('claude-code:s1').status, 'waiting');
    assert.equal(tracker.get('claude-code:s1').currentTool, 'Bash');
    tracker.decided(pre, { permission: 'deny', reason: 'no' });
    now += 1000;
    tracker.observe(readHookEvent('claude-code', { ...base, hook_event_name: 'Stop' }));
    await tracker.settled();
    const session = tracker.get('claude-code:s1');
    assert.equal(session.status, 'idle');
    assert.equal(session.currentTool, undefined);
    assert.deepEqual(session.counts, { toolCalls: 1, approvals: 0, denials: 1, events: 3 });
    assert.deepEqual(session.tokens, { input: 10, output: 5, cacheRead: 100, cacheWrite: 20 });
    assert.equal(session.model, 'claude-sonnet-4-5');
    // Sonnet 4.5 per million tokens: $3 input, $15 output, $0.30 cache read, $3.75 cache write.
    assert.ok(Math.abs(session.costUsd! - (10 * 3 + 5 * 15 + 100 * 0.3 + 20 * 3.75) / 1e6) < 1e-12, `cost ${session.costUsd}`);
    assert.equal(session.costApproximate, false);
    assert.deepEqual(
      tracker.eventsOf('claude-code:s1').map((e) => [e.name, e.permission]),
      [['SessionStart', undefined], ['PreToolUse', undefined], ['decision', 'deny'], ['Stop', undefined]],
    );
    await tracker.flush();

    const reloaded = new SessionTracker(new FileSessionStore(file, silentLogger), silentLogger, 7, () => now + 6 * 24 * 3600 * 1000);
    await reloaded.load();
    assert.equal(reloaded.list().length, 1);
    assert.equal(reloaded.eventsOf('claude-code:s1').length, 4);
    const expired = new SessionTracker(new FileSessionStore(file, silentLogger), silentLogger, 7, () => now + 8 * 24 * 3600 * 1000);
    await expired.load();
    assert.deepEqual(expired.list(), []);
  });
});
