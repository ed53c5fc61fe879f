import type { AgentSession } from '../../src/shared/sessions';

/** An idle Claude Code session with a dollar of cost, its last event at 09:00 UTC on 30 November 2026. */
export function agentSession(id: string, fields: Partial<AgentSession>): AgentSession {
  return {
    id,
    agent: 'claude-code',
    sessionId: id,
    cwd: '/tmp',
    status: 'idle',
    startedAt: Date.parse('2026-11-30T08:00:00Z'),
    lastEventAt: Date.parse('2026-11-30T09:00:00Z'),
    counts: { toolCalls: 0, approvals: 0, denials: 0, events: 1 },
    tokens: { input: 100, output: 10, cacheRead: 1000, cacheWrite: 50 },
    costUsd: 1,
    costApproximate: false,
    malformedLines: 0,
    ...fields,
  };
}
