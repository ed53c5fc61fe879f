import { strict as assert } from 'node:assert';
import { sessionsStatusText, sessionSummary, sessionUsage, transcriptMarkdown } from '../../src/extension/engine/hooks/sessionText';
import type { AgentSession } from '../../src/shared/sessions';

const session = (over: Partial<AgentSession> = {}): AgentSession => ({
  id: 'claude-code:s1',
  agent: 'claude-code',
  sessionId: 's1',
  cwd: '/home/dev/shop/api',
  status: 'running',
  startedAt: 0,
  lastEventAt: 0,
  counts: { toolCalls: 0, approvals: 0, denials: 0, events: 0 },
  tokens: { input: 1200, output: 300, cacheRead: 10_000, cacheWrite: 0 },
  costUsd: null,
  costApproximate: false,
  malformedLines: 0,
  ...over,
});

describe('how an agent session reads in VS Code', () => {
  it('summarises agent · folder and status · tokens · cost, with ≈ when part of the cost is unknown', () => {
    assert.deepEqual(sessionSummary(session()), { label: 'Claude Code · api/', description: 'running · 11.5k tokens' });
    assert.equal(sessionSummary(session({ costUsd: 0.4234 })).description, 'running · 11.5k tokens · $0.42');
    assert.equal(sessionSummary(session({ costUsd: 0.4234, costApproximate: true, status: 'waiting' })).description, 'waiting · 11.5k tokens · ≈$0.42');
    assert.equal(sessionSummary(session({ tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } })).description, 'running');
  });

  it('shows a cost under a cent with four decimals, as the dashboard does, rather than as $0.00', () => {
    assert.equal(sessionSummary(session({ costUsd: 0.001293 })).description, 'running · 11.5k tokens · $0.0013');
    assert.equal(sessionSummary(session({ costUsd: 0.001293, costApproximate: true })).description, 'running · 11.5k tokens · ≈$0.0013');
  });

  it('breaks the tokens down by kind, with the cost and the model, for the row under a session', () => {
    assert.deepEqual(sessionUsage(session({ costUsd: 0.001293, model: 'claude-sonnet-4-5' })), {
      label: '1.2k in · 300 out · 10k cache read · 0 cache write',
      description: '$0.0013 · claude-sonnet-4-5',
    });
    assert.deepEqual(sessionUsage(session()), { label: '1.2k in · 300 out · 10k cache read · 0 cache write', description: '' });
    assert.equal(sessionUsage(session({ tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } })), undefined);
    assert.equal(sessionUsage(session({ model: 'claude-sonnet-4-5', context: { tokens: 170_000, window: 200_000 } }))?.description, 'claude-sonnet-4-5 · 85 % of the context window', 'the latest response against the window');
    assert.equal(sessionUsage(session({ context: { tokens: 170_000 } }))?.description, '', 'no share without a known window');
  });

  it('counts live sessions and those waiting for a person for the status bar', () => {
    assert.equal(sessionsStatusText([]), undefined);
    assert.equal(sessionsStatusText([session({ status: 'ended' })]), undefined);
    assert.equal(sessionsStatusText([session(), session({ status: 'waiting' }), session({ status: 'ended' })]), '2 agents · 1 waiting for you');
    assert.equal(sessionsStatusText([session({ status: 'idle' })]), '1 agent');
  });

  it('fences what the agent and tools wrote, so a transcript cannot close its fence or render markdown', () => {
    const text = transcriptMarkdown(
      session(),
      [
        { kind: 'message', offset: 0, role: 'user', text: 'run ```\n# not a heading\n``` please' },
        { kind: 'tool_use', offset: 1, id: 't', tool: 'Bash', input: '{"command":"ls"}' },
        { kind: 'tool_result', offset: 2, toolUseId: 't', isError: true, text: 'denied' },
        { kind: 'thinking', offset: 3, characters: 42 },
        { kind: 'malformed', offset: 4, text: '{oops' },
      ],
      true,
    );
    assert.ok(text.startsWith('# Claude Code · api/\n'));
    assert.ok(text.includes('````\nrun ```\n# not a heading\n``` please\n````'));
    assert.ok(text.includes('**Tool call** `Bash`\n\n```json\n{"command":"ls"}\n```'));
    assert.ok(text.includes('**Tool result** (error)'));
    assert.ok(text.includes('*thinking (42 characters)*'));
    assert.ok(text.includes('the rest of the transcript is not shown'));
  });
});
