import { strict as assert } from 'node:assert';
import { entriesPath, formatBytes, oneLine, toolsSeen } from '../../src/webview/logs/logView';
import type { LogEntry } from '../../src/shared/logs';

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
});
