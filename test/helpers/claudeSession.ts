// A Claude Code session fed to a running relay as Claude Code would: a transcript with one assistant
// response carrying usage, and the session's hook events naming that transcript.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentSession } from '../../src/shared/sessions';
import { waitFor } from './net';
import type { RelayResponse } from './serveFixture';

type Call = (method: string, route: string, body?: unknown) => Promise<RelayResponse>;

/** Writes `<sessionId>.jsonl` in `workspace`, posts SessionStart and PreToolUse, and waits until the relay has read its tokens. */
export async function claudeSession(call: Call, workspace: string, sessionId: string, model: string, usage: Record<string, number>): Promise<AgentSession> {
  const transcript = path.join(workspace, `${sessionId}.jsonl`);
  await writeFile(transcript, `${JSON.stringify({ type: 'assistant', message: { id: `msg-${sessionId}`, model, content: [{ type: 'text', text: 'hi' }], usage } })}\n`);
  const event = { session_id: sessionId, transcript_path: transcript, cwd: workspace };
  await call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'SessionStart', source: 'startup' });
  await call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: 'README.md' } });
  return waitFor(`tokens of ${sessionId}`, async () => {
    const { body } = await call('GET', `/api/sessions/claude-code%3A${sessionId}`);
    return (body as AgentSession).tokens.input > 0 ? (body as AgentSession) : undefined;
  });
}
