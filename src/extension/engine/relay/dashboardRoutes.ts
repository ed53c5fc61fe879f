import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dashboardCsp, renderDashboardHtml, type DashboardHtmlOptions } from '../../../shared/dashboardHtml';
import { SESSION_FRAGMENT_KEY } from '../../../shared/relayAuth';
import { tokensEqual } from '../security/token';
import { issueSession } from './auth';
import { HttpError } from './http';
import type { Router } from './router';

/** Files of the built extension the browser page needs, relative to the extension root. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'webview.js': { file: 'dist/webview.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'media/dashboard.css', type: 'text/css; charset=utf-8' },
  'favicon.svg': { file: 'media/favicon.svg', type: 'image/svg+xml' },
};

/** A chunk of the webview module that loads when a panel needs it (esbuild's `chunk-[hash]` names). */
const WEBVIEW_CHUNK = /^chunk-[A-Z0-9]{1,32}\.js$/;

function assetOf(name: string): { file: string; type: string } | undefined {
  if (Object.hasOwn(ASSETS, name)) return ASSETS[name];
  return WEBVIEW_CHUNK.test(name) ? { file: `dist/${name}`, type: 'text/javascript; charset=utf-8' } : undefined;
}

/** Earlier versions kept the token in this cookie; every answer to the token link clears it. */
const LEGACY_TOKEN_COOKIE_CLEARED = 'agent_mesh_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict';

/**
 * `GET /` serves the dashboard shell, which holds no secret. Opening `/?token=T` trades the token
 * for a page session secret and redirects to `./#session=S`: the token leaves the address bar, and
 * the page script moves S from the fragment (never sent to a server) into its tab's sessionStorage.
 * No cookie is involved: a browser would send one to every port of this host.
 */
export function registerDashboardRoutes(router: Router, token: string, extensionRoot: string): void {
  router.add(
    'GET',
    '/',
    ({ res, url }) => {
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null) {
        if (!tokensEqual(token, queryToken)) throw new HttpError(401, 'unauthorized', 'wrong token');
        // Relative, so the page also works behind a path proxy (code-server's /proxy/PORT/).
        res.writeHead(303, {
          location: `./#${SESSION_FRAGMENT_KEY}=${issueSession(token)}`,
          'set-cookie': LEGACY_TOKEN_COOKIE_CLEARED,
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
      const page: DashboardHtmlOptions = {
        title: 'Agent Mesh',
        scriptUri: 'assets/webview.js',
        styleUri: 'assets/dashboard.css',
        iconUri: 'assets/favicon.svg',
        nonce: randomBytes(16).toString('base64'),
        cspSource: "'self'",
        connectSrc: "'self'",
      };
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `${dashboardCsp(page)}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
      });
      res.end(renderDashboardHtml(page));
    },
    { isPublic: true },
  );

  router.add(
    'GET',
    '/assets/:name',
    async ({ res, params }) => {
      const asset = assetOf(params.name);
      if (!asset) throw new HttpError(404, 'not_found', `no asset ${params.name}`);
      let body: Buffer;
      try {
        body = await readFile(path.join(extensionRoot, asset.file));
      } catch {
        throw new HttpError(404, 'not_built', `${asset.file} is missing: run the build first`);
      }
      res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, 'cache-control': 'no-cache' });
      res.end(body);
    },
    // The built app is no secret; the page needs it before it has its session.
    { isPublic: true },
  );
}
