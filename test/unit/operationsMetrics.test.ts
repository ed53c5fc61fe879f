import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { registerOperationsMetrics } from '../../src/extension/engine/operationsMetrics';
import type { AgentSession } from '../../src/shared/sessions';

function session(id: number, model: string | undefined, input: number): AgentSession {
  return {
    id: `claude-code:s${id}`,
    agent: 'claude-code',
    sessionId: `s${id}`,
    cwd: '/w',
    ...(model === undefined ? {} : { model }),
    status: 'running',
    startedAt: 0,
    lastEventAt: 0,
    counts: { toolCalls: 0, approvals: 0, denials: 0, events: 1 },
    tokens: { input, output: 0, cacheRead: 0, cacheWrite: 0 },
    costUsd: null,
    costApproximate: false,
    malformedLines: 0,
  };
}

describe('operations metrics: model labels', () => {
  it('names the 10 models with most tokens and counts the rest, and unsafe names, as "other"', async () => {
    const sessions = [
      ...Array.from({ length: 12 }, (_, i) => session(i, `model-${i}`, 100 + i)),
      session(12, 'bad name with spaces', 1_000_000),
      session(13, undefined, 5),
    ];
    const registry = new Registry();
    const stop = registerOperationsMetrics(registry, {
      approvals: { list: () => [], onChange: () => () => undefined },
      sessions: { list: () => sessions },
      mcp: { counters: () => ({ connected: 0, total: 0 }), tokens: () => ({ total: 0 }) },
      mesh: { counts: () => ({ healthy: 0, total: 0 }), onUpdate: () => () => undefined },
    });
    const input = (await registry.getSingleMetric('agent_mesh_agent_session_tokens')!.get()).values.filter((v) => v.labels.kind === 'input');
    const byModel = Object.fromEntries(input.map((v) => [v.labels.model, v.value]));
    assert.deepEqual(Object.keys(byModel).sort(), [...Array.from({ length: 10 }, (_, i) => `model-${i + 2}`), 'other', 'unknown'].sort());
    assert.equal(byModel.other, 100 + 101 + 1_000_000);
    assert.equal(byModel.unknown, 5);
    stop();
  });
});
