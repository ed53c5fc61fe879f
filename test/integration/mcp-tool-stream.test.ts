// Tool calls over the relay of a real `agent-mesh serve`, with progress and cancellation: a streamed
// (NDJSON) answer over HTTP, cancelled by DELETE or by closing the request, and the same over the
// WebSocket. The fixture server records every `notifications/cancelled` it receives, so each test
// sees the cancel reach the server process.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import type { McpServerInfo, McpToolCallLine } from '../../src/shared/mcp';
import { fixtureServer } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

interface StreamLine {
  type: 'started' | 'progress' | 'result' | 'error';
  callId?: string;
  progress?: number;
  total?: number;
  message?: string;
  result?: { content: Array<{ type: string; text: string }> };
  error?: { status: number; code: string; message: string };
}

/** Reads NDJSON lines off a fetch response as they arrive. */
async function* ndjsonLines(res: Response): AsyncGenerator<StreamLine> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as StreamLine;
  }
  assert.equal(rest, '', 'the stream ends with a complete line');
}

describe('MCP tool calls with progress and cancellation over agent-mesh serve', function () {
  this.timeout(60_000);
  let workspace: string;
  let eventsFile: string;
  let token: string;
  let serve: ServeProcess;

  const call = (steps: number, signal?: AbortSignal, stream = true) =>
    fetch(`${serve.url}/api/mcp/servers/counter/tools/count/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(stream ? { accept: 'application/x-ndjson' } : {}) },
      body: JSON.stringify({ arguments: { steps } }),
      signal,
    });
  const cancellations = async () => (await readFile(eventsFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '').length;

  before(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'am-mcp-stream-'));
    eventsFile = path.join(workspace, 'cancelled.ndjson');
    await mkdir(path.join(workspace, '.vscode'));
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { counter: fixtureServer('progress-server', { STEP_MS: '40', EVENTS_FILE: eventsFile }) } }));
    token = generateToken();
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token]);
    await waitFor('the counter server to be inspected', async () => {
      const res = await fetch(`${serve.url}/api/mcp/servers/counter`, { headers: { authorization: `Bearer ${token}` } });
      const info = (await res.json()) as McpServerInfo;
      return info.status === 'connected' ? info : undefined;
    });
  });

  after(async () => {
    await serve?.stop();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('streams progress lines and then the result when the client asks for NDJSON', async () => {
    const res = await call(4);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/x-ndjson/);
    const lines: StreamLine[] = [];
    for await (const line of ndjsonLines(res)) lines.push(line);
    assert.equal(lines[0].type, 'started');
    assert.match(lines[0].callId!, /^[0-9a-f-]{36}$/);
    // The SDK hands notifications on a tick after responses, so the last step's line may lose the race with the result.
    const progress = lines.slice(1, -1).map((l) => [l.type, l.progress, l.total, l.message]);
    assert.ok(progress.length >= 3, JSON.stringify(progress));
    assert.deepEqual(progress, [1, 2, 3, 4].slice(0, progress.length).map((n) => ['progress', n, 4, `step ${n} of 4`]));
    assert.deepEqual(lines.at(-1), { type: 'result', result: { content: [{ type: 'text', text: 'counted to 4' }] } });
  });

  it('still answers plain JSON to a client that does not ask for a stream', async () => {
    const res = await call(2, undefined, false);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { content: [{ type: 'text', text: 'counted to 2' }] });
  });

  it('cancels a streamed call by DELETE /api/mcp/calls/:id, and the cancel reaches the server', async () => {
    const before = await cancellations();
    const res = await call(10_000);
    const lines = ndjsonLines(res);
    const started = (await lines.next()).value as StreamLine;
    assert.equal((await lines.next()).value!.type, 'progress');
    const unauthorized = await fetch(`${serve.url}/api/mcp/calls/${started.callId}`, { method: 'DELETE' });
    assert.equal(unauthorized.status, 401);
    const cancel = await fetch(`${serve.url}/api/mcp/calls/${started.callId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([cancel.status, await cancel.json()], [200, { callId: started.callId, cancelled: true }]);
    let last: StreamLine | undefined;
    for await (const line of lines) last = line;
    assert.deepEqual(last, { type: 'error', error: { status: 499, code: 'cancelled', message: 'call of "count" was cancelled' } });
    await waitFor('the server to record the cancellation', async () => ((await cancellations()) === before + 1 ? true : undefined));
    const again = await fetch(`${serve.url}/api/mcp/calls/${started.callId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(again.status, 404, 'a finished call cannot be cancelled');
  });

  it('cancels a call whose client closes the request', async () => {
    const before = await cancellations();
    const abort = new AbortController();
    const res = await call(10_000, abort.signal);
    const lines = ndjsonLines(res);
    await lines.next();
    await lines.next();
    abort.abort();
    await waitFor('the server to record the cancellation', async () => ((await cancellations()) === before + 1 ? true : undefined));
    const server = (await (await fetch(`${serve.url}/api/mcp/servers/counter`, { headers: { authorization: `Bearer ${token}` } })).json()) as McpServerInfo;
    assert.equal(server.status, 'connected');
  });

  it('calls a tool over the WebSocket with progress frames, and cancels it by frame or by closing the socket', async () => {
    const ws = await RelayClient.connect(serve.url, { token });
    const lines = (id: string) => ws.frames.flatMap((f) => (f.type === 'mcp:call' && f.id === id ? [f.line] : []));
    try {
      ws.send({ type: 'mcp:call', id: 'short', server: 'counter', tool: 'count', arguments: { steps: 3 } });
      await ws.next('mcp:call', (f) => f.id === 'short' && f.line.type === 'result');
      const short = lines('short');
      assert.equal(short[0].type, 'started');
      assert.ok(short.filter((l) => l.type === 'progress').length >= 2, JSON.stringify(short));
      assert.deepEqual(short.at(-1), { type: 'result', result: { content: [{ type: 'text', text: 'counted to 3' }] } });

      const before = await cancellations();
      ws.send({ type: 'mcp:call', id: 'long', server: 'counter', tool: 'count', arguments: { steps: 10_000 } });
      const started = (await ws.next('mcp:call', (f) => f.id === 'long' && f.line.type === 'started')).line as Extract<McpToolCallLine, { type: 'started' }>;
      await ws.next('mcp:call', (f) => f.id === 'long' && f.line.type === 'progress');
      ws.send({ type: 'mcp:cancel', id: 'stop', callId: started.callId });
      const ended = await ws.next('mcp:call', (f) => f.id === 'long' && f.line.type === 'error');
      assert.deepEqual(ended.line, { type: 'error', error: { status: 499, code: 'cancelled', message: 'call of "count" was cancelled' } });
      await waitFor('the server to record the cancellation', async () => ((await cancellations()) === before + 1 ? true : undefined));

      ws.send({ type: 'mcp:cancel', id: 'again', callId: started.callId });
      assert.equal((await ws.next('error', (f) => f.id === 'again')).code, 'not_found');
      ws.send({ type: 'mcp:call', id: 'nowhere', server: 'nope', tool: 'count', arguments: {} });
      assert.deepEqual((await ws.next('mcp:call', (f) => f.id === 'nowhere')).line, { type: 'error', error: { status: 404, code: 'server_not_found', message: 'no MCP server named "nope"' } });

      ws.send({ type: 'mcp:call', id: 'orphan', server: 'counter', tool: 'count', arguments: { steps: 10_000 } });
      await ws.next('mcp:call', (f) => f.id === 'orphan' && f.line.type === 'progress');
      const beforeClose = await cancellations();
      await ws.close();
      await waitFor('the closed socket to cancel its call on the server', async () => ((await cancellations()) === beforeClose + 1 ? true : undefined));
    } finally {
      await ws.close();
    }
  });

  it('answers 404 for an unknown server before streaming anything', async () => {
    const res = await fetch(`${serve.url}/api/mcp/servers/nope/tools/count/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: '{}',
    });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'server_not_found');
  });
});
