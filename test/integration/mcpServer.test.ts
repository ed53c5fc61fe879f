import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type CallToolResult, type LoggingMessageNotification, type Progress } from '@modelcontextprotocol/sdk/types.js';
import type { Approval } from '../../src/shared/approvals';
import { waitFor } from '../helpers/net';
import { startRedis } from '../helpers/redis';
import { startServe } from '../helpers/serve';
import { requestJson, useServe } from '../helpers/serveFixture';

/** An agent: the SDK's MCP client on the relay's /mcp with the bearer token. */
async function connectAgent(baseUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'integration-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const LONG = { timeout: 60_000 };

describe('built-in MCP server (POST /mcp) on a real agent-mesh serve', () => {
  const relay = useServe({ prefix: 'am-mcp-' });
  const agent = async (base = relay.serve.url) => relay.track(await connectAgent(base, relay.token));
  /** The pending approval with this title, once the relay at `base` lists it. */
  const pendingOn = (base: string, title: string) =>
    waitFor(`pending approval "${title}"`, async () => {
      const { body } = await requestJson(base, relay.token, 'GET', '/api/approvals?status=pending');
      return (body as Approval[]).find((a) => a.title === title);
    });
  const callTool = (client: Client, name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }, undefined, LONG) as Promise<CallToolResult>;

  /** request_approval called with a progress callback; resolves `announced` with the approval id the first progress notification names. */
  const requestWithProgress = (client: Client, args: Record<string, unknown>, signal?: AbortSignal) => {
    const progress: Progress[] = [];
    let announce!: (id: string) => void;
    const announced = new Promise<string>((resolve) => (announce = resolve));
    const result = client.callTool({ name: 'request_approval', arguments: args }, undefined, {
      ...LONG,
      signal,
      onprogress: (p) => {
        progress.push(p);
        const id = /approval (\S+) is pending/.exec(p.message ?? '')?.[1];
        if (id) announce(id);
      },
    }) as Promise<CallToolResult>;
    return { result, announced, progress };
  };

  it('lists request_approval, wait_for_approval, report_progress and render_widget', async () => {
    const client = await agent();
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['render_widget', 'report_progress', 'request_approval', 'wait_for_approval']);
    const request = tools.find((t) => t.name === 'request_approval')!;
    assert.deepEqual([...(request.inputSchema.required ?? [])].sort(), ['confidence', 'risk', 'title']);
  });

  it('describes every tool in JSON Schema 2020-12', async () => {
    const client = await agent();
    const { tools } = await client.listTools();
    for (const tool of tools) {
      assert.equal(tool.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema', `${tool.name} inputSchema`);
      if (tool.outputSchema) assert.equal(tool.outputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema', `${tool.name} outputSchema`);
    }
  });

  it('declares logging, takes logging/setLevel and sends log notifications at or above that level', async () => {
    const client = await agent();
    assert.ok(client.getServerCapabilities()?.logging, 'logging capability declared');
    const logs: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
    await client.setLoggingLevel('info');
    await callTool(client, 'request_approval', { title: 'Logged read', confidence: 95, risk: 'low' });
    assert.ok(
      logs.some((l) => l.level === 'info' && l.logger === 'agent-mesh' && /Logged read/.test(JSON.stringify(l.data))),
      `an info log about the approval: ${JSON.stringify(logs)}`,
    );
    logs.length = 0;
    await client.setLoggingLevel('error');
    await callTool(client, 'request_approval', { title: 'Quiet read', confidence: 95, risk: 'low' });
    assert.deepEqual(logs, [], 'nothing below error once the level is error');
    await assert.rejects(client.request({ method: 'logging/setLevel', params: { level: 'loudest' } }, LoggingMessageNotificationSchema), /invalid|level/i);
  });

  it('names the approval id in a progress notification before the decision; wait_for_approval resumes the wait after the call was dropped', async () => {
    const first = await agent();
    const dropped = new AbortController();
    const call = requestWithProgress(first, { title: 'Dropped wait', confidence: 50, risk: 'medium' }, dropped.signal);
    const id = await call.announced;
    const pending = await pendingOn(relay.serve.url, 'Dropped wait');
    assert.equal(id, pending.id, 'the progress notification names the pending approval');
    dropped.abort();
    await assert.rejects(call.result);

    const second = await agent();
    const resumed = callTool(second, 'wait_for_approval', { id });
    await relay.call('POST', `/api/approvals/${id}/decision`, { decision: 'approve', by: 'dana' });
    assert.deepEqual(pick((await resumed).structuredContent), { status: 'approved', decidedBy: 'dana' });
    const unknown = await callTool(second, 'wait_for_approval', { id: 'no-such-approval' });
    assert.equal(unknown.isError, true);
    assert.match((unknown.content[0] as { text: string }).text, /not_found/);
  });

  it('answers a waiting request_approval when the relay stops, and the wait resumes on the restarted relay', async () => {
    const client = relay.track(await connectAgent(relay.serve.url, relay.token));
    const call = requestWithProgress(client, { title: 'Survives restart', confidence: 40, risk: 'high' });
    const id = await call.announced;
    await relay.serve.stop();
    const answered = await call.result;
    assert.ok(!answered.isError, JSON.stringify(answered.content));
    assert.deepEqual(pick(answered.structuredContent, ['id', 'status']), { id, status: 'pending' });
    assert.match((answered.content[0] as { text: string }).text, new RegExp(`wait_for_approval.*${id}`));
    await relay.closeClients();

    await relay.start();
    const again = await agent();
    const resumed = callTool(again, 'wait_for_approval', { id });
    await pendingOn(relay.serve.url, 'Survives restart');
    await relay.call('POST', `/api/approvals/${id}/decision`, { decision: 'reject', comment: 'not today' });
    assert.deepEqual(pick((await resumed).structuredContent), { status: 'rejected', decidedBy: 'api', comment: 'not today' });
  });

  it('refuses a DNS-rebinding Host and a foreign Origin even with the token, and takes its own origin', async () => {
    const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } } });
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL('/mcp', relay.serve.url);
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(initialize);
      });
    const own = new URL(relay.serve.url).host;
    assert.equal(await post({ host: 'evil.example.com', origin: 'http://evil.example.com' }), 421);
    assert.equal(await post({ host: own, origin: 'http://evil.example.com' }), 403);
    assert.equal(await post({ host: `localhost:${new URL(relay.serve.url).port}`, origin: `http://localhost:${new URL(relay.serve.url).port}` }), 200);
    assert.equal(await post({ host: own, origin: `http://${own}` }), 200);
  });

  it('refuses an MCP client without the token', async () => {
    await assert.rejects(connectAgent(relay.serve.url, 'wrong-token'), /401|unauthorized/i);
    const res = await fetch(`${relay.serve.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
  });

  it('blocks request_approval until a decision is posted over HTTP, then returns it', async () => {
    const client = await agent();
    const call = callTool(client, 'request_approval', { title: 'Deploy build 42', tool: 'deploy', confidence: 70, risk: 'medium', args: { env: 'staging', token: 'tok-123' } });
    const pending = await pendingOn(relay.serve.url, 'Deploy build 42');
    assert.equal(pending.level, 'quick');
    assert.equal(pending.args?.token, '[redacted]');
    let settled = false;
    void call.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'the tool answered before anyone decided');

    const decided = await relay.call('POST', `/api/approvals/${pending.id}/decision`, { decision: 'approve', comment: 'ship it', by: 'alice' });
    assert.equal(decided.status, 200);
    const result = await call;
    assert.ok(!result.isError);
    assert.deepEqual(result.structuredContent, { id: pending.id, status: 'approved', level: 'quick', decidedBy: 'alice', comment: 'ship it' });
    assert.match((result.content[0] as { text: string }).text, /^approved by alice: ship it/);
  });

  it('returns auto-level requests approved at once', async () => {
    const client = await agent();
    const result = await callTool(client, 'request_approval', { title: 'Read a file', confidence: 95, risk: 'low' });
    assert.equal((result.structuredContent as { status: string }).status, 'approved');
    assert.equal((result.structuredContent as { level: string }).level, 'auto');
  });

  it('tells the waiting agent when the approval is rejected, cancelled or expires', async () => {
    const client = await agent();
    const rejected = callTool(client, 'request_approval', { title: 'Rejected one', confidence: 40, risk: 'high' });
    const cancelled = callTool(client, 'request_approval', { title: 'Cancelled one', confidence: 40, risk: 'low' });
    const expired = callTool(client, 'request_approval', { title: 'Expiring one', confidence: 40, risk: 'low', timeoutMs: 300 });
    const r = await pendingOn(relay.serve.url, 'Rejected one');
    const c = await pendingOn(relay.serve.url, 'Cancelled one');
    await relay.call('POST', `/api/approvals/${r.id}/decision`, { decision: 'reject', comment: 'too risky' });
    const del = await relay.call('DELETE', `/api/approvals/${c.id}`, { reason: 'superseded', by: 'bob' });
    assert.equal(del.status, 200);
    assert.equal(del.body.success, true);

    assert.deepEqual(pick((await rejected).structuredContent), { status: 'rejected', decidedBy: 'api', comment: 'too risky' });
    assert.deepEqual(pick((await cancelled).structuredContent), { status: 'cancelled', decidedBy: 'bob', reason: 'superseded' });
    const expiredResult = await expired;
    assert.deepEqual(pick(expiredResult.structuredContent), { status: 'expired', decidedBy: 'timeout' });
    assert.match((expiredResult.content[0] as { text: string }).text, /Do not proceed/);
  });

  it('reports progress, and tells the agent to stop once the task is cancelled', async () => {
    const client = await agent();
    const started = await callTool(client, 'report_progress', { title: 'Migrate', agent: 'migrator', steps: [{ name: 'copy', weight: 3 }, { name: 'verify' }] });
    const { taskId } = started.structuredContent as { taskId: string };
    const progress = await callTool(client, 'report_progress', { taskId, step: 'copy', state: 'done' });
    assert.deepEqual(pick(progress.structuredContent, ['status', 'percent', 'cancelled']), { status: 'running', percent: 75, cancelled: false });

    const del = await relay.call('DELETE', `/api/tasks/${taskId}`, { by: 'carol', reason: 'wrong database' });
    assert.equal(del.status, 200);
    const after = await callTool(client, 'report_progress', { taskId, step: 'verify', progress: 0.5 });
    assert.ok(!after.isError);
    assert.deepEqual(pick(after.structuredContent, ['status', 'cancelled', 'cancelledBy', 'cancelReason']), { status: 'cancelled', cancelled: true, cancelledBy: 'carol', cancelReason: 'wrong database' });

    const bad = await callTool(client, 'report_progress', { title: 'No steps' });
    assert.equal(bad.isError, true);
  });

  it('renders a widget through the widgets service and names the fields that do not fit', async () => {
    const client = await agent();
    const ok = await callTool(client, 'render_widget', { id: 'alert-1', type: 'alert', data: { title: 'Build broke', severity: 'error', message: 'main is red' } });
    assert.ok(!ok.isError, JSON.stringify(ok.content));
    const { body } = await relay.call('GET', '/api/widgets');
    assert.ok(JSON.stringify(body).includes('alert-1'));
    const bad = await callTool(client, 'render_widget', { id: 'alert-2', type: 'alert', data: { severity: 'loud' } });
    assert.equal(bad.isError, true);
    assert.match((bad.content[0] as { text: string }).text, /severity/);
  });

  it('wakes an agent waiting on one relay when the decision lands on another relay sharing Redis', async () => {
    const redis = await startRedis();
    const shared = await mkdtemp(path.join(tmpdir(), 'am-shared-'));
    const second = await mkdtemp(path.join(tmpdir(), 'am-second-'));
    const workspaceA = path.join(shared, 'project');
    const workspaceB = path.join(second, 'project');
    await Promise.all([mkdir(workspaceA), mkdir(workspaceB)]);
    // Two checkouts of one project: the same workspace id makes them one workspace (a folder name alone no longer does).
    const sameProject = JSON.stringify({ 'agentMesh.state.workspaceId': 'project' });
    await Promise.all([writeFile(path.join(workspaceA, 'agent-mesh.config.json'), sameProject), writeFile(path.join(workspaceB, 'agent-mesh.config.json'), sameProject)]);
    const relayA = await startServe(['--workspace', workspaceA, '--port', '0', '--token', relay.token, '--redis-url', redis.url]);
    const relayB = await startServe(['--workspace', workspaceB, '--port', '0', '--token', relay.token, '--redis-url', redis.url]);
    try {
      const client = await agent(relayB.url);
      const call = callTool(client, 'request_approval', { title: 'Cross-relay', confidence: 50, risk: 'medium' });
      const pending = await pendingOn(relayA.url, 'Cross-relay');
      const decided = await requestJson(relayA.url, relay.token, 'POST', `/api/approvals/${pending.id}/decision`, { decision: 'approve', by: 'window A' });
      assert.equal(decided.status, 200);
      assert.deepEqual(pick((await call).structuredContent), { status: 'approved', decidedBy: 'window A' });
      // Only pending moves, across relays too.
      const second = await requestJson(relayB.url, relay.token, 'POST', `/api/approvals/${pending.id}/decision`, { decision: 'reject' });
      assert.equal(second.status, 409);
      assert.equal((await requestJson(relayB.url, relay.token, 'GET', `/api/approvals/${pending.id}`)).body.status, 'approved');
    } finally {
      await relay.closeClients();
      await Promise.all([relayA.stop(), relayB.stop()]);
      await redis.stop();
      await Promise.all([rm(shared, { recursive: true, force: true }), rm(second, { recursive: true, force: true })]);
    }
  });
});

/** The outcome fields of a structured result (id and level left out). */
function pick(structured: unknown, keys = ['status', 'decidedBy', 'comment', 'reason']): Record<string, unknown> {
  const record = structured as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
}
