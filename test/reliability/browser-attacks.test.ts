import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requestJson } from '../helpers/serveFixture';
import { startServe, type ServeProcess } from '../helpers/serve';
import { generateToken } from '../../src/extension/engine/security/token';

/**
 * A real browser that has opened the dashboard once visits a page on ANOTHER 127.0.0.1 port (ports
 * separate origins, but not sites and not cookies). Everything that page tries against the relay
 * must fail, and the pending approval must stay pending.
 */
describe('browser attacks from a page on another local port (headless Chromium, real serve)', function () {
  this.timeout(60_000);
  let tempDir: string;
  let serve: ServeProcess;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let dashboard: Page;
  let evil: Page;
  let approvalId: string;
  const token = generateToken();
  /** Every Cookie header the attacker's server received. */
  const cookiesSeenByAttacker: string[] = [];

  const approvalStatus = async () => (await requestJson(serve.url, token, 'GET', `/api/approvals/${approvalId}`)).body.status as string;

  before(async () => {
    tempDir = await mkdtemp(path.join(tmpdir(), 'am-browser-attacks-'));
    serve = await startServe(['--workspace', tempDir, '--port', '0', '--token', token]);
    const created = await requestJson(serve.url, token, 'POST', '/api/approvals', { title: 'Drop the production database', confidence: 5, risk: 'high' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    approvalId = created.body.id;
    assert.equal(await approvalStatus(), 'pending');

    attacker = createServer((req, res) => {
      if (req.headers.cookie) cookiesSeenByAttacker.push(req.headers.cookie);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><title>cat pictures</title><iframe name="sink"></iframe>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
      headless: true,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(tempDir, 'xdg-config'), XDG_CACHE_HOME: path.join(tempDir, 'xdg-cache') },
    });
    context = await browser.newContext();
    dashboard = await context.newPage();
    await dashboard.goto(`${serve.url}/?token=${token}`);
    await dashboard.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor({ timeout: 20_000 });
    assert.doesNotMatch(dashboard.url(), /token=|session=/, 'the credential leaves the address bar');
    evil = await context.newPage();
    await evil.goto(`${attackerUrl}/`);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
    await serve?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  });

  it('keeps the dashboard signed in across a reload, while a tab opened without the token link stays unauthorized', async () => {
    await dashboard.reload();
    await dashboard.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor({ timeout: 20_000 });
    const bare = await context.newPage();
    await bare.goto(`${serve.url}/`);
    await bare.locator('[data-testid="connection-status"]', { hasText: /^unauthorized$/ }).waitFor({ timeout: 20_000 });
    await bare.close();
  });

  it('cannot decide the approval with a text/plain form POST or a no-cors fetch', async () => {
    const decision = `${serve.url}/api/approvals/${approvalId}/decision`;
    // enctype=text/plain turns name=value into `{"decision":"approve","comment":"="}`, valid JSON.
    await evil.evaluate((action) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = action;
      form.enctype = 'text/plain';
      form.target = 'sink';
      const input = document.createElement('input');
      input.name = '{"decision":"approve","comment":"';
      input.value = '"}';
      form.append(input);
      document.body.append(form);
      form.submit();
    }, decision);
    await evil.evaluate(async (action) => {
      await fetch(action, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"decision":"approve"}' });
      await fetch(action, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new Blob(['{"decision":"approve"}']) });
    }, decision);
    // The form's answer landing in the frame proves the request was sent and answered.
    await evil.waitForFunction(() => {
      try {
        return window.frames[0].location.href !== 'about:blank';
      } catch {
        return true; // cross-origin now: the answer loaded
      }
    });
    assert.equal(await approvalStatus(), 'pending');
  });

  it('cannot read the API with a credentialed fetch, nor learn the token from cookies', async () => {
    const results = await evil.evaluate(async (relay) => {
      // (No named inner functions: the test runner's transpiler would wrap them in a helper the page lacks.)
      const attempts: Array<[string, RequestInit]> = [
        [`${relay}/api/approvals`, { credentials: 'include' }],
        [`${relay}/api/approvals/x/decision`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"decision":"approve"}' }],
      ];
      const outcomes: string[] = [];
      for (const [url, init] of attempts) {
        try {
          const res = await fetch(url, init);
          outcomes.push(`read ${res.status}: ${(await res.text()).slice(0, 80)}`);
        } catch (error) {
          outcomes.push(`blocked: ${(error as Error).name}`);
        }
      }
      return { approvals: outcomes[0], decide: outcomes[1], cookie: document.cookie };
    }, serve.url);
    assert.match(results.approvals, /^blocked/);
    assert.match(results.decide, /^blocked/);
    assert.ok(!results.cookie.includes(token));
    await evil.reload();
    assert.ok(!cookiesSeenByAttacker.some((c) => c.includes(token)), `the attacker's server received the token in a cookie: ${cookiesSeenByAttacker.join(' | ')}`);
    assert.equal(await approvalStatus(), 'pending');
  });

  it('cannot open the relay WebSocket, read state:full or write state', async () => {
    const outcome = await evil.evaluate(
      ({ wsUrl, id }) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(wsUrl, ['agent-mesh.v1']);
          const frames: string[] = [];
          ws.onopen = () => {
            ws.send(JSON.stringify({ type: 'state:update', id: 'evil-1', path: 'pwned', value: true, version: 0, timestamp: Date.now() }));
            ws.send(JSON.stringify({ type: 'approval:decide', id: 'evil-2', approvalId: id, decision: 'approve' }));
          };
          ws.onmessage = (event) => frames.push(String(event.data).slice(0, 40));
          ws.onerror = () => resolve(`refused after ${frames.length} frames`);
          ws.onclose = () => resolve(`closed after ${frames.length} frames`);
          setTimeout(() => resolve(`open with frames: ${frames.join(' ')}`), 3000);
        }),
      { wsUrl: `${serve.url.replace(/^http/, 'ws')}/ws`, id: approvalId },
    );
    assert.match(outcome, /^(refused|closed) after 0 frames$/, outcome);
    const state = await requestJson(serve.url, token, 'GET', '/api/dashboard/state');
    assert.equal(state.body.state.pwned, undefined);
    assert.equal(await approvalStatus(), 'pending');
  });

  it('cannot frame the dashboard', async () => {
    await evil.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.id = 'framed';
      frame.src = src;
      document.body.append(frame);
      return new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    }, `${serve.url}/`);
    const framed = evil.frames().find((f) => f !== evil.mainFrame() && f.name() !== 'sink');
    assert.ok(framed, 'the frame exists');
    const rendered = await framed.evaluate(() => document.querySelector('[data-testid="connection-status"]')?.textContent ?? null).catch(() => null);
    assert.equal(rendered, null, 'the dashboard rendered inside another page');
    assert.equal(await approvalStatus(), 'pending');
  });

  it('still lets the dashboard page itself decide, with its session secret', async () => {
    const answer = await dashboard.evaluate(async (id) => {
      const res = await fetch(`api/approvals/${id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-agent-mesh-session': sessionStorage.getItem('agentMesh.session') ?? '' },
        body: JSON.stringify({ decision: 'reject', comment: 'not today', by: 'dashboard' }),
      });
      return res.status;
    }, approvalId);
    assert.equal(answer, 200);
    assert.equal(await approvalStatus(), 'rejected');
  });
});
