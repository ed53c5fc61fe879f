import { strict as assert } from 'node:assert';
import { csvCell, historyCsvHeader, historyCsvRow } from '../../src/extension/engine/history/csv';
import { decodeCursor, encodeCursor, historyExportSchema, historyQuerySchema, matchesFilter, newestFirst, PageCollector } from '../../src/extension/engine/history/query';
import { alertRecord, approvalRecord, sessionRecord, taskRecord } from '../../src/extension/engine/history/records';
import type { Approval } from '../../src/shared/approvals';
import type { HistoryRecord } from '../../src/shared/history';
import type { AgentSession } from '../../src/shared/sessions';
import type { Task } from '../../src/shared/tasks';

const record = (over: Partial<HistoryRecord>): HistoryRecord => ({ id: 'approval:a1', type: 'approval', status: 'approved', agent: 'builder', title: 'Deploy the site', at: Date.parse('2026-11-30T10:00:00Z'), details: {}, ...over });

function page(records: HistoryRecord[], input: Record<string, string>) {
  const collector = new PageCollector(historyQuerySchema.parse(input));
  for (const r of [...records].sort(newestFirst)) if (!collector.offer(r)) break;
  return collector.page();
}

describe('history query', () => {
  it('filters by type, status, agent and the date range (from inclusive, a date-only to takes in that day)', () => {
    const query = historyQuerySchema.parse({ type: 'approval', status: 'approved', agent: 'builder', from: '2026-11-30', to: '2026-11-30' });
    assert.equal(matchesFilter(record({}), query), true);
    assert.equal(matchesFilter(record({ type: 'task' }), query), false);
    assert.equal(matchesFilter(record({ status: 'rejected' }), query), false);
    assert.equal(matchesFilter(record({ agent: 'reviewer' }), query), false);
    assert.equal(matchesFilter(record({ at: Date.parse('2026-11-30T23:59:59Z') }), query), true);
    assert.equal(matchesFilter(record({ at: Date.parse('2026-12-01T00:00:00Z') }), query), false);
    assert.equal(matchesFilter(record({ at: Date.parse('2026-11-29T23:59:59Z') }), query), false);
    const exact = historyQuerySchema.parse({ from: '2026-11-30T09:00:00Z', to: '2026-11-30T10:00:00Z' });
    assert.equal(matchesFilter(record({}), exact), false, 'a date-time to is exclusive');
  });

  it('searches title, agent, status and details case-insensitively', () => {
    const r = record({ details: { comment: 'Looks GOOD to me', tool: 'deploy_site' } });
    for (const q of ['deploy THE', 'builder', 'looks good', 'DEPLOY_SITE', 'approved']) assert.equal(matchesFilter(r, historyQuerySchema.parse({ q })), true, q);
    assert.equal(matchesFilter(r, historyQuerySchema.parse({ q: 'rollback' })), false);
    assert.equal(matchesFilter(r, historyQuerySchema.parse({ q: '   ' })), true, 'a blank search matches everything');
  });

  it('pages newest first with a cursor, without repeating or skipping records of the same millisecond', () => {
    const at = Date.parse('2026-11-30T10:00:00Z');
    const records = [record({ id: 'task:1', at }), record({ id: 'task:2', at }), record({ id: 'task:3', at: at + 1 }), record({ id: 'task:4', at: at - 5 }), record({ id: 'task:5', at })];
    const first = page(records, { limit: '2' });
    assert.deepEqual(first.records.map((r) => r.id), ['task:3', 'task:5']);
    assert.ok(first.nextCursor);
    const second = page(records, { limit: '2', cursor: first.nextCursor! });
    assert.deepEqual(second.records.map((r) => r.id), ['task:2', 'task:1']);
    const third = page(records, { limit: '2', cursor: second.nextCursor! });
    assert.deepEqual(third.records.map((r) => r.id), ['task:4']);
    assert.equal(third.nextCursor, undefined, 'the last page has no cursor');
  });

  it('round-trips a cursor and refuses one it did not give out', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ at: 123, id: 'approval:x%20y' })), { at: 123, id: 'approval:x%20y' });
    for (const bad of ['', '!!', Buffer.from('abc').toString('base64url'), Buffer.from('12.has space').toString('base64url')]) assert.equal(decodeCursor(bad), undefined, bad);
    assert.equal(historyQuerySchema.safeParse({ cursor: 'bm9wZQ' }).success, false);
  });

  it('refuses bad input with a message naming the field', () => {
    const message = (input: Record<string, string>) => {
      const parsed = historyQuerySchema.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    assert.match(message({ limit: '501' }), /limit/);
    assert.match(message({ limit: '0' }), /limit/);
    assert.match(message({ q: 'x'.repeat(201) }), /q: must be at most 200 characters/);
    assert.match(message({ from: 'yesterday' }), /from: must be an ISO date/);
    assert.match(message({ type: 'meeting' }), /type/);
    assert.match(message({ colour: 'red' }), /colour|Unrecognized/);
    assert.equal(historyExportSchema.safeParse({ format: 'xlsx' }).success, false);
    assert.equal(historyExportSchema.safeParse({ format: 'csv', limit: '5' }).success, false, 'export takes no paging');
  });
});

