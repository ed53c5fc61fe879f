// The fleet client's capabilities against a real MCP server (the SDK's McpServer over stdio): a
// server's elicitation becomes an item of the approvals queue, answered over the relay's HTTP routes
// as the dashboard does, and its answer is what the server's tool receives; roots are the workspace
// folders, with a notification when they change; sampling waits for the person.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultSettings, type Settings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { McpRoot, SamplingRequest } from '../../src/extension/engine/mcp/clientCapabilities';
import type { Approval } from '../../src/shared/approvals';
import { fixtureServer } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';

const TOKEN = 'client-features-test-token-0123456789';

interface ToolResult {
  isError?: boolean;
  content: { type: string; text: string }[];
}

describe('MCP client capabilities of the fleet (in-process engine, real stdio MCP server)', function () {
  this.timeout(60_000);
  let scratch: string;
  let engine: Engine;
  let settings: Settings;
  let roots: McpRoot[];
  let rootsListeners: Array<() => void>;
  let samples: SamplingRequest[];

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${engine.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const callTool = async (tool: string) => (await call('POST', `/api/mcp/servers/features/tools/${tool}/call`, { arguments: {} })).body as unknown as ToolResult;
  const text = (result: ToolResult) => result.content[0].text;
  const pendingItem = (kind: Approval['kind']) =>
    waitFor(`a pending ${kind}`, async () => ((await call('GET', '/api/approvals?status=pending')).body as unknown as Approval[]).find((a) => a.kind === kind), 20_000, 50);

  async function start(options: { sampler: boolean; roots: boolean }): Promise<void> {
    settings = { ...defaultSettings(), 'agentMesh.mcp.servers': { features: fixtureServer('client-features-server') } };
    engine = await Engine.start({
      settings,
      token: TOKEN,
      dataDir: scratch,
      workspaceDir: scratch,
      extensionRoot: scratch,
      logger: silentLogger,
      mcp: {
        ...(options.roots ? { roots: { list: () => roots, onChange: (listener: () => void) => (rootsListeners.push(listener), () => undefined) } } : {}),
        // The host's language model (VS Code's vscode.lm in the extension): records what it was asked.
        ...(options.sampler ? { sampler: { sample: async (request: SamplingRequest) => (samples.push(request), { model: 'test-model', text: 'Frames hop node to node' }) } } : {}),
      },
    });
    await waitFor('the fixture server to connect', async () => (engine.mcp.server('features').status === 'connected' ? true : undefined), 20_000, 50);
  }

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-client-features-'));
    roots = [];
    rootsListeners = [];
    samples = [];
  });

  afterEach(async () => {
    await engine?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('elicitation', () => {
    beforeEach(() => start({ sampler: false, roots: false }));

    it("queues the server's form as an approval and gives the tool the answer from the HTTP route, with defaults filled in", async () => {
      const result = callTool('ask');
      const item = await pendingItem('elicitation');
      assert.equal(item.title, 'Who is booking?');
      assert.equal(item.agent, 'MCP server features');
      assert.equal(item.elicitation?.server, 'features');
      assert.equal(item.elicitation?.message, 'Who is booking?\nThe booking needs a name.');
      assert.deepEqual(Object.keys((item.elicitation?.requestedSchema as { properties: object }).properties), ['name', 'team', 'seats', 'newsletter']);
      assert.ok(item.expiresAt, 'an elicitation expires');

      const answered = await call('POST', `/api/approvals/${item.id}/answer`, { action: 'accept', content: { name: 'Grace', seats: 3 }, by: 'dashboard' });
      assert.equal(answered.status, 200);
      assert.equal(answered.body.status, 'approved');
      assert.deepEqual(JSON.parse(text(await result)), { action: 'accept', content: { name: 'Grace', team: 'blue', seats: 3, newsletter: false } });
    });

    it('refuses an answer that does not fit the form and keeps the question open; decline reaches the tool', async () => {
      const result = callTool('ask');
      const item = await pendingItem('elicitation');
      const wrong = await call('POST', `/api/approvals/${item.id}/answer`, { action: 'accept', content: { seats: 40, colour: 'red' } });
      assert.equal(wrong.status, 400);
      assert.match(JSON.stringify(wrong.body), /name is required.*seats must be at most 10|seats must be at most 10.*name is required/);
      assert.match(JSON.stringify(wrong.body), /colour is not a field/);
      const approve = await call('POST', `/api/approvals/${item.id}/decision`, { decision: 'approve' });
      assert.equal(approve.status, 400, 'approving without content is refused');
      assert.equal(((await call('GET', `/api/approvals/${item.id}`)).body as unknown as Approval).status, 'pending');

      assert.equal((await call('POST', `/api/approvals/${item.id}/answer`, { action: 'decline', by: 'dashboard' })).status, 200);
      assert.deepEqual(JSON.parse(text(await result)), { action: 'decline' });
    });

    it('answers cancel when the person cancels, by the answer route or by cancelling the approval', async () => {
      let result = callTool('ask');
      let item = await pendingItem('elicitation');
      assert.equal((await call('POST', `/api/approvals/${item.id}/answer`, { action: 'cancel' })).status, 200);
      assert.deepEqual(JSON.parse(text(await result)), { action: 'cancel' });

      result = callTool('ask');
      item = await pendingItem('elicitation');
      assert.equal((await call('DELETE', `/api/approvals/${item.id}`, { reason: 'not now' })).status, 200);
      assert.deepEqual(JSON.parse(text(await result)), { action: 'cancel' });
    });

    it('answers cancel when nobody answers in time, and the item shows as expired', async () => {
      await engine.reloadMcp({ ...settings, 'agentMesh.mcp.elicitationTimeoutSeconds': 1 });
      const result = callTool('ask');
      const item = await pendingItem('elicitation');
      assert.deepEqual(JSON.parse(text(await result)), { action: 'cancel' });
      assert.equal(((await call('GET', `/api/approvals/${item.id}`)).body as unknown as Approval).status, 'expired');
    });

    it('cancels the question when the server goes away before anyone answers', async () => {
      const result = callTool('ask');
      const item = await pendingItem('elicitation');
      assert.equal((await call('POST', '/api/mcp/servers/features/stop')).status, 200);
      const settled = await waitFor('the question to be cancelled', async () => {
        const current = (await call('GET', `/api/approvals/${item.id}`)).body as unknown as Approval;
        return current.status === 'pending' ? undefined : current;
      }, 10_000, 50);
      assert.deepEqual([settled.status, settled.reason], ['cancelled', 'the server withdrew the request']);
      await result;
    });

    it('declines sampling headless with an error that says why', async () => {
      const result = await callTool('sample');
      assert.equal(result.isError, true);
      assert.match(text(result), /sampling declined: agent-mesh serve has no language model/);
      assert.equal(((await call('GET', '/api/approvals?status=pending')).body as unknown as Approval[]).length, 0);
    });

    it('tells the server the workspace folder as its root', async () => {
      assert.deepEqual(JSON.parse(text(await callTool('roots'))), { roots: [{ uri: pathToFileURL(scratch).href, name: path.basename(scratch) }] });
    });
  });

  describe('roots and sampling with a host (as in VS Code)', () => {
    beforeEach(async () => {
      roots = [{ uri: pathToFileURL(path.join(scratch, 'a')).href, name: 'a' }];
      await start({ sampler: true, roots: true });
    });

    it("lists the host's folders and notifies the server when they change", async () => {
      assert.deepEqual(JSON.parse(text(await callTool('roots'))), { roots });
      assert.deepEqual(JSON.parse(text(await callTool('roots_changes'))), { rootsChanges: 0 });
      roots = [...roots, { uri: pathToFileURL(path.join(scratch, 'b')).href, name: 'b' }];
      for (const listener of rootsListeners) listener();
      await waitFor('the server to hear of the change', async () => (JSON.parse(text(await callTool('roots_changes'))).rootsChanges === 1 ? true : undefined), 10_000, 50);
      assert.deepEqual(JSON.parse(text(await callTool('roots'))).roots.map((r: McpRoot) => r.name), ['a', 'b']);
    });

    it('shows the model and the prompt for approval and calls the model only once approved', async () => {
      let result = callTool('sample');
      let item = await pendingItem('sampling');
      assert.deepEqual(item.sampling, { server: 'features', model: 'claude', systemPrompt: 'You are a poet.', messages: [{ role: 'user', text: 'Write a haiku about relays.' }], maxTokens: 50 });
      assert.equal(item.title, 'Use a language model: Write a haiku about relays.');
      assert.equal((await call('POST', `/api/approvals/${item.id}/decision`, { decision: 'reject' })).status, 200);
      const rejected = await result;
      assert.equal(rejected.isError, true);
      assert.match(text(rejected), /-1 .*did not approve the sampling request \(rejected\)/);
      assert.equal(samples.length, 0, 'the model is not called without approval');

      result = callTool('sample');
      item = await pendingItem('sampling');
      assert.equal((await call('POST', `/api/approvals/${item.id}/decision`, { decision: 'approve' })).status, 200);
      assert.deepEqual(JSON.parse(text(await result)), { role: 'assistant', content: { type: 'text', text: 'Frames hop node to node' }, model: 'test-model' });
      assert.deepEqual(samples, [{ messages: [{ role: 'user', text: 'Write a haiku about relays.' }], systemPrompt: 'You are a poet.', modelHints: ['claude'], maxTokens: 50 }]);
    });
  });
});
