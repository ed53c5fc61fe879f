import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/extension/engine/approvals/audit';
import { ApprovalQueue } from '../../src/extension/engine/approvals/queue';
import { FileApprovalStore } from '../../src/extension/engine/approvals/store';
import { silentLogger } from '../../src/extension/engine/log';
import { parseClientFrame } from '../../src/shared/protocol';
import { EngineError, type EngineErrorKind } from '../../src/extension/engine/errors';
import { confirmationTarget, DEFAULT_THRESHOLDS, dueAtFor, isDestructiveTool, priorityFor, routeByConfidence, routeRequest } from '../../src/extension/engine/approvals/routing';
import type { ApprovalRequest } from '../../src/shared/approvals';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 0, 1, 12);

describe('approval routing', () => {
  const cases: Array<[number, string]> = [
    [0, 'full'],
    [29, 'full'],
    [30, 'full'],
    [59, 'full'],
    [60, 'quick'],
    [84, 'quick'],
    [85, 'auto'],
    [100, 'auto'],
  ];
  for (const [confidence, level] of cases) {
    it(`routes confidence ${confidence} to ${level}`, () => {
      assert.equal(routeByConfidence(confidence, DEFAULT_THRESHOLDS), level);
    });
  }

  it('follows configured thresholds', () => {
    assert.equal(routeByConfidence(70, { auto: 70, quick: 40 }), 'auto');
    assert.equal(routeByConfidence(40, { auto: 70, quick: 40 }), 'quick');
    assert.equal(routeByConfidence(39.9, { auto: 70, quick: 40 }), 'full');
    assert.equal(routeByConfidence(100, { auto: 101, quick: 60 }), 'quick', '101 turns automatic approval off');
  });

  it('makes high risk or confidence below 30 urgent', () => {
    assert.equal(priorityFor('high', 99), 'urgent');
    assert.equal(priorityFor('low', 29), 'urgent');
    assert.equal(priorityFor('medium', 29.9), 'urgent');
    assert.equal(priorityFor('low', 30), 'low');
    assert.equal(priorityFor('medium', 30), 'normal');
    assert.equal(priorityFor('medium', 90), 'normal');
  });

  it('sets due dates by risk: high 4 h, medium 24 h, low 72 h', () => {
    assert.equal(dueAtFor('high', NOW) - NOW, 4 * HOUR);
    assert.equal(dueAtFor('medium', NOW) - NOW, 24 * HOUR);
    assert.equal(dueAtFor('low', NOW) - NOW, 72 * HOUR);
  });

  it('recognises destructive tools by name and finds the target to type', () => {
    for (const tool of ['delete_file', 'dropTable', 'fs.rm', 'git-branch-remove', 'DestroyCluster', 'truncate']) assert.ok(isDestructiveTool(tool), tool);
    for (const tool of ['read_file', 'deploy', 'format', 'dropdown_select', undefined]) assert.ok(!isDestructiveTool(tool), String(tool));
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', args: { table: 'users' } }), 'users');
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', target: 'prod-db' }), 'prod-db');
    assert.equal(confirmationTarget({ title: 'Wipe it' }), 'Wipe it');
  });

  it('names the target the arguments act on, not the tool and not a name the agent picked', () => {
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', target: 'yes', args: { table: 'users' } }), 'users', 'the arguments win over the agent-chosen target');
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', args: { tableName: 'orders', reason: 'cleanup' } }), 'orders');
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', args: { database: 'shop', table_name: 'orders' } }), 'orders', "the tool's own object comes first");
    assert.equal(confirmationTarget({ title: 'Delete', tool: 'delete_file', args: { mode: 'force', filePath: 'src/app.ts' } }), 'src/app.ts');
    assert.equal(confirmationTarget({ title: 'Delete branch', tool: 'git.deleteBranch', args: { remote: 'origin', branchName: 'release/1.2' } }), 'release/1.2');
    assert.equal(confirmationTarget({ title: 'Wipe it', tool: 'wipe' }), 'Wipe it', 'without a named target: the title, never the tool');
    assert.equal(confirmationTarget({ title: 'Drop', tool: 'drop_table', args: { table: '[redacted]' } }), 'Drop', 'never a redacted value');
  });

  it('sends high-risk and destructive requests to a full review whatever the confidence', () => {
    assert.equal(routeRequest({ confidence: 97, risk: 'high' }, false, DEFAULT_THRESHOLDS), 'full');
    assert.equal(routeRequest({ confidence: 100, risk: 'low' }, true, DEFAULT_THRESHOLDS), 'full');
    assert.equal(routeRequest({ confidence: 97, risk: 'medium' }, false, DEFAULT_THRESHOLDS), 'auto');
    assert.equal(routeRequest({ confidence: 70, risk: 'low' }, false, DEFAULT_THRESHOLDS), 'quick');
  });
});

