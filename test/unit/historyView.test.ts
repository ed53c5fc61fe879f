import { strict as assert } from 'node:assert';
import type { HistoryRecord } from '../../src/shared/history';
import { detailSummary, exportCapNotice, historyQueryString, NO_FILTERS, statusesFor } from '../../src/webview/history/view';

describe('History panel view', () => {
  it('sends only the filters that are set, the search trimmed, and the extra parameters', () => {
    assert.equal(historyQueryString(NO_FILTERS), '');
    assert.equal(historyQueryString({ ...NO_FILTERS, q: '   ' }), '');
    assert.equal(historyQueryString({ ...NO_FILTERS, type: 'approval', agent: 'a b&c', q: ' deploy ', from: '2026-11-01' }, { format: 'csv' }), '?type=approval&agent=a+b%26c&from=2026-11-01&q=deploy&format=csv');
  });

  it('offers the statuses of the chosen type, or of every type once each', () => {
    assert.deepEqual(statusesFor('approval'), ['approved', 'rejected', 'expired', 'cancelled']);
    const every = statusesFor('');
    assert.equal(new Set(every).size, every.length);
    assert.ok(every.includes('completed') && every.includes('ended') && every.includes('warning'));
  });

  it('sums a record up in one line', () => {
    const base: HistoryRecord = { id: 'approval:1', type: 'approval', status: 'approved', agent: 'builder', title: 'Deploy', at: 0, details: {} };
    assert.equal(detailSummary({ ...base, details: { decidedBy: 'ana', comment: 'ship it', timeToDecisionMs: 180_000 } }), 'by ana · “ship it” · decided in 3 min');
    assert.equal(detailSummary({ ...base, type: 'session', status: 'ended', details: { costUsd: 0.0012, costApproximate: false, outputTokens: 20, model: 'claude-sonnet-4-5' } }), '$0.0012 · 20 output tokens · claude-sonnet-4-5');
    assert.equal(detailSummary({ ...base, type: 'session', status: 'ended', details: { costUsd: null } }), '—');
    assert.equal(detailSummary({ ...base, type: 'task', status: 'failed', details: { percent: 40, message: 'tests failed' } }), '40% · tests failed');
  });

  it('says when an export was capped, from the x-history-truncated header of the answer', () => {
    assert.equal(exportCapNotice(new Headers({ 'x-history-truncated': 'true' })), 'First 10,000 matching records exported, the newest: more match. Narrow the filters (a date range, a type, an agent) to export the rest.');
    assert.equal(exportCapNotice(new Headers({ 'x-history-truncated': 'false' })), undefined);
    assert.equal(exportCapNotice(new Headers()), undefined, 'an answer without the header was not capped');
  });
});
