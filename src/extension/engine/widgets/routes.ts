import { readJsonBody } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import type { WidgetService } from './service';

/** POST /api/widgets (API.md), GET /api/widgets, DELETE /api/widgets/:id, POST /api/widgets/:id/retry. */
export function registerWidgetRoutes(router: Router, widgets: WidgetService): void {
  router.add('GET', '/api/widgets', () => widgets.list());
  router.add('POST', '/api/widgets', async ({ req }) => {
    const body = await readJsonBody(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EngineError('invalid', 'invalid_widget', '(body): must be an object { id, type, data }');
    return widgets.render(body as { id: string; type: string; data: unknown });
  });
  router.add('DELETE', '/api/widgets/:id', async ({ params }) => {
    await widgets.remove(params.id);
    return { success: true };
  });
  router.add('POST', '/api/widgets/:id/retry', ({ params }) => widgets.retry(params.id));
}
