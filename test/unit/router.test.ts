import { strict as assert } from 'node:assert';
import { HttpError } from '../../src/extension/engine/relay/http';
import { Router } from '../../src/extension/engine/relay/router';

describe('router', () => {
  const router = new Router();
  router.add('GET', '/health', () => 'health', { isPublic: true });
  router.add('GET', '/api/approvals/:id', () => 'one');
  router.add('POST', '/api/approvals/:id/decision', () => 'decide');

  it('matches static and parameterised paths', () => {
    assert.equal(router.match('GET', '/health').isPublic, true);
    const match = router.match('GET', '/api/approvals/a%20b');
    assert.deepEqual(match.params, { id: 'a b' });
    assert.equal(match.isPublic, false);
  });

  it('answers 405 for a known path with another method and 404 for unknown paths', () => {
    assert.throws(() => router.match('DELETE', '/health'), (e: HttpError) => e.status === 405);
    assert.throws(() => router.match('GET', '/nope'), (e: HttpError) => e.status === 404);
    assert.throws(() => router.match('GET', '/api/approvals/%E0%A4%A'), (e: HttpError) => e.status === 404);
  });

  it('gives every route a body limit, 1 MiB unless the route sets its own', () => {
    const limited = new Router();
    limited.add('POST', '/small', () => 'small', { maxBodyBytes: 100 });
    limited.add('POST', '/default', () => 'default');
    assert.equal(limited.match('POST', '/small').maxBodyBytes, 100);
    assert.equal(limited.match('POST', '/default').maxBodyBytes, 1024 * 1024);
  });

  it('reports public paths only for public routes', () => {
    assert.equal(router.isPublic('GET', '/health'), true);
    assert.equal(router.isPublic('GET', '/api/approvals/1'), false);
    assert.equal(router.isPublic('GET', '/unknown'), false);
  });
});
