import { strict as assert } from 'node:assert';
import path from 'node:path';
import { runDemoAgents } from '../../demo/lib/activity';
import type { Approval } from '../../src/shared/approvals';
import type { LogPage, LogSource } from '../../src/shared/logs';
import type { AgentSession } from '../../src/shared/sessions';
import type { Task } from '../../src/shared/tasks';
import { useServe } from '../helpers/serveFixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('demo agents against agent-mesh serve', function () {
  this.timeout(90_000);
  const relay = useServe({ prefix: 'agent-mesh-demo-agents-', config: { 'agentMesh.logs.directories': ['.agent-mesh/logs'] } });

  it('produce within a minute an approval of each level, a task with progress, widgets and a coding session with a cost that finishes once its shell command is approved, and agent logs', async () => {
    const stop = new AbortController();
    const running = runDemoAgents({
      url: relay.serve.url,
      token: relay.token,
      workspace: relay.workspace,
      dataDir: path.join(relay.workspace, '.agent-mesh'),
      intervalMs: 2000,
      signal: stop.signal,
    });
    const deadline = Date.now() + 60_000;
    const missing = new Set(['auto', 'quick', 'full', 'task progress', 'widgets', 'session cost', 'shell waits for a person', 'approved session finishes', 'logs: claude-transcript', 'logs: tools', 'logs: summary']);
    try {
      while (missing.size > 0 && Date.now() < deadline) {
        const approvals = (await relay.call('GET', '/api/approvals')).body as Approval[];
        for (const level of ['auto', 'quick', 'full']) if (approvals.some((a) => a.level === level && a.agent === 'Release Bot (demo)' && (a.level === 'auto' || a.expiresAt !== undefined))) missing.delete(level);
        const shell = approvals.find((a) => a.agent === 'Claude Code' && a.tool?.startsWith('Bash(npm install'));
        if (shell) missing.delete('shell waits for a person');
        // A person approves the shell command: the session runs it and stops.
        if (shell?.status === 'pending') await relay.call('POST', `/api/approvals/${shell.id}/decision`, { decision: 'approve', by: 'test' });
        const tasks = (await relay.call('GET', '/api/tasks')).body as Task[];
        if (tasks.some((t) => t.percent > 0 && t.steps.some((s) => s.state === 'done'))) missing.delete('task progress');
        const widgets = (await relay.call('GET', '/api/widgets')).body as { id: string; type: string }[];
        if (['vitals', 'metrics', 'activity'].every((type) => widgets.some((w) => w.type === type && w.id.startsWith('demo-')))) missing.delete('widgets');
        const sessions = (await relay.call('GET', '/api/sessions')).body as AgentSession[];
        if (sessions.some((s) => s.agent === 'claude-code' && s.counts.toolCalls >= 2 && s.tokens.output > 0 && (s.costUsd ?? 0) > 0 && s.model === 'claude-sonnet-4-5')) missing.delete('session cost');
        if (sessions.some((s) => s.status === 'idle' && s.counts.approvals === 2 && s.counts.denials === 0)) missing.delete('approved session finishes');
        for (const log of ((await relay.call('GET', '/api/logs')).body as { logs: LogSource[] }).logs) {
          const { entries } = (await relay.call('GET', `/api/logs/${log.id}/entries`)).body as LogPage;
          if (entries.some((e) => e.kind === (log.format === 'summary' ? 'summary' : 'tool') && (e.kind !== 'tool' || e.outcome === 'ok'))) missing.delete(`logs: ${log.format}`);
        }
        if (missing.size > 0) await sleep(250);
      }
    } finally {
      stop.abort();
      await running;
    }
    assert.deepEqual([...missing], [], 'everything the demo shows appeared');
  });
});
