import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { renderDashboardHtml } from '../../../shared/dashboardHtml';
import { tokensEqual } from '../security/token';
import { isAuthorized, tokenCookie } from './auth';
import { HttpError } from './http';
import type { Router } from './router';

/** Files of the built extension the browser page needs, relative to the extension root. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'webview.js': { file: 'dist/webview.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'media/dashboard.css', type: 'text/css; charset=utf-8' },
};

/**
 * `GET /` serves the dashboard to any browser. Opening `/?token=T` once stores the token in an
 * HttpOnly, SameSite=Strict cookie and redirects to `/`, so the token leaves the address bar.
 */
export function registerDashboardRoutes(router: Router, token: string, extensionRoot: string): void {
  router.add(
    'GET',
    '/',
    ({ req, res, url }) => {
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null) {
        if (!tokensEqual(token, queryToken)) throw new HttpError(401, 'unauthorized', 'wrong token');
        // Relative, so the page also works behind a path proxy (code-server's /proxy/PORT/).
        res.writeHead(303, { location: './', 'set-cookie': tokenCookie(token), 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (!isAuthorized(req, token)) {
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'www-authenticate': 'Bearer' });
        res.end(
          '<!DOCTYPE html><title>Agent Mesh</title><p>Open this page with the relay token: <code>/?token=…</code> ' +
            '(VS Code: "Agent Mesh: Copy Relay URL"; headless: the token printed by <code>agent-mesh serve</code>).</p>',
        );
        return;
      }
      const nonce = randomBytes(16).toString('base64');
      const html = renderDashboardHtml({
        title: 'Agent Mesh',
        scriptUri: 'assets/webview.js',
        styleUri: 'assets/dashboard.css',
        nonce,
        cspSource: "'self'",
        connectSrc: "'self'",
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(html);
    },
    { isPublic: true },
  );

  router.add('GET', '/assets/:name', async ({ res, params }) => {
    const asset = ASSETS[params.name];
    if (!asset) throw new HttpError(404, 'not_found', `no asset ${params.name}`);
    let body: Buffer;
    try {
      body = await readFile(path.join(extensionRoot, asset.file));
    } catch {
      throw new HttpError(404, 'not_built', `${asset.file} is missing: run the build first`);
    }
    res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(body);
  });
}
