// The operations series of GET /metrics, scraped from a real `agent-mesh serve` after real hook
// events (with a Claude Code transcript), approvals and decisions, a real MCP server and mesh checks.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import type { Approval } from '../../src/shared/approvals';
import type { McpServerInfo } from '../../src/shared/mcp';
import type { AgentSession } from '../../src/shared/sessions';
import { fixtureServer } from '../fixtures/mcp';
import { claudeSession } from '../helpers/claudeSession';
import { waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { requestJson } from '../helpers/serveFixture';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here never hold `,` or `"`). */
function parseExposition(text: string): { samples: Sample[]; help: Set<string> } {
  const samples: Sample[] = [];
  const help = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) help.add(line.split(' ')[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `unparsable line ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of match[2] ? match[2].split(',') : []) {
      const [key, quoted] = pair.split('=');
      labels[key] = JSON.parse(quoted) as string;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, help };
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('operations series of /metrics from a real agent-mesh serve', function () {
  this.timeout(90_000);
  let workspace: string;
  let serve: ServeProcess;
  const token = generateToken();
  const call = (method: string, route: string, body?: unknown) => requestJson(serve.url, token, method, route, body);

  before(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'am-metrics-'));
    await mkdir(path.join(workspace, '.vscode'));
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { mini: fixtureServer('minimal-server', { TOOL_COUNT: '3' }) } }));
    await writeFile(
      path.join(workspace, 'agent-mesh.config.json'),
      JSON.stringify({
        'agentMesh.mesh.agents': [
          { name: 'Mini', url: 'mcp:mini', kind: 'mcp' },
          { name: 'Ghost', url: 'mcp:ghost', kind: 'mcp' },
        ],
        'agentMesh.mesh.intervalSeconds': 3600,
        'agentMesh.mesh.timeoutMs': 2000,
      }),
    );
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token], { HOME: workspace });
  });

  after(async () => {
    await serve?.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  async function scrape(): Promise<{ samples: Sample[]; help: Set<string> }> {
    const res = await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return parseExposition(await res.text());
  }


  it('exposes approvals, agent sessions, MCP and mesh series with their values and HELP text', async () => {
    await waitFor('the MCP server connected with its tool tokens', async () => {
      const { body } = await call('GET', '/api/mcp/servers');
      const mini = (body as McpServerInfo[]).find((s) => s.name === 'mini');
      return mini?.status === 'connected' && mini.tokensCounted ? mini : undefined;
    }, 30_000);
    await call('POST', '/api/mesh/check');

    const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };
    await claudeSession(call, workspace, 'session-a', 'claude-sonnet-4-5', usage);
    // An untrusted model name never becomes a label value of its own.
    await claudeSession(call, workspace, 'session-b', `evil"model\\ ${'x'.repeat(300)}`, { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    await call('POST', '/api/hooks/copilot', { timestamp: 1, cwd: workspace, source: 'new', initialPrompt: 'x' });

    const created: Approval[] = [];
    for (const [confidence, risk] of [[98, 'low'], [75, 'medium'], [40, 'high'], [60, 'medium'], [20, 'high']] as const) {
      created.push((await call('POST', '/api/approvals', { title: `approval ${confidence}`, confidence, risk })).body as Approval);
    }
    const pendingIds = created.filter((a) => a.status === 'pending').map((a) => a.id);
    assert.ok(pendingIds.length >= 3, `levels ${created.map((a) => a.level)}`);
    assert.equal((await call('POST', `/api/approvals/${pendingIds[0]}/decision`, { decision: 'approve' })).status, 200);
    assert.equal((await call('POST', `/api/approvals/${pendingIds[1]}/decision`, { decision: 'reject' })).status, 200);
    assert.equal((await call('DELETE', `/api/approvals/${pendingIds[2]}`, { reason: 'not needed' })).status, 200);

    const approvals = (await call('GET', '/api/approvals')).body as Approval[];
    const sessions = (await call('GET', '/api/sessions')).body as AgentSession[];
    const servers = (await call('GET', '/api/mcp/servers')).body as McpServerInfo[];
    const mesh = (await (await fetch(`${serve.url}/health`)).json()) as { mesh: { healthy: number; total: number } };
    const { samples, help } = await scrape();

    for (const name of [
      'agent_mesh_approvals_pending',
      'agent_mesh_approval_decisions_total',
      'agent_mesh_approval_decision_seconds',
      'agent_mesh_agent_sessions',
      'agent_mesh_agent_session_tokens',
      'agent_mesh_agent_session_cost_usd',
      'agent_mesh_mcp_servers',
      'agent_mesh_mcp_servers_connected',
      'agent_mesh_mcp_tool_tokens',
      'agent_mesh_mesh_agents',
      'agent_mesh_mesh_agents_healthy',
      'agent_mesh_mesh_checks_total',
      'agent_mesh_mesh_check_seconds',
    ]) {
      assert.ok(help.has(name), `HELP for ${name}`);
    }

    // Approvals: pending by level, decisions by level and outcome, time to decision.
    for (const level of ['auto', 'quick', 'full']) {
      const pending = approvals.filter((a) => a.status === 'pending' && a.level === level).length;
      assert.equal(valueOf(samples, 'agent_mesh_approvals_pending', { level }), pending, `pending ${level}`);
      for (const outcome of ['approved', 'rejected', 'cancelled', 'expired']) {
        const decided = approvals.filter((a) => a.status === outcome && a.level === level).length;
        assert.equal(valueOf(samples, 'agent_mesh_approval_decisions_total', { level, outcome }) ?? 0, decided, `decisions ${level} ${outcome}`);
      }
    }
    const terminal = approvals.filter((a) => a.status !== 'pending');
    assert.ok(terminal.length >= 4);
    assert.equal(valueOf(samples, 'agent_mesh_approval_decision_seconds_count'), terminal.length);
    const seconds = terminal.reduce((sum, a) => sum + (a.decidedAt! - a.createdAt) / 1000, 0);
    assert.ok(Math.abs(valueOf(samples, 'agent_mesh_approval_decision_seconds_sum')! - seconds) < 1e-6, `sum ${seconds}`);

    // Agent sessions by agent and status; tokens and cost by agent and model.
    for (const agent of ['claude-code', 'copilot', 'cursor']) {
      for (const status of ['running', 'waiting', 'idle', 'ended']) {
        const count = sessions.filter((s) => s.agent === agent && s.status === status).length;
        assert.equal(valueOf(samples, 'agent_mesh_agent_sessions', { agent, status }), count, `sessions ${agent} ${status}`);
      }
    }
    const sonnet = { agent: 'claude-code', model: 'claude-sonnet-4-5' };
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { ...sonnet, kind: 'input' }), 1200);
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { ...sonnet, kind: 'output' }), 300);
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { ...sonnet, kind: 'cache_read' }), 5000);
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { ...sonnet, kind: 'cache_write' }), 700);
    assert.ok(Math.abs(valueOf(samples, 'agent_mesh_agent_session_cost_usd', sonnet)! - 0.012225) < 1e-9);
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { agent: 'claude-code', model: 'other', kind: 'output' }), 20);
    assert.equal(valueOf(samples, 'agent_mesh_agent_session_tokens', { agent: 'copilot', model: 'unknown', kind: 'input' }), 0);
    assert.ok(samples.every((s) => !s.labels.model || /^[\w.:@/-]{1,64}$/.test(s.labels.model)), 'model labels are bounded');

    // MCP and mesh.
    assert.equal(valueOf(samples, 'agent_mesh_mcp_servers'), 1);
    assert.equal(valueOf(samples, 'agent_mesh_mcp_servers_connected'), 1);
    const toolTokens = servers.reduce((sum, s) => sum + s.toolTokens, 0);
    assert.ok(toolTokens > 0);
    assert.equal(valueOf(samples, 'agent_mesh_mcp_tool_tokens'), toolTokens);
    assert.deepEqual(mesh.mesh, { healthy: 1, total: 2 });
    assert.equal(valueOf(samples, 'agent_mesh_mesh_agents'), 2);
    assert.equal(valueOf(samples, 'agent_mesh_mesh_agents_healthy'), 1);
    const healthyChecks = valueOf(samples, 'agent_mesh_mesh_checks_total', { outcome: 'healthy' })!;
    assert.ok(healthyChecks >= 1);
    assert.ok(valueOf(samples, 'agent_mesh_mesh_checks_total', { outcome: 'unhealthy' })! >= 1);
    assert.equal(valueOf(samples, 'agent_mesh_mesh_check_seconds_count'), healthyChecks);
  });

  it('moves the series with the next decision and check', async () => {
    const before = (await scrape()).samples;
    const { body } = (await call('POST', '/api/approvals', { title: 'one more', confidence: 20, risk: 'high' })) as { body: Approval };
    const level = body.level;
    const pendingBefore = valueOf(before, 'agent_mesh_approvals_pending', { level })!;
    assert.equal(valueOf((await scrape()).samples, 'agent_mesh_approvals_pending', { level }), pendingBefore + 1);
    await call('POST', `/api/approvals/${body.id}/decision`, { decision: 'reject' });
    await call('POST', '/api/mesh/check');
    const after = (await scrape()).samples;
    assert.equal(valueOf(after, 'agent_mesh_approvals_pending', { level }), pendingBefore);
    assert.equal(valueOf(after, 'agent_mesh_approval_decisions_total', { level, outcome: 'rejected' }), (valueOf(before, 'agent_mesh_approval_decisions_total', { level, outcome: 'rejected' }) ?? 0) + 1);
    assert.equal(valueOf(after, 'agent_mesh_mesh_checks_total', { outcome: 'healthy' }), valueOf(before, 'agent_mesh_mesh_checks_total', { outcome: 'healthy' })! + 1);
    assert.equal(valueOf(after, 'agent_mesh_mesh_checks_total', { outcome: 'unhealthy' }), valueOf(before, 'agent_mesh_mesh_checks_total', { outcome: 'unhealthy' })! + 1);
  });
});