describe('history CSV', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('cr\r'), '"cr\r"');
  });

  it("prefixes cells a spreadsheet would run as a formula with '", () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-2+3'), "'-2+3");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tcmd'), "'\tcmd");
    assert.equal(csvCell('a=b'), 'a=b', 'only the first character counts');
  });

  it('writes a header and one CRLF-terminated row per record, the time in ISO 8601 and the details as JSON', () => {
    assert.equal(historyCsvHeader(), 'id,type,status,agent,title,at,details\r\n');
    const row = historyCsvRow(record({ title: '=cmd|calc', details: { comment: 'ok, ship it' } }));
    assert.equal(row, `approval:a1,approval,approved,builder,'=cmd|calc,2026-11-30T10:00:00.000Z,"{""comment"":""ok, ship it""}"\r\n`);
  });
});

describe('history records', () => {
  it('records an approval once decided, with who, the comment and the time to decision', () => {
    const approval = { id: 'ap 1', title: 'Deploy', agent: 'builder', tool: 'deploy', confidence: 50, risk: 'high', level: 'full', priority: 'normal', status: 'pending', destructive: false, target: '', createdAt: 1_000, dueAt: 2_000 } as Approval;
    assert.equal(approvalRecord(approval), undefined);
    const decided = approvalRecord({ ...approval, status: 'approved', decidedAt: 4_000, decidedBy: 'ana', comment: 'go' })!;
    assert.deepEqual(decided, { id: 'approval:ap%201', type: 'approval', status: 'approved', agent: 'builder', title: 'Deploy', at: 4_000, details: { tool: 'deploy', risk: 'high', level: 'full', decidedBy: 'ana', comment: 'go', timeToDecisionMs: 3_000 } });
  });

  it('records a task only once it finished, and a session only once it ended', () => {
    const task = { id: 't1', title: 'Build', agent: 'ci', steps: [{ name: 'a', weight: 1, state: 'failed', progress: 0.5, retries: 0, attempts: 1 }], status: 'running', percent: 50, timeoutMs: 1, lastReportAt: 0, stale: false, createdAt: 100, updatedAt: 200 } as Task;
    assert.equal(taskRecord(task), undefined);
    assert.deepEqual(taskRecord({ ...task, status: 'failed', finishedAt: 600, message: 'boom' })?.details, { percent: 50, steps: 1, failedSteps: 1, message: 'boom', durationMs: 500 });
    const session = { id: 'claude-code:s1', agent: 'claude-code', sessionId: 's1', cwd: '/home/ana/shop', status: 'idle', startedAt: 0, lastEventAt: 9_000, counts: { toolCalls: 3, approvals: 0, denials: 0, events: 5 }, tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite: 40 }, costUsd: 0.5, costApproximate: false, malformedLines: 0 } as AgentSession;
    assert.equal(sessionRecord(session), undefined);
    const ended = sessionRecord({ ...session, status: 'ended' })!;
    assert.equal(ended.title, 'shop');
    assert.equal(ended.details.costUsd, 0.5);
    assert.equal(ended.details.outputTokens, 20);
  });

  it('records a fired alert with its severity as the status, and the agent of the session it is about', () => {
    const stalled = alertRecord({ id: 'stalled:claude-code:s1@5', kind: 'stalled-session', severity: 'warning', subject: 'claude-code:s1', message: 'No progress for 10 minutes', firedAt: 5 });
    assert.deepEqual(stalled, { id: 'alert:stalled%3Aclaude-code%3As1%405', type: 'alert', status: 'warning', agent: 'claude-code', title: 'No progress for 10 minutes', at: 5, details: { kind: 'stalled-session', subject: 'claude-code:s1' } });
    assert.equal(alertRecord({ id: 'b@1', kind: 'budget', severity: 'info', subject: 'day', message: 'm', firedAt: 1 }).agent, '');
  });
});
