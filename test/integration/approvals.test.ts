import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Approval, CreatedApproval } from '../../src/shared/approvals';
import { useServe } from '../helpers/serveFixture';
import { RelayClient } from '../helpers/wsClient';

describe('approvals over HTTP and WebSocket on a real agent-mesh serve', () => {
  const relay = useServe({ prefix: 'am-approvals-' });
  const { call } = relay;
  const create = async (over: Record<string, unknown> = {}): Promise<CreatedApproval> => {
    const { status, body } = await call('POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium', ...over });
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  };
  const socket = async () => relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));

  it('creates approvals routed by confidence and counts the pending ones in /health', async () => {
    assert.deepEqual(
      [await create({ confidence: 85 }), await create({ confidence: 84 }), await create({ confidence: 59, risk: 'high' })].map((a) => [a.level, a.status, a.priority]),
      [
        ['auto', 'approved', 'normal'],
        ['quick', 'pending', 'normal'],
        ['full', 'pending', 'urgent'],
      ],
    );
    const health = await (await fetch(`${relay.serve.url}/health`)).json();
    assert.deepEqual(health.approvals, { pending: 2 });
    assert.equal((await call('GET', '/api/approvals?status=pending')).body.length, 2);
    assert.equal((await call('GET', '/api/approvals?status=bogus')).status, 400);
  });

  it('refuses bad requests with 400 and changes nothing', async () => {
    for (const body of [{}, { title: 'x', confidence: 101, risk: 'low' }, { title: 'x', confidence: 50, risk: 'extreme' }, { title: 'x', confidence: 50, risk: 'low', timeoutMs: -1 }, { title: 'x', confidence: 50, risk: 'low', extra: 1 }]) {
      const res = await call('POST', '/api/approvals', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message']);
    }
    const { id } = await create();
    assert.equal((await call('POST', `/api/approvals/${id}/decision`, { decision: 'maybe' })).status, 400);
    assert.equal((await call('GET', `/api/approvals/${id}/wait?timeoutMs=abc`)).status, 400);
    assert.equal((await call('GET', `/api/approvals/${id}`)).body.status, 'pending');
    assert.equal((await call('GET', '/api/approvals')).body.length, 1);
    assert.equal((await call('POST', '/api/approvals/nope/decision', { decision: 'approve' })).status, 404);
  });

  it('answers a long-poll wait the moment the decision lands, and 409 on a second decision', async () => {
    const { id } = await create();
    const waiting = call('GET', `/api/approvals/${id}/wait?timeoutMs=20000`);
    await new Promise((r) => setTimeout(r, 100));
    const decided = await call('POST', `/api/approvals/${id}/decision`, { decision: 'reject', comment: 'not today', by: 'alice' });
    assert.equal(decided.status, 200);
    const { status, body } = await waiting;
    assert.equal(status, 200);
    assert.deepEqual([body.status, body.decidedBy, body.comment], ['rejected', 'alice', 'not today']);
    const again = await call('POST', `/api/approvals/${id}/decision`, { decision: 'approve' });
    assert.equal(again.status, 409);
    assert.equal((await call('GET', `/api/approvals/${id}`)).body.status, 'rejected');
    assert.equal((await call('DELETE', `/api/approvals/${id}`, {})).status, 409);
  });

  it('returns the current state when a wait times out, and cancellation and expiry reach waiting agents', async () => {
    const { id } = await create();
    assert.equal((await call('GET', `/api/approvals/${id}/wait?timeoutMs=50`)).body.status, 'pending');
    const waiting = call('GET', `/api/approvals/${id}/wait?timeoutMs=20000`);
    const cancelled = await call('DELETE', `/api/approvals/${id}`, { reason: 'plan changed', by: 'bob' });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.success, true);
    assert.equal(typeof cancelled.body.cancelledAt, 'number');
    assert.deepEqual(pickOutcome((await waiting).body), { status: 'cancelled', decidedBy: 'bob', reason: 'plan changed' });

    const expiring = await create({ timeoutMs: 200 });
    const expired = await call('GET', `/api/approvals/${expiring.id}/wait?timeoutMs=20000`);
    assert.deepEqual(pickOutcome(expired.body), { status: 'expired', decidedBy: 'timeout' });
  });

  it('takes requests and decisions over WebSocket and pushes the outcome to the requesting socket and to subscribers', async () => {
    const agent = await socket();
    const dashboard = await socket();
    dashboard.send({ type: 'subscribe', channel: 'approvals' });
    await dashboard.next('event', (f) => f.channel === 'approvals' && f.name === 'snapshot');

    agent.send({ type: 'approval:request', id: 'r1', title: 'Drop table users', tool: 'drop_table', args: { table: 'users' }, confidence: 65, risk: 'high' });
    const created = await agent.next('approval', (f) => f.id === 'r1');
    assert.deepEqual([created.approval.status, created.approval.destructive, created.approval.target], ['pending', true, 'users']);
    const seen = await dashboard.next('event', (f) => f.name === 'upsert' && (f.payload as unknown as Approval).id === created.approval.id);
    assert.equal((seen.payload as unknown as Approval).status, 'pending');

    dashboard.send({ type: 'approval:decide', id: 'd1', approvalId: created.approval.id, decision: 'approve', by: 'dashboard' });
    const outcome = await agent.next('approval', (f) => f.id === 'r1' && f.approval.status !== 'pending');
    assert.deepEqual([outcome.approval.status, outcome.approval.decidedBy], ['approved', 'dashboard']);
    assert.equal((await dashboard.next('approval', (f) => f.id === 'd1')).approval.status, 'approved');

    dashboard.send({ type: 'approval:decide', id: 'd2', approvalId: created.approval.id, decision: 'reject' });
    assert.equal((await dashboard.next('error', (f) => f.id === 'd2')).code, 'conflict');
    agent.send({ type: 'approval:request', id: 'bad', title: 'x', confidence: 'high', risk: 'low' });
    assert.equal((await agent.next('error', (f) => f.id === 'bad')).code, 'invalid_frame');
    agent.send({ type: 'approval:watch', id: 'w404', approvalId: 'missing' });
    assert.equal((await agent.next('error', (f) => f.id === 'w404')).code, 'not_found');
  });

  it('keeps pending approvals across a relay restart: an agent retrying wait gets its answer', async () => {
    const survivor = await create({ title: 'Survives the restart' });
    const decided = await create({ title: 'Decided before' });
    await call('POST', `/api/approvals/${decided.id}/decision`, { decision: 'approve' });
    const waitingAcrossRestart = call('GET', `/api/approvals/${survivor.id}/wait?timeoutMs=20000`).catch((error: Error) => error);
    await new Promise((r) => setTimeout(r, 100));
    await relay.serve.stop();
    assert.ok((await waitingAcrossRestart) instanceof Error, 'the wait in flight ends with the relay');

    await relay.start();
    assert.equal((await call('GET', `/api/approvals/${survivor.id}`)).body.status, 'pending');
    assert.equal((await call('GET', `/api/approvals/${decided.id}`)).body.status, 'approved');
    const retry = call('GET', `/api/approvals/${survivor.id}/wait?timeoutMs=20000`);
    await new Promise((r) => setTimeout(r, 100));
    await call('POST', `/api/approvals/${survivor.id}/decision`, { decision: 'approve', by: 'after restart' });
    assert.deepEqual(pickOutcome((await retry).body), { status: 'approved', decidedBy: 'after restart' });
  });

  it('writes one redacted audit line per request and decision', async () => {
    const { id } = await create({ tool: 'call_api', args: { password: 'hunter2', url: 'https://api.test', auth: 'Bearer abcdefghijklmnop' } });
    await call('POST', `/api/approvals/${id}/decision`, { decision: 'approve', by: 'erin' });
    await relay.serve.stop();
    const text = await readFile(path.join(relay.workspace, '.agent-mesh', 'approvals-audit.jsonl'), 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('abcdefghijklmnop'), text);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.event), ['requested', 'approved']);
    assert.deepEqual(lines[0].args, { password: '[redacted]', url: 'https://api.test', auth: '[redacted]' });
    await relay.start();
  });

  it('takes a 512 KB adversarial argument in stride: redacted correctly while /health keeps answering', async () => {
    const script = 'a+'.repeat(256 * 1024); // made the previous redaction patterns backtrack for minutes
    const [created, health] = await Promise.all([
      call('POST', '/api/approvals', { title: 'Run the script', tool: 'run', args: { script, env: `API_TOKEN=${'0'.repeat(8)}abc` }, confidence: 50, risk: 'low' }),
      fetch(`${relay.serve.url}/health`).then((r) => r.status),
    ]);
    assert.deepEqual([created.status, health], [201, 200]);
    const { args } = (await call('GET', `/api/approvals/${created.body.id}`)).body as Approval;
    assert.deepEqual(args, { script, env: '[redacted]' });
  });

  it('manages "always allow" rules over HTTP', async () => {
    assert.equal((await call('POST', '/api/approval-rules', { tool: 'run_tests', scope: 'workspace', by: 'alice' })).status, 201);
    assert.equal((await create({ tool: 'run_tests', confidence: 10 })).status, 'approved');
    assert.deepEqual((await call('GET', '/api/approval-rules')).body.map((r: { tool: string }) => r.tool), ['run_tests']);
    assert.equal((await call('DELETE', '/api/approval-rules', { tool: 'run_tests', scope: 'workspace' })).status, 200);
    assert.equal((await create({ tool: 'run_tests', confidence: 10 })).status, 'pending');
    assert.equal((await call('POST', '/api/approval-rules', { tool: 'x', scope: 'forever' })).status, 400);
  });
});

function pickOutcome(approval: Approval): Record<string, unknown> {
  const { status, decidedBy, comment, reason } = approval;
  return Object.fromEntries(Object.entries({ status, decidedBy, comment, reason }).filter(([, v]) => v !== undefined));
}
