import { strict as assert } from 'node:assert';
import type { AgentSession, TranscriptEntry } from '../../src/shared/sessions';
import { filterTranscript, formatCost, formatCount, orderSessions, toolsOf } from '../../src/webview/panels/sessionView';

const session = (id: string, status: AgentSession['status'], lastEventAt: number): AgentSession => ({
  id,
  agent: 'claude-code',
  sessionId: id,
  cwd: '/w',
  status,
  startedAt: 0,
  lastEventAt,
  counts: { toolCalls: 0, approvals: 0, denials: 0, events: 0 },
  tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  costUsd: 0,
  costApproximate: false,
  malformedLines: 0,
});

const transcript: TranscriptEntry[] = [
  { offset: 0, kind: 'message', role: 'user', text: 'Fix the flaky test' },
  { offset: 10, kind: 'thinking', characters: 120 },
  { offset: 20, kind: 'tool_use', id: 't1', tool: 'Read', input: '{"file_path":"README.md"}' },
  { offset: 30, kind: 'tool_result', toolUseId: 't1', isError: false, text: '# Readme' },
  { offset: 40, kind: 'tool_use', id: 't2', tool: 'Bash', input: '{"command":"npm test"}' },
  { offset: 50, kind: 'tool_result', toolUseId: 't2', isError: true, text: '1 failing' },
  { offset: 60, kind: 'tool_use', id: 't3', tool: 'Bash', input: '{"command":"npm test -- --grep flaky"}' },
  { offset: 70, kind: 'malformed', text: '{"type":"assistant",' },
];
const offsets = (entries: TranscriptEntry[]) => entries.map((e) => e.offset);

describe('sessions panel view', () => {
  it('formats a cost by its size, marks an approximate one and shows a missing one as a dash', () => {
    assert.equal(formatCost(0.0012345, false), '$0.0012');
    assert.equal(formatCost(0.234, false), '$0.23');
    assert.equal(formatCost(12.345, false), '$12.35');
    assert.equal(formatCost(0, false), '$0.00');
    assert.equal(formatCost(0.5, true), '≈$0.50');
    assert.equal(formatCost(null, false), '—');
  });

  it('shortens token counts', () => {
    assert.deepEqual([980, 1000, 12_400, 150_000, 1_250_000].map(formatCount), ['980', '1k', '12.4k', '150k', '1.3M']);
  });

  it('puts sessions waiting for a person on top, then running, idle and ended, the most recent first', () => {
    const ordered = orderSessions([session('a', 'idle', 5), session('b', 'running', 1), session('c', 'waiting', 0), session('d', 'running', 9), session('e', 'ended', 10)]);
    assert.deepEqual(
      ordered.map((s) => s.id),
      ['c', 'd', 'b', 'a', 'e'],
    );
  });

  it('filters tool calls by tool and by the outcome of their result', () => {
    assert.deepEqual(toolsOf(transcript), ['Bash', 'Read']);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '', tool: 'Bash', outcome: 'all' })), [40, 50, 60]);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '', tool: '', outcome: 'error' })), [40, 50]);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '', tool: '', outcome: 'ok' })), [20, 30]);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '', tool: 'Read', outcome: 'error' })), []);
  });

  it('searches text, tool inputs and malformed lines case-insensitively, and keeps everything without a filter', () => {
    assert.deepEqual(offsets(filterTranscript(transcript, { query: 'FLAKY', tool: '', outcome: 'all' })), [0, 60]);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '"type"', tool: '', outcome: 'all' })), [70]);
    assert.deepEqual(offsets(filterTranscript(transcript, { query: '  ', tool: '', outcome: 'all' })), offsets(transcript));
  });
});
