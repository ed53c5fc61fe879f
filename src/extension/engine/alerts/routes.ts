import type { Router } from '../relay/router';
import type { AlertMonitor } from './monitor';

/**
 * `GET /api/alerts`: the fired alerts, newest first, after evaluating the rules so the answer is current.
 * `POST /api/alerts/:id/dismiss`: marks one dismissed (404 for an unknown id).
 */
export function registerAlertRoutes(router: Router, monitor: AlertMonitor, evaluate: () => void, now: () => number = Date.now): void {
  router.add('GET', '/api/alerts', () => {
    evaluate();
    return monitor.list();
  });
  router.add('POST', '/api/alerts/:id/dismiss', ({ params }) => monitor.dismiss(params.id, now()));
}
