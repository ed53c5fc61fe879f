import type { Router } from '../relay/router';
import { validate } from '../relay/http';
import { historyCsvHeader, historyCsvRow } from './csv';
import { historyExportSchema, historyQuerySchema } from './query';
import type { HistoryService } from './service';

/**
 * `GET /api/history?type=&status=&agent=&from=&to=&q=&limit=&cursor=`: a page of records, newest first.
 * `GET /api/history/export?format=csv|json&<the same filters>`: the newest HISTORY_EXPORT_CAP that match, as an attachment.
 */
export function registerHistoryRoutes(router: Router, history: HistoryService, now: () => number = Date.now): void {
  router.add('GET', '/api/history', ({ url }) => history.query(validate(historyQuerySchema, Object.fromEntries(url.searchParams))));
  router.add('GET', '/api/history/export', async ({ url, res }) => {
    const { format, ...filter } = validate(historyExportSchema, Object.fromEntries(url.searchParams));
    const { records, truncated } = await history.exportRecords(filter);
    const body = format === 'csv' ? historyCsvHeader() + records.map(historyCsvRow).join('') : JSON.stringify({ records, truncated });
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="agent-mesh-history-${new Date(now()).toISOString().slice(0, 10)}.${format}"`,
      'cache-control': 'no-store',
      'x-history-truncated': String(truncated),
    });
    res.end(body);
  });
}
