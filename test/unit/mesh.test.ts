import { strict as assert } from 'node:assert';
import { settingSchemas } from '../../src/extension/engine/config/settings';
import { CheckHistory } from '../../src/extension/engine/mesh/history';
import { agentIds, displayName, readableName } from '../../src/extension/engine/mesh/naming';
import { describeTransitions, TransitionDebouncer } from '../../src/extension/engine/mesh/notifier';
import type { MeshAgentConfig, MeshTransition } from '../../src/shared/mesh';

describe('mesh history', () => {
  it('keeps only the newest points, oldest first', () => {
    const history = new CheckHistory(3);
    for (let i = 1; i <= 5; i++) history.push({ at: i, ok: true, latencyMs: i * 10 });
    assert.equal(history.length, 3);
    assert.deepEqual(history.latest().map((p) => p.at), [3, 4, 5]);
    assert.deepEqual(history.latest(2).map((p) => p.at), [4, 5]);
  });

  it('computes uptime and latency over the window, ignoring failed checks for latency', () => {
    const history = new CheckHistory(100);
    const latencies = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    latencies.forEach((l, i) => history.push({ at: 1000 + i, ok: true, latencyMs: l }));
    history.push({ at: 2000, ok: false });
    history.push({ at: 2001, ok: false });
    const stats = history.stats();
    assert.equal(stats.checks, 12);
    assert.equal(stats.uptimePct, 83.3);
    assert.equal(stats.avgLatencyMs, 55);
    assert.equal(stats.p95LatencyMs, 100);
    assert.equal(stats.since, 1000);
    assert.deepEqual(history.stats(2000), { checks: 2, uptimePct: 0, since: 2000 });
    assert.deepEqual(new CheckHistory(5).stats(), { checks: 0 });
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new CheckHistory(0), RangeError);
  });
});

describe('mesh naming', () => {
  const agent = (over: Partial<MeshAgentConfig>): MeshAgentConfig => ({ url: 'http://127.0.0.1:7812', kind: 'a2a', ...over });

  it('prefers the mapping, then the configured name, then the card name made readable, then the host', () => {
    assert.equal(displayName(agent({}), 'x', 'code_reviewer-v2', { code_reviewer: 'no' }), 'Code Reviewer V2');
    assert.equal(displayName(agent({}), 'x', 'code_reviewer-v2', { 'code_reviewer-v2': 'Reviewer' }), 'Reviewer');
    assert.equal(displayName(agent({ name: 'Rev' }), 'rev', 'card', { 'http://127.0.0.1:7812': 'By URL' }), 'By URL');
    assert.equal(displayName(agent({ name: 'Rev' }), 'rev', 'card', { rev: 'By id' }), 'By id');
    assert.equal(displayName(agent({ name: 'Rev' }), 'rev', 'card', {}), 'Rev');
    assert.equal(displayName(agent({}), 'x', undefined, {}), '127.0.0.1:7812');
    assert.equal(displayName(agent({ url: 'http://h:1/health', kind: 'http' }), 'x', undefined, {}), 'h:1/health');
    assert.equal(displayName(agent({ url: 'mcp:notes', kind: 'mcp' }), 'x', undefined, {}), 'MCP notes');
    assert.equal(displayName(agent({}), 'x', 'Card', { x: '  ' }), 'Card', 'a blank mapping is ignored');
  });

  it('makes identifier-like names readable and keeps names that already read as words', () => {
    assert.equal(readableName('researchAgent'), 'Research Agent');
    assert.equal(readableName('build.bot'), 'Build Bot');
    assert.equal(readableName('Planner'), 'Planner');
    assert.equal(readableName('My helper_bot'), 'My helper_bot');
  });

  it('gives unique, stable ids', () => {
    const ids = agentIds([
      { name: 'Planner', url: 'http://a', kind: 'a2a' },
      { name: 'planner', url: 'http://b', kind: 'a2a' },
      { name: 'Planner 2', url: 'http://c', kind: 'a2a' },
      { url: 'http://127.0.0.1:7801/health', kind: 'http' },
    ]);
    assert.deepEqual(ids, ['planner', 'planner-2', 'planner-2-2', '127-0-0-1-7801-health']);
  });
});

describe('mesh settings', () => {
  const agents = settingSchemas['agentMesh.mesh.agents'];

  it('accepts the three kinds', () => {
    const parsed = agents.parse([
      { name: 'Planner', url: 'http://127.0.0.1:7811', kind: 'a2a' },
      { url: 'https://example.invalid/health', kind: 'http', expectStatus: 204, timeoutMs: 1000 },
      { url: 'mcp:notes', kind: 'mcp' },
    ]);
    assert.equal(parsed.length, 3);
  });

  it('names the field that is wrong', () => {
    const problems = (value: unknown) => {
      const result = agents.safeParse(value);
      assert.equal(result.success, false);
      return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    assert.match(problems([{ url: 'notes', kind: 'mcp' }]), /^0\.url: .*mcp:notes/);
    assert.match(problems([{ url: 'ftp://x', kind: 'a2a' }]), /^0\.url: must be an http/);
    assert.match(problems([{ url: 'http://x', kind: 'a2a', expectStatus: 200 }]), /expectStatus: applies to kind "http" only/);
    assert.match(problems([{ url: 'http://x', kind: 'grpc' }]), /^0\.kind/);
    assert.match(problems([{ url: 'http://x', kind: 'http', extra: 1 }]), /extra/);
  });
});

describe('mesh notifications', () => {
  const t = (id: string, from: MeshTransition['from'], to: MeshTransition['to'], error?: string): MeshTransition => ({ id, name: id.toUpperCase(), from, to, at: '2026-01-01T00:00:00Z', ...(error ? { error } : {}) });

  it('delivers a burst as one batch', () => {
    const batches: MeshTransition[][] = [];
    const debouncer = new TransitionDebouncer(60_000, (b) => batches.push(b));
    debouncer.push(t('a', 'healthy', 'unhealthy', 'connection refused'));
    debouncer.push(t('b', 'healthy', 'unhealthy'));
    assert.equal(batches.length, 0);
    debouncer.flush();
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0].map((x) => x.id), ['a', 'b']);
    debouncer.flush();
    assert.equal(batches.length, 1, 'nothing pending, nothing delivered');
    debouncer.dispose();
  });

  it('drops an agent that went down and came back within the window, and a first healthy check', () => {
    const batches: MeshTransition[][] = [];
    const debouncer = new TransitionDebouncer(60_000, (b) => batches.push(b));
    debouncer.push(t('a', 'healthy', 'unhealthy'));
    debouncer.push(t('a', 'unhealthy', 'healthy'));
    debouncer.push(t('b', 'unknown', 'unhealthy'));
    debouncer.push(t('b', 'unhealthy', 'healthy'));
    debouncer.flush();
    assert.equal(batches.length, 0);
    debouncer.dispose();
  });

  it('describes downs and recoveries in one line', () => {
    assert.deepEqual(describeTransitions([t('rev', 'healthy', 'unhealthy', 'connection refused')]), { text: 'REV is down (connection refused)', down: true });
    assert.deepEqual(describeTransitions([t('a', 'unhealthy', 'healthy'), t('b', 'unhealthy', 'healthy')]), { text: '2 agents recovered: A, B', down: false });
    assert.equal(describeTransitions([t('a', 'healthy', 'unhealthy'), t('b', 'healthy', 'unhealthy'), t('c', 'unhealthy', 'healthy')]).text, '2 agents are down: A, B; C recovered');
  });
});
