import { strict as assert } from 'node:assert';
import { defaultLogId, entriesPath, formatBytes, oneLine, toolsSeen } from '../../src/webview/logs/logView';
import type { LogEntry, LogSource } from '../../src/shared/logs';

describe('log viewer helpers', () => {
  it('builds the entries request with only the filters that are set, encoded', () => {
    assert.equal(entriesPath('0123456789abcdef', { tool: '', outcome: '', q: '' }), '/api/logs/0123456789abcdef/entries?limit=100');
    assert.equal(entriesPath('0123456789abcdef', { tool: 'Bash', outcome: 'error', q: 'a&b c' }, '10.2'), '/api/logs/0123456789abcdef/entries?limit=100&tool=Bash&outcome=error&q=a%26b+c&cursor=10.2');
  });

  it('shortens an input to one line', () => {
    assert.equal(oneLine('{"command":\n  "npm test"}'), '{"command": "npm test"}');
    assert.equal(oneLine('x'.repeat(200)).length, 121);
  });

  it('formats sizes', () => {
    assert.deepEqual([formatBytes(900), formatBytes(2048), formatBytes(5 * 1024 * 1024)], ['900 B', '2.0 KB', '5.0 MB']);
  });

  it('lists the tools seen, sorted, once each', () => {
    const entries: LogEntry[] = [
      { kind: 'tool', line: 1, offset: 0, tool: 'Read', input: '', outcome: 'ok' },
      { kind: 'malformed', line: 2, offset: 5, reason: 'json', raw: 'x' },
      { kind: 'tool', line: 3, offset: 9, tool: 'Bash', input: '', outcome: 'error' },
      { kind: 'tool', line: 4, offset: 20, tool: 'Read', input: '', outcome: 'ok' },
    ];
    assert.deepEqual(toolsSeen(entries), ['Bash', 'Read']);
  });

  describe('the log the panel opens on', () => {
    const log = (id: string, fields: Partial<LogSource>): LogSource => ({ id, name: id, format: 'claude-transcript', origin: 'directory', size: 100, modifiedAt: 0, ...fields });
    // As GET /api/logs lists them: newest first.
    const chat = log('chat', { origin: 'session', toolCalls: 0, modifiedAt: 30 });
    const summaries = log('summaries', { format: 'summary', modifiedAt: 20 });
    const calls = log('calls', { format: 'tools', modifiedAt: 10 });
    const session = log('session', { origin: 'session', toolCalls: 4, modifiedAt: 5 });

    it('is the newest log with tool calls, passing over newer transcripts without any and summaries', () => {
      assert.equal(defaultLogId([chat, summaries, calls, session]), 'calls');
      assert.equal(defaultLogId([chat, summaries, { ...session, modifiedAt: 25 }, calls]), 'session');
    });

    it('passes over an empty tools.jsonl and a transcript of unknown content', () => {
      assert.equal(defaultLogId([log('empty', { format: 'tools', size: 0 }), log('unknown', {}), session]), 'session');
    });

    it('is the newest log when none has tool calls, and nothing for no logs', () => {
      assert.equal(defaultLogId([chat, summaries]), 'chat');
      assert.equal(defaultLogId([]), '');
    });
  });
});
