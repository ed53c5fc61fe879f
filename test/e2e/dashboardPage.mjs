// A dashboard page in headless Chromium against a real `agent-mesh serve` (dist/cli.js), for suites
// that test the browser dashboard without code-server: serve in a temp workspace with a fresh token,
// the page opened with the token link and connected, a screenshot and the logs of a failed test.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, fileNameOf, ROOT, SCREENSHOTS_DIR, startProcess, stopProcess } from './harness.mjs';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const LISTENING = /^agent-mesh listening /;
export const WAIT_MS = 10_000;

export function visible(locator) {
  return locator.waitFor({ state: 'visible', timeout: WAIT_MS });
}

/**
 * Registers mocha hooks for the suite and returns its fixture: `page`, `openPage(viewport?)`, `serve` ({ url, output, child }),
 * `workspace`, `tempDir` and `api(method, path, body)` (the bearer token; resolves { status, body }).
 * `prefix` names the temp folder and failure screenshots; serve's HOME is the temp folder, so that its
 * discovery file stays out of the real home;
 * `prepare(workspace)` runs before serve starts (to write its config). `token` is serve's API token.
 * `config` (agentMesh.* settings) is written to the workspace's agent-mesh.config.json before serve starts.
 */
export function useDashboardPage({ prefix, viewport = { width: 1280, height: 1000 }, prepare = async () => {}, config }) {
  const token = randomBytes(32).toString('hex');
  const consoleLines = [];
  let browser;
  const fixture = {
    token,
    tempDir: undefined,
    workspace: undefined,
    serve: undefined,
    page: undefined,
    async api(method, apiPath, body) {
      const response = await fetch(`${fixture.serve.url}${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
  };
  /** Another dashboard on the same relay (its own browser context, like a second device), opened with the token link and connected. */
  fixture.openPage = async (pageViewport = viewport) => {
    const context = await browser.newContext({ viewport: pageViewport, locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    await page.goto(`${fixture.serve.url}/?token=${token}`);
    await page.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor({ timeout: 15_000 });
    return page;
  };
  const killServeAtExit = () => fixture.serve?.child.kill('SIGKILL');

  before(async function () {
    fixture.tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), `agent-mesh-${prefix}-e2e-`));
    fixture.workspace = path.join(fixture.tempDir, 'workspace');
    await fsp.mkdir(fixture.workspace);
    if (config) await fsp.writeFile(path.join(fixture.workspace, 'agent-mesh.config.json'), JSON.stringify(config));
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run node esbuild.mjs first`);
    await prepare(fixture.workspace);
    const started = await startProcess([CLI, 'serve', '--workspace', fixture.workspace, '--port', '0', '--token', token], {
      ready: LISTENING,
      what: 'agent-mesh serve',
      timeoutMs: 15_000,
      env: { HOME: fixture.tempDir },
    });
    fixture.serve = { ...started, url: started.readyLine.replace(LISTENING, '').trim() };
    process.once('exit', killServeAtExit);
    // Chromium writes caches and crash-report folders under $XDG_*: keep them in the temp folder.
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(fixture.tempDir, 'xdg-config'), XDG_CACHE_HOME: path.join(fixture.tempDir, 'xdg-cache') },
    });
    fixture.page = await fixture.openPage();
  });

  afterEach(async function () {
    const { page, serve } = fixture;
    if (this.currentTest?.state !== 'failed' || !page) return;
    const file = path.join(SCREENSHOTS_DIR, `failure-${prefix}-${fileNameOf(this.currentTest.title)}.png`);
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    const saved = await page.screenshot({ path: file, fullPage: true }).then(() => file, (error) => `(no screenshot: ${error.message})`);
    console.error(`    screenshot: ${saved}\n---- serve output ----\n${serve.output.slice(-60).join('\n')}\n---- browser console (last 80) ----\n${consoleLines.slice(-80).join('\n')}`);
  });

  after(async function () {
    await browser?.close();
    await stopProcess(fixture.serve?.child);
    process.off('exit', killServeAtExit);
    if (fixture.tempDir) await fsp.rm(fixture.tempDir, { recursive: true, force: true });
  });

  return fixture;
}