describe('approval and task frames', () => {
  const parse = (frame: object) => parseClientFrame(JSON.stringify(frame));

  it('accepts approval and task frames and refuses malformed ones with their id', () => {
    assert.ok(parse({ type: 'approval:request', id: 'r1', title: 'Deploy', confidence: 70, risk: 'low' }).ok);
    assert.ok(parse({ type: 'approval:decide', approvalId: 'a', decision: 'reject', comment: 'no' }).ok);
    assert.ok(parse({ type: 'task:report', taskId: 't', step: 0, progress: 0.5 }).ok);
    for (const frame of [
      { type: 'approval:request', id: 'r2', title: 'Deploy', confidence: 170, risk: 'low' },
      { type: 'approval:decide', id: 'r3', approvalId: 'a', decision: 'maybe' },
      { type: 'approval:request', id: 'r4', title: 'Deploy', confidence: 70, risk: 'low', sneaky: true },
      { type: 'task:start', id: 'r5', title: 'T', steps: [] },
    ]) {
      const parsed = parse(frame);
      assert.equal(!parsed.ok && parsed.code, 'invalid_frame', JSON.stringify(frame));
      assert.equal(!parsed.ok && parsed.id, frame.id);
    }
  });
});

describe('approval queue', () => {
  let dir: string;
  let queue: ApprovalQueue;
  let clock: number;
  const RELAY_TOKEN = 'f3a9c2e8b7d64a1f9e0c5b3a2d8e7f6a1b4c9d0e3f2a5b8c7d6e1f0a9b8c7d6e';

  const open = async () => {
    const q = new ApprovalQueue({
      store: new FileApprovalStore(path.join(dir, 'approvals.json')),
      audit: new AuditLog(path.join(dir, 'audit.jsonl'), [RELAY_TOKEN]),
      logger: silentLogger,
      thresholds: DEFAULT_THRESHOLDS,
      now: () => clock,
      secrets: [RELAY_TOKEN],
    });
    await q.load();
    return q;
  };
  const ask = (over: Partial<ApprovalRequest> = {}) => queue.request({ title: 'Deploy', confidence: 50, risk: 'medium', ...over });
  const rejectsWith = (kind: EngineErrorKind) => (error: unknown) => error instanceof EngineError && error.kind === kind;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-approvals-'));
    clock = NOW;
    queue = await open();
  });

  afterEach(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('approves auto-level requests at once with an audit entry', async () => {
    const approval = await ask({ confidence: 85 });
    assert.equal(approval.level, 'auto');
    assert.equal(approval.status, 'approved');
    assert.match(approval.decidedBy!, /auto/);
    await queue.close();
    const lines = (await readFile(path.join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.event), ['requested', 'approved']);
    queue = await open();
  });

  it('queues quick and full requests as pending with priority and due date', async () => {
    const quick = await ask({ confidence: 84, risk: 'low' });
    assert.deepEqual([quick.level, quick.status, quick.priority, quick.dueAt - NOW], ['quick', 'pending', 'low', 72 * HOUR]);
    const full = await ask({ confidence: 29, risk: 'low' });
    assert.deepEqual([full.level, full.status, full.priority], ['full', 'pending', 'urgent']);
    assert.equal(queue.pendingCount, 2);
  });

  for (const [decision, status] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    it(`moves pending → ${status} and refuses a second decision with 409`, async () => {
      const { id } = await ask();
      clock += 1000;
      const decided = await queue.decide(id, { decision, comment: 'looked fine', by: 'alice' });
      assert.deepEqual([decided.status, decided.decidedBy, decided.comment, decided.decidedAt], [status, 'alice', 'looked fine', NOW + 1000]);
      await assert.rejects(queue.decide(id, { decision: 'approve' }), rejectsWith('conflict'));
      await assert.rejects(queue.cancel(id, {}), rejectsWith('conflict'));
      assert.equal(queue.get(id)!.status, status, 'the refused decisions changed nothing');
    });
  }

  it('moves pending → cancelled recording who and why', async () => {
    const { id } = await ask();
    const cancelled = await queue.cancel(id, { reason: 'no longer needed', by: 'bob' });
    assert.deepEqual([cancelled.status, cancelled.decidedBy, cancelled.reason], ['cancelled', 'bob', 'no longer needed']);
    await assert.rejects(queue.decide(id, { decision: 'approve' }), rejectsWith('conflict'));
  });

  it('moves pending → expired when its timeout passes and wakes the waiter', async () => {
    const { id } = await ask({ timeoutMs: 20 });
    const settled = await queue.waitFor(id);
    assert.equal(settled.status, 'expired');
    assert.equal(settled.decidedBy, 'timeout');
    await assert.rejects(queue.decide(id, { decision: 'approve' }), rejectsWith('conflict'));
  });

  it('answers 404 for an unknown approval', async () => {
    await assert.rejects(queue.decide('nope', { decision: 'approve' }), rejectsWith('not_found'));
    await assert.rejects(queue.waitFor('nope', 10), rejectsWith('not_found'));
  });

  it('wakes every waiter with the decision and keeps no waiter afterwards', async () => {
    const { id } = await ask();
    const waits = [queue.waitFor(id, 60_000), queue.waitFor(id), queue.waitFor(id, 60_000)];
    assert.equal(queue.waiterCount, 3);
    await queue.decide(id, { decision: 'approve', by: 'carol' });
    const results = await Promise.all(waits);
    assert.deepEqual(results.map((r) => r.status), ['approved', 'approved', 'approved']);
    assert.equal(queue.waiterCount, 0);
  });

  it('returns the current state when a wait times out or its signal aborts', async () => {
    const { id } = await ask();
    assert.equal((await queue.waitFor(id, 5)).status, 'pending');
    const abort = new AbortController();
    const waiting = queue.waitFor(id, undefined, abort.signal);
    abort.abort();
    assert.equal((await waiting).status, 'pending');
    assert.equal(queue.waiterCount, 0);
  });

  it('keeps pending approvals and decisions across a restart and expires what timed out meanwhile', async () => {
    const pending = await ask({ title: 'survives' });
    const decided = await ask({ title: 'decided' });
    await queue.decide(decided.id, { decision: 'reject', comment: 'no' });
    const expiring = await ask({ title: 'expires while down', timeoutMs: 1000 });
    await queue.close();
    clock += 5000;
    queue = await open();
    assert.equal(queue.get(pending.id)!.status, 'pending');
    assert.equal(queue.get(decided.id)!.status, 'rejected');
    assert.equal((await queue.waitFor(expiring.id)).status, 'expired');
    const later = queue.waitFor(pending.id);
    await queue.decide(pending.id, { decision: 'approve' });
    assert.equal((await later).status, 'approved');
  });

  it('auto-approves a tool covered by a rule until the rule is revoked; workspace rules persist', async () => {
    await queue.addRule('run_tests', 'workspace', 'alice');
    await queue.addRule('lint', 'session', 'alice');
    const covered = await ask({ tool: 'run_tests', confidence: 10 });
    assert.deepEqual([covered.status, covered.level], ['approved', 'auto']);
    assert.match(covered.decidedBy!, /rule: always allow run_tests \(workspace\)/);
    assert.equal((await ask({ tool: 'lint' })).status, 'approved');
    assert.equal((await ask({ tool: 'deploy' })).status, 'pending');

    await queue.close();
    queue = await open();
    assert.deepEqual(queue.rules().map((r) => `${r.tool}/${r.scope}`), ['run_tests/workspace'], 'session rules end with the session');
    await queue.revokeRule('run_tests', 'workspace', 'alice');
    assert.equal((await ask({ tool: 'run_tests' })).status, 'pending');
    await assert.rejects(queue.revokeRule('run_tests', 'workspace', 'alice'), rejectsWith('not_found'));
  });

  it('stores arguments redacted and writes a redacted audit line per request and decision', async () => {
    const { id, args } = await ask({ tool: 'call_api', args: { url: 'https://x.test', apiKey: 'abc123', header: 'Bearer abcdefghijkl' } });
    assert.deepEqual(args, { url: 'https://x.test', apiKey: '[redacted]', header: '[redacted]' });
    await queue.decide(id, { decision: 'approve', by: 'dave', comment: 'use sk-abcdefghijklmnopqrstu' });
    await queue.close();
    const text = await readFile(path.join(dir, 'audit.jsonl'), 'utf8');
    assert.ok(!text.includes('abc123') && !text.includes('abcdefghijkl') && !text.includes('sk-abcdef'), text);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.event, l.id]), [['requested', id], ['approved', id]]);
    assert.equal(lines[1].by, 'dave');
    queue = await open();
  });

  it('tells listeners about every change', async () => {
    const seen: string[] = [];
    queue.onChange((a) => seen.push(`${a.title}:${a.status}`));
    const { id } = await ask({ title: 'a' });
    await queue.cancel(id, {});
    await ask({ title: 'b', confidence: 95 });
    assert.deepEqual(seen, ['a:pending', 'a:cancelled', 'b:approved']);
  });

  it('never approves a high-risk or destructive request on its own confidence; only an explicit rule can', async () => {
    const drop = await ask({ title: 'Drop the orders table', tool: 'drop_table', args: { tableName: 'orders' }, confidence: 97, risk: 'high' });
    assert.deepEqual([drop.status, drop.level, drop.destructive, drop.target], ['pending', 'full', true, 'orders']);
    const risky = await ask({ tool: 'deploy', confidence: 99, risk: 'high' });
    assert.deepEqual([risky.status, risky.level], ['pending', 'full']);
    const denied = await ask({ tool: 'delete_file', args: { path: 'src/app.ts' }, confidence: 100, risk: 'low', destructive: false });
    assert.deepEqual([denied.status, denied.destructive, denied.target], ['pending', true, 'src/app.ts'], 'an agent cannot declare a destructive tool harmless');
    await queue.addRule('drop_table', 'session', 'alice');
    const ruled = await ask({ tool: 'drop_table', args: { table: 'orders' }, confidence: 10, risk: 'high' });
    assert.deepEqual([ruled.status, ruled.decidedBy], ['approved', 'rule: always allow drop_table (session)']);
  });

  it('redacts the relay token and secrets in free text wherever an agent echoes them, audit included', async () => {
    const approval = await ask({
      title: `Call the relay with ${RELAY_TOKEN}`,
      description: `curl -H "authorization: Bearer ${RELAY_TOKEN}" and passwordConfirm=hunter2 please`,
      agent: `agent ${RELAY_TOKEN}`,
      tool: 'http_call',
      args: { header: `x ${RELAY_TOKEN}`, nested: [{ note: RELAY_TOKEN }], secretValue: 'shh' },
      target: RELAY_TOKEN,
    });
    await queue.decide(approval.id, { decision: 'reject', comment: `leaked ${RELAY_TOKEN}`, by: RELAY_TOKEN });
    const stored = JSON.stringify(queue.get(approval.id));
    assert.ok(!stored.includes(RELAY_TOKEN) && !stored.includes('hunter2') && !stored.includes('shh'), stored);
    assert.equal(queue.get(approval.id)!.title, 'Call the relay with [redacted]');
    assert.deepEqual(queue.get(approval.id)!.args, { header: '[redacted]', nested: [{ note: '[redacted]' }], secretValue: '[redacted]' });
    await queue.close();
    const audit = await readFile(path.join(dir, 'audit.jsonl'), 'utf8');
    assert.ok(!audit.includes(RELAY_TOKEN) && !audit.includes('hunter2'), audit);
    queue = await open();
  });

  it('when the audit log stops taking lines: degraded with the reason, and nothing more is taken until it does', async () => {
    const audit = path.join(dir, 'audit.jsonl');
    await mkdir(audit); // a real write failure: appending to a directory fails (EISDIR)
    const first = await ask({ title: 'in flight when the audit log broke' });
    assert.equal(queue.get(first.id)!.status, 'pending', 'the change was durable before the audit line was tried');
    assert.match(queue.problem ?? '', /approvals audit log cannot be written/);
    const seen: string[] = [];
    queue.onChange((a) => seen.push(a.id));
    await assert.rejects(ask({ title: 'refused' }), (error: unknown) => error instanceof EngineError && error.kind === 'unavailable' && error.code === 'store_unavailable');
    await assert.rejects(queue.decide(first.id, { decision: 'approve' }), rejectsWith('unavailable'));
    await assert.rejects(queue.addRule('x', 'session', 'a'), rejectsWith('unavailable'));
    assert.deepEqual([queue.pendingCount, queue.get(first.id)!.status, seen, queue.rules()], [1, 'pending', [], []], 'refused writes changed nothing and told no one');

    await rm(audit, { recursive: true });
    const after = await ask({ title: 'the audit log works again' });
    assert.equal(after.status, 'pending');
    assert.equal(queue.problem, undefined);
  });

  it('tries an expiry the store refused again, so the waiting agent still hears of it', async () => {
    const audit = path.join(dir, 'audit.jsonl');
    await mkdir(audit);
    const { id } = await ask({ title: 'expires while nothing can be written', timeoutMs: 30 });
    const waiting = queue.waitFor(id);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(queue.get(id)!.status, 'pending', 'the expiry was refused while the audit log took no lines');
    await rm(audit, { recursive: true });
    const settled = await waiting;
    assert.deepEqual([settled.status, settled.decidedBy], ['expired', 'timeout']);
  });

  describe("an MCP server's question (elicitation)", () => {
    const question = () =>
      queue.ask({
        kind: 'elicitation',
        title: 'Who is booking?',
        agent: 'MCP server booking',
        timeoutMs: 60_000,
        elicitation: { server: 'booking', message: 'Who is booking?', requestedSchema: { type: 'object', properties: { name: { type: 'string' }, seats: { type: 'integer', default: 2 } }, required: ['name'] } },
      });

    it('is always pending, whatever rule or threshold, urgent and expiring', async () => {
      await queue.addRule('Who is booking?', 'session', 'test');
      const item = await question();
      assert.deepEqual([item.status, item.level, item.priority, item.expiresAt], ['pending', 'full', 'urgent', NOW + 60_000]);
    });

    it('takes an accepted answer with defaults filled in, kept across a restart; the audit names the fields, never the values', async () => {
      const item = await question();
      await assert.rejects(queue.decide(item.id, { decision: 'approve' }), rejectsWith('invalid'));
      await assert.rejects(queue.answer(item.id, { action: 'accept', content: { seats: 'many' } }), rejectsWith('invalid'));
      const answered = await queue.answer(item.id, { action: 'accept', content: { name: `Grace ${RELAY_TOKEN}` }, by: 'dashboard' });
      assert.equal(answered.status, 'approved');
      assert.deepEqual(answered.content, { name: 'Grace [redacted]', seats: 2 });
      await queue.close();
      queue = await open();
      assert.deepEqual(queue.get(item.id)?.content, { name: 'Grace [redacted]', seats: 2 });
      const audit = await readFile(path.join(dir, 'audit.jsonl'), 'utf8');
      assert.doesNotMatch(audit, /Grace/);
      assert.deepEqual(JSON.parse(audit.trim().split('\n').at(-1)!).answered, ['name', 'seats']);
    });

    it('stores a sampling request with secrets in its prompt redacted', async () => {
      const item = await queue.ask({
        kind: 'sampling',
        title: 'Use a language model',
        agent: 'MCP server poet',
        timeoutMs: 60_000,
        sampling: { server: 'poet', model: 'any model', systemPrompt: `token ${RELAY_TOKEN}`, messages: [{ role: 'user', text: 'deploy with password=hunter22' }], maxTokens: 10 },
      });
      assert.deepEqual([item.sampling?.systemPrompt, item.sampling?.messages[0].text], ['token [redacted]', 'deploy with password=[redacted]']);
    });

    it('maps decline to rejected and cancel to cancelled, and refuses an answer to an ordinary approval', async () => {
      const declined = await queue.answer((await question()).id, { action: 'decline' });
      assert.equal(declined.status, 'rejected');
      const cancelled = await queue.answer((await question()).id, { action: 'cancel' });
      assert.equal(cancelled.status, 'cancelled');
      await assert.rejects(queue.answer((await ask()).id, { action: 'decline' }), rejectsWith('invalid'));
      await assert.rejects(queue.answer(declined.id, { action: 'cancel' }), rejectsWith('conflict'));
    });
  });
});
