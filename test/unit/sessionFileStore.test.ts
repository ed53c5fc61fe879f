import { strict as assert } from 'node:assert';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readHookEvent } from '../../src/extension/engine/hooks/adapters';
import { FileSessionStore } from '../../src/extension/engine/hooks/sessionFileStore';
import { SessionTracker } from '../../src/extension/engine/hooks/sessions';
import { silentLogger, type Logger } from '../../src/extension/engine/log';
import { makeReadOnly, makeWritable } from '../helpers/readOnly';
import { useTempDir } from '../helpers/tempDir';

const DAY_MS = 24 * 3600 * 1000;

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => warnings.push(message), error: (message: string | Error) => warnings.push(String(message)) };
}

describe('agent sessions in the file store (snapshot + append-only journal)', () => {
  const temp = useTempDir('am-session-store-');
  const snapshotFile = () => path.join(temp.dir, 'agent-sessions.jsonl');
  const journalFile = () => path.join(temp.dir, 'agent-sessions.journal.jsonl');
  let now = 1_000_000;

  const open = async (options: { logger?: Logger; compactAfterBytes?: number; retentionDays?: number; at?: number } = {}) => {
    const logger = options.logger ?? silentLogger;
    const tracker = new SessionTracker(new FileSessionStore(snapshotFile(), logger, { compactAfterBytes: options.compactAfterBytes }), logger, options.retentionDays ?? 7, () => options.at ?? now);
    await tracker.load();
    return tracker;
  };
  const toolCall = (tracker: SessionTracker, session: string, command: string) =>
    tracker.observe(readHookEvent('claude-code', { session_id: session, cwd: temp.dir, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command } }));

  beforeEach(() => (now = 1_000_000));

  it('appends one short line per event, leaves the snapshot alone, and reloads the same sessions after a restart', async () => {
    const tracker = await open();
    await tracker.flush();
    const snapshotBefore = await readFile(snapshotFile(), 'utf8');
    for (let i = 0; i < 3; i++) toolCall(tracker, 's1', `echo ${i}`);
    await tracker.flush();
    assert.equal(await readFile(snapshotFile(), 'utf8'), snapshotBefore, 'an event does not rewrite the snapshot');
    const lines = (await readFile(journalFile(), 'utf8')).split('\n').filter(Boolean);
    assert.equal(lines.length, 3);
    for (const line of lines) assert.ok(line.length < 2000, `a journal line of ${line.length} bytes`);
    await tracker.close();

    const reloaded = await open();
    assert.deepEqual(reloaded.list(), tracker.list());
    assert.deepEqual(reloaded.eventsOf('claude-code:s1'), tracker.eventsOf('claude-code:s1'));
    assert.equal(reloaded.get('claude-code:s1').counts.toolCalls, 3);
    await reloaded.close();
  });

  it('ignores and reports a torn last line (a crash mid-append), then keeps appending after it', async () => {
    const tracker = await open();
    toolCall(tracker, 's1', 'ls');
    toolCall(tracker, 's1', 'pwd');
    await tracker.close();
    await appendFile(journalFile(), '{"seq":3,"session":{"id":"claude-code:s1","agent":"cla');

    const logger = recordingLogger();
    const afterCrash = await open({ logger });
    assert.equal(afterCrash.get('claude-code:s1').counts.toolCalls, 2);
    assert.equal(logger.warnings.filter((w) => /torn last line/.test(w)).length, 1, logger.warnings.join('\n'));
    toolCall(afterCrash, 's1', 'whoami');
    await afterCrash.close();

    const quietLogger = recordingLogger();
    const again = await open({ logger: quietLogger });
    assert.deepEqual(
      again.eventsOf('claude-code:s1').map((e) => e.tool),
      ['Bash', 'Bash', 'Bash'],
    );
    assert.equal(again.get('claude-code:s1').counts.toolCalls, 3);
    assert.deepEqual(quietLogger.warnings, []);
    await again.close();
  });

  it('skips and reports a damaged line in the middle of the journal without losing the lines after it', async () => {
    const tracker = await open();
    toolCall(tracker, 's1', 'ls');
    await tracker.close();
    await appendFile(journalFile(), 'not json\n{"seq":99,"removed":["claude-code:s1"]}\n');
    const logger = recordingLogger();
    const later = await open({ logger });
    assert.equal(logger.warnings.filter((w) => /line 2\b/.test(w)).length, 1, logger.warnings.join('\n'));
    assert.deepEqual(later.list(), [], 'the line after the damaged one is applied');
    toolCall(later, 's1', 'ls');
    toolCall(later, 's2', 'pwd');
    await later.close();
    const reloaded = await open();
    assert.deepEqual(reloaded.list().map((s) => s.id).sort(), ['claude-code:s1', 'claude-code:s2']);
    await reloaded.close();
  });

  it('folds the journal into the snapshot once it grows, losing nothing and counting nothing twice', async () => {
    const tracker = await open({ compactAfterBytes: 4000 });
    for (let i = 0; i < 60; i++) toolCall(tracker, `s${i % 3}`, `echo ${i}`);
    await tracker.flush();
    assert.ok((await stat(journalFile())).size < 4000 + 2000, `journal of ${(await stat(journalFile())).size} bytes was not compacted`);
    await tracker.close();
    const reloaded = await open();
    assert.deepEqual(reloaded.list().map((s) => [s.id, s.counts.toolCalls]), tracker.list().map((s) => [s.id, s.counts.toolCalls]));
    assert.deepEqual(reloaded.eventsOf('claude-code:s0'), tracker.eventsOf('claude-code:s0'));
    await reloaded.close();
  });

  it('replays nothing twice when the journal still holds lines the snapshot already has (crash before truncation)', async () => {
    const tracker = await open({ compactAfterBytes: 1_000_000 });
    for (let i = 0; i < 5; i++) toolCall(tracker, 's1', `echo ${i}`);
    await tracker.flush();
    const oldLines = await readFile(journalFile(), 'utf8');
    await tracker.close();
    // The next start folds those 5 lines into its snapshot and empties the journal; put them back as if it had crashed before emptying it.
    const second = await open();
    await second.close();
    await writeFile(journalFile(), oldLines);
    const third = await open();
    assert.equal(third.eventsOf('claude-code:s1').length, 5);
    assert.equal(third.get('claude-code:s1').counts.events, 5);
    await third.close();
  });

  it('reports a folder that refuses writes, and writes everything it missed once the folder takes writes again', async () => {
    const tracker = await open({ compactAfterBytes: 1 });
    try {
      makeReadOnly(temp.dir);
      toolCall(tracker, 's1', 'ls');
      await tracker.flush();
      assert.match(tracker.problem ?? '', /^agent sessions store: cannot write /);
    } finally {
      makeWritable(temp.dir);
    }
    toolCall(tracker, 's1', 'pwd');
    await tracker.flush();
    assert.equal(tracker.problem, undefined);
    await tracker.close();
    const reloaded = await open();
    assert.equal(reloaded.eventsOf('claude-code:s1').length, 2);
    await reloaded.close();
  });

  it('drops sessions past the retention at load, and keeps them gone after the next restart', async () => {
    const tracker = await open();
    toolCall(tracker, 'old', 'ls');
    now += 5 * DAY_MS;
    toolCall(tracker, 'recent', 'ls');
    await tracker.close();
    const later = await open({ retentionDays: 3, at: now + DAY_MS });
    assert.deepEqual(later.list().map((s) => s.id), ['claude-code:recent']);
    await later.close();
    const withLongerRetention = await open({ retentionDays: 30, at: now + DAY_MS });
    assert.deepEqual(withLongerRetention.list().map((s) => s.id), ['claude-code:recent'], 'a pruned session does not come back');
    await withLongerRetention.close();
  });

  it("keeps a session's latest context and failed tool results across restarts, from the journal and from the snapshot", async () => {
    const transcript = path.join(temp.dir, 'failing.jsonl');
    const usage = { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 170_000, cache_creation_input_tokens: 1_000 };
    await writeFile(
      transcript,
      `${JSON.stringify({ type: 'assistant', message: { id: 'msg_1', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'make' } }], usage } })}\n` +
        `${JSON.stringify({ type: 'user', timestamp: '2026-11-30T12:00:00.000Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'exit 2', is_error: true }] } })}\n`,
    );
    for (const compactAfterBytes of [undefined, 1]) {
      const tracker = await open({ compactAfterBytes });
      tracker.observe(readHookEvent('claude-code', { session_id: 'ctx', cwd: temp.dir, transcript_path: transcript, hook_event_name: 'Stop' }));
      await tracker.settled();
      const session = tracker.get('claude-code:ctx');
      assert.deepEqual(session.context, { tokens: 171_020, window: 200_000 });
      assert.deepEqual(session.toolFailures, [{ tool: 'Bash', at: Date.parse('2026-11-30T12:00:00.000Z') }]);
      await tracker.close();
      const reloaded = await open({ compactAfterBytes });
      assert.deepEqual(reloaded.get('claude-code:ctx'), session);
      await reloaded.close();
    }
  });

  it('reads the sessions a previous version kept in agent-sessions.json, then moves them into the journal store', async () => {
    const legacy = path.join(temp.dir, 'agent-sessions.json');
    const session = {
      id: 'claude-code:legacy', agent: 'claude-code', sessionId: 'legacy', cwd: temp.dir, status: 'idle', startedAt: now, lastEventAt: now,
      counts: { toolCalls: 1, approvals: 0, denials: 0, events: 1 }, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, costUsd: 0, costApproximate: false, malformedLines: 0,
    };
    await writeFile(legacy, JSON.stringify({ sessions: [session], events: { 'claude-code:legacy': [{ at: now, name: 'PreToolUse', tool: 'Bash' }] } }));
    const tracker = await open();
    assert.deepEqual(tracker.get('claude-code:legacy'), session);
    assert.equal(tracker.eventsOf('claude-code:legacy').length, 1);
    await tracker.close();
    await assert.rejects(stat(legacy), { code: 'ENOENT' });
    const reloaded = await open();
    assert.deepEqual(reloaded.get('claude-code:legacy'), session);
    await reloaded.close();
  });
});
