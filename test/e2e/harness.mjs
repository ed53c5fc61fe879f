// Reusable helpers for tests in a real VS Code: code-server (VS Code 1.100.3 server + workbench)
// driven by headless Chromium through playwright-core. See shared/design/TESTING.md.
//
//   const session = useSession({ workspaceFiles: { '.vscode/mcp.json': '{"servers":{}}' } }); // in a describe: its hooks
//   it('…', async () => { await session.runCommand('Agent Mesh: Open Dashboard'); ... });
// or, outside mocha's hooks:
//   const session = await startSession();
//   try { ... } finally { await session.dispose(); }

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CODE_SERVER_DIR = path.join(ROOT, '.cache', 'e2e', 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const SCREENSHOTS_DIR = path.join(ROOT, 'test-results', 'screenshots');
export const RUNNER_SOURCE_DIR = path.join(ROOT, 'test', 'vscode-runner');
export const RUNNER_CONFIG_FILE = 'runner-config.json';
export const RUNNER_EXTENSION_ID = 'agent-mesh-test.vscode-runner'; // publisher.name of test/vscode-runner
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The product's activity-bar container. */
export const AGENT_MESH = 'Agent Mesh';
export const DEMO_DIR = path.join(ROOT, 'demo');
export const DEMO_LAUNCHER = path.join(ROOT, 'dist', 'demo', 'launch.js');
export const DEMO_AGENT = path.join(ROOT, 'dist', 'demo', 'a2a-agent.js');
/** The demo's default base port: build-server 7801, Planner 7811, Reviewer 7812, Researcher 7813. */
export const DEMO_BASE_PORT = 7800;
const DEMO_OFFSETS = [1, 11, 12, 13];
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const PRODUCT_FILES = ['package.json', 'dist', 'media', 'README.md'];
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.commandCenter.enabled': false,
  // demo/ lies inside the project's git repository; do not ask to open it.
  'git.openRepositoryInParentFolders': 'never',
};

const log = (...args) => console.log('    [harness]', ...args);

// ---------------------------------------------------------------------------------------------
// Small utilities

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function findFreePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls `probe` until it returns a truthy value; after `timeoutMs` throws an error naming `what`. */
export async function waitFor(probe, { timeoutMs, intervalMs = 250, what }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError ? ` (last error: ${lastError.message ?? lastError})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(intervalMs);
  }
}

export function readProductManifest() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const key of ['publisher', 'name', 'version']) {
    if (!manifest[key]) throw new Error(`package.json has no "${key}"`);
  }
  return manifest;
}

/** `publisher.name`, as VS Code identifies the product extension. */
export function productExtensionId() {
  const { publisher, name } = readProductManifest();
  return `${publisher}.${name}`;
}

/**
 * The session's workspace: when `files` are given, a folder `workspace` in `baseDir` holding them (a
 * path in the folder → its text, or a function of the folder's path that returns them); else the
 * demo/ folder when it exists with a .vscode/mcp.json, else such a folder with an empty one.
 */
export async function prepareWorkspace(baseDir, files) {
  const workspace = path.join(baseDir, 'workspace');
  if (!files) {
    if (fs.existsSync(path.join(DEMO_DIR, '.vscode', 'mcp.json'))) return DEMO_DIR;
    log(`demo/.vscode/mcp.json not found; using a temp workspace ${workspace}`);
    files = { '.vscode/mcp.json': JSON.stringify({ servers: {} }, null, 2) + '\n' };
  }
  for (const [name, text] of Object.entries(typeof files === 'function' ? files(workspace) : files)) {
    const file = path.join(workspace, name);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, text);
  }
  return workspace;
}

// ---------------------------------------------------------------------------------------------
// Processes and the demo services

/**
 * Starts `node ...args` in ROOT and resolves once a stdout line matches `ready`, with that line and
 * every output line so far (and later ones); rejects with its output otherwise. stdin stays an open
 * pipe: the demo services exit when it closes.
 */
export async function startProcess(args, { ready, what, env = {}, timeoutMs = 30_000 }) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const readyLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} not ready within ${timeoutMs} ms\n${output.join('\n')}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready\n${output.join('\n')}`));
    });
  });
  return { child, readyLine, output };
}

/** SIGTERM, then SIGKILL if `child` has not exited after `graceMs`. */
export async function stopProcess(child, graceMs = 8000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // An unreferenced timer: a process that exits at once must not leave node waiting out the grace.
  const exited = await Promise.race([once(child, 'exit').then(() => true), sleep(graceMs, undefined, { ref: false }).then(() => false)]);
  if (!exited) child.kill('SIGKILL');
}

async function portAnswers(port) {
  try {
    await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** `preferred` when none of the demo's ports from it answer; else, unless `fallback` is off, a free range elsewhere. */
async function demoBasePort(preferred, fallback) {
  const candidates = [preferred, ...(fallback ? Array.from({ length: 20 }, () => 20_000 + Math.floor(Math.random() * 20_000)) : [])];
  for (const base of candidates) {
    const busy = await Promise.all(DEMO_OFFSETS.map((offset) => portAnswers(base + offset)));
    if (!busy.some(Boolean)) return base;
    if (!fallback) throw new Error(`port ${base + DEMO_OFFSETS[busy.indexOf(true)]} already answers: stop the other demo before running this test`);
  }
  throw new Error('found no free port range for the demo services');
}

/**
 * Starts the demo services (`node dist/demo/launch.js`) from `basePort`, or from a free range
 * elsewhere when those ports are taken (e.g. by another suite running the demo) unless `fallback`
 * is false (demo/.vscode/mcp.json names port 7801). Resolves once the launcher says they are ready.
 */
export async function startDemoServices({ basePort = DEMO_BASE_PORT, fallback = true } = {}) {
  if (!fs.existsSync(DEMO_LAUNCHER)) throw new Error(`${DEMO_LAUNCHER} is missing: run node esbuild.mjs first`);
  const base = await demoBasePort(basePort, fallback);
  const { child: launcher } = await startProcess([DEMO_LAUNCHER], { ready: /^demo: ready$/, what: 'the demo (dist/demo/launch.js)', env: { DEMO_BASE_PORT: String(base) } });
  return {
    basePort: base,
    launcher,
    /** The demo config's mesh agents (demo/agent-mesh.config.json), moved to this base port. */
    async meshAgents() {
      const config = JSON.parse(await fsp.readFile(path.join(DEMO_DIR, 'agent-mesh.config.json'), 'utf8'));
      return config['agentMesh.mesh.agents'].map((agent) => {
        const url = new URL(agent.url);
        url.port = String(Number(url.port) - DEMO_BASE_PORT + base);
        return { ...agent, url: url.toString().replace(/\/$/, '') };
      });
    },
    /** The pid of the launcher's agent `name` (ps lists the launcher's children with their arguments). */
    async agentPid(name) {
      const ps = spawn('ps', ['-o', 'pid=,args=', '--ppid', String(launcher.pid)]);
      let out = '';
      ps.stdout.on('data', (d) => (out += d));
      await once(ps, 'exit');
      const line = out.split('\n').find((l) => l.includes('a2a-agent.js') && l.includes(`--name ${name} `));
      if (!line) throw new Error(`no demo agent "${name}" among the launcher's children:\n${out}`);
      return Number(line.trim().split(/\s+/)[0]);
    },
    stop: () => stopProcess(launcher),
  };
}

// ---------------------------------------------------------------------------------------------
// Extensions

/** Copies the built product (package.json, dist/, media/, README.md) into EXT_DIR/publisher.name-version. */
export async function installProductExtension(extensionsDir) {
  const { publisher, name, version, main } = readProductManifest();
  if (main && !fs.existsSync(path.join(ROOT, main))) {
    throw new Error(`the product is not built: ${main} is missing (run: node esbuild.mjs)`);
  }
  const target = path.join(extensionsDir, `${publisher}.${name}-${version}`);
  await fsp.mkdir(target, { recursive: true });
  for (const entry of PRODUCT_FILES) {
    const source = path.join(ROOT, entry);
    if (fs.existsSync(source)) await fsp.cp(source, path.join(target, entry), { recursive: true });
  }
  return target;
}

/**
 * Copies the test-runner extension into EXT_DIR and writes its config: the absolute path of the
 * suite module it runs and of the JSON file it writes the results to.
 */
export async function installRunnerExtension(extensionsDir, { suiteModule, resultsFile }) {
  const manifest = JSON.parse(await fsp.readFile(path.join(RUNNER_SOURCE_DIR, 'package.json'), 'utf8'));
  const target = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  await fsp.cp(RUNNER_SOURCE_DIR, target, { recursive: true });
  const config = { suiteModule, resultsFile };
  await fsp.writeFile(path.join(target, RUNNER_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  return target;
}

// ---------------------------------------------------------------------------------------------
// code-server

// code-server runs in its own process group (so that stopping it also ends its extension host),
// which a Ctrl-C in the terminal does not reach. Synchronous last-resort cleanups (kill the group,
// remove the temp folder) run when this process exits before a session was disposed.
const exitCleanups = new Set();
let exitHooksInstalled = false;

/** Registers `fn` to run synchronously at process exit; returns a function that unregisters it. */
function cleanupAtExit(fn) {
  exitCleanups.add(fn);
  if (!exitHooksInstalled) {
    exitHooksInstalled = true;
    process.on('exit', () => {
      for (const cleanup of [...exitCleanups].reverse()) {
        try {
          cleanup();
        } catch {
          // best effort: the process is ending
        }
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        console.error(`\n    [harness] ${signal}: stopping code-server`);
        process.exit(130);
      });
    }
  }
  return () => exitCleanups.delete(fn);
}

/**
 * Starts code-server (TESTING.md step 3) in its own process group and waits for its HTTP port.
 * Returns { port, url, process, output(), stop() }.
 */
export async function startCodeServer({ userDataDir, extensionsDir, workspace, configFile, env = {}, startTimeoutMs = 45_000 }) {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed at ${CODE_SERVER_ENTRY} (run: bash scripts/setup-e2e.sh)`);
  }
  const port = await findFreePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
  const child = spawn(process.execPath, args, {
    cwd: CODE_SERVER_DIR,
    detached: true, // own process group, so stop() ends the extension host and its children too
    stdio: ['ignore', 'pipe', 'pipe'],
    // code-server writes a config file with a password on first start; keep it out of $HOME.
    env: { ...process.env, ...env, CODE_SERVER_CONFIG: configFile },
  });
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  const output = () => Buffer.concat(chunks).toString('utf8');
  let exited = null;
  const forgetAtExit = cleanupAtExit(() => process.kill(-child.pid, 'SIGKILL'));
  const exitPromise = once(child, 'exit').then(([code, signal]) => {
    exited = { code, signal };
    forgetAtExit();
  });

  const server = {
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    output,
    async stop() {
      if (exited) return;
      for (const [signal, graceMs] of [['SIGTERM', 5000], ['SIGKILL', 5000]]) {
        try {
          process.kill(-child.pid, signal);
        } catch (error) {
          if (error.code === 'ESRCH') return;
          throw error;
        }
        const done = await Promise.race([exitPromise.then(() => true), sleep(graceMs, undefined, { ref: false }).then(() => false)]);
        if (done) return;
      }
    },
  };

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)})`);
        const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        return response.ok;
      },
      { timeoutMs: startTimeoutMs, intervalMs: 200, what: `code-server on port ${port}` },
    );
  } catch (error) {
    console.error(`---- code-server output ----\n${output()}\n---- end of code-server output ----`);
    await server.stop();
    throw error;
  }
  return server;
}

// ---------------------------------------------------------------------------------------------
// The session: temp dirs + code-server + Chromium on the workbench

export class Session {
  constructor() {
    this.disposables = [];
    this.consoleLines = [];
  }

  /** Runs `fn` at dispose time, newest first. */
  onDispose(fn) {
    this.disposables.push(fn);
  }

  async dispose() {
    const errors = [];
    while (this.disposables.length) {
      const fn = this.disposables.pop();
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length) console.error('    [harness] errors while cleaning up:', errors);
  }

  /** Everything the extension host and the server logged so far; printed when a test fails. */
  diagnostics() {
    const parts = [];
    if (this.server) parts.push(`---- code-server output ----\n${this.server.output()}`);
    for (const file of this.extensionHostLogs()) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const tail = lines.length > 60 ? ['(… earlier lines left out)', ...lines.slice(-60)] : lines;
      parts.push(`---- ${path.relative(this.baseDir, file)} ----\n${tail.join('\n')}`);
    }
    if (this.consoleLines.length) parts.push(`---- browser console (last 80) ----\n${this.consoleLines.slice(-80).join('\n')}`);
    return parts.join('\n');
  }

  /** The extension host's own log and the log files of the product and the test runner. */
  extensionHostLogs() {
    const logsDir = path.join(this.userDataDir ?? '', 'logs');
    if (!this.userDataDir || !fs.existsSync(logsDir)) return [];
    const ours = [productExtensionId(), RUNNER_EXTENSION_ID].map((id) => `${path.sep}${id}${path.sep}`);
    const found = [];
    const walk = (dir) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === 'remoteexthost.log' || ours.some((folder) => full.includes(folder))) found.push(full);
      }
    };
    walk(logsDir);
    return found;
  }

  // -- workbench helpers -----------------------------------------------------------------------

  /** Opens the command palette with F1, types `title`, and returns the matching row locator. */
  async findCommandInPalette(title, { timeoutMs = 15_000 } = {}) {
    const { page } = this;
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(`>${title}`);
    const row = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
    await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return row.first();
  }

  /** Runs a command by its palette title, e.g. 'Agent Mesh: Open Dashboard'. */
  async runCommand(title, options) {
    const row = await this.findCommandInPalette(title, options);
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }

  async closeQuickInput() {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /**
   * The activity-bar entry (`li[role=tab]`, aria-selected when open) labelled `title`, e.g. 'Agent
   * Mesh'. The label may carry a keybinding ("Title (Ctrl+…)") or a badge ("Title - 3 approvals waiting").
   */
  activityBarItem(title) {
    const label = cssString(title);
    return this.page
      .locator('.part.activitybar li.action-item[role="tab"]')
      .filter({
        has: this.page.locator(`a.action-label[aria-label="${label}"], a.action-label[aria-label^="${label} ("], a.action-label[aria-label^="${label} - "]`),
      });
  }

  /** Clicks the activity-bar entry `title` unless its container is already showing; waits for the sidebar title. */
  async openViewContainer(title, { timeoutMs = 20_000 } = {}) {
    const item = this.activityBarItem(title);
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    const sidebarTitle = this.page.locator('.part.sidebar .composite.title h2');
    const current = (await sidebarTitle.isVisible()) ? (await sidebarTitle.textContent())?.trim().toUpperCase() : '';
    if (current !== title.toUpperCase()) await item.click();
    await waitFor(
      async () => (await sidebarTitle.textContent())?.trim().toUpperCase() === title.toUpperCase(),
      { timeoutMs, what: `the side bar to show "${title}"` },
    );
  }

  /** Right-clicks `target` and runs `title` from its context menu (hovered first: a menu ignores a click too soon after it opened). */
  async runFromContextMenu(target, title) {
    await target.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    const item = menu.locator('.action-item').filter({ hasText: new RegExp(`^${escapeRegExp(title)}$`) }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    // A click can be lost while the tree re-renders the row under the menu: the menu then stays open
    // with its item still there, and clicking again is the only way it ever runs.
    for (let attempt = 1; ; attempt += 1) {
      await item.hover();
      await item.click();
      const closed = await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false);
      if (closed) return;
      if (attempt === 3 || !(await item.isVisible())) throw new Error(`the context menu stayed open after clicking "${title}" ${attempt} times`);
    }
  }

  /** Opens the Agent Mesh container in the side bar. */
  openAgentMesh(options) {
    return this.openViewContainer(AGENT_MESH, options);
  }

  /** The header of the view pane named `name` in the side bar. */
  viewPaneHeader(name) {
    return this.page
      .locator('.part.sidebar .pane-header')
      .filter({ has: this.page.locator('h3.title', { hasText: new RegExp(`^${escapeRegExp(name)}$`, 'i') }) });
  }

  /** The view pane named `name` in the side bar (header and body). */
  viewPane(name) {
    return this.page
      .locator('.part.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escapeRegExp(name)}$`, 'i') }) });
  }

  /** Waits for the view `name` in the side bar and expands it unless it is expanded already. */
  async expandView(name, { timeoutMs = 20_000 } = {}) {
    const header = this.viewPaneHeader(name);
    await header.waitFor({ state: 'visible', timeout: timeoutMs });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  }

  /**
   * Merges `values` into the user settings and reloads the workbench: code-server does not notice
   * a settings file changed behind its back, and the reload restarts the extension host too.
   */
  async writeUserSettings(values) {
    const settingsFile = path.join(this.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(await fsp.readFile(settingsFile, 'utf8'));
    await fsp.writeFile(settingsFile, JSON.stringify({ ...settings, ...values }, null, 2));
    await this.page.reload();
    await this.workbench.waitFor({ state: 'visible', timeout: 60_000 });
  }

  /**
   * The inner document of a webview. VS Code webviews are nested iframes: an outer
   * `iframe.webview` (its src carries extensionId and purpose) whose page holds `iframe#active-frame`.
   * `purpose` is 'webviewView' for views; editor panels carry no purpose.
   */
  webview({ extensionId, purpose }) {
    let selector = `iframe.webview[src*="extensionId=${extensionId}"]`;
    selector += purpose ? `[src*="purpose=${purpose}"]` : ':not([src*="purpose="])';
    return this.page.frameLocator(selector).frameLocator('iframe#active-frame');
  }

  /** Waits until `locator`'s text (trimmed) equals `text`; the error names the last text seen. */
  async waitForText(locator, text, { timeoutMs = 30_000, what = 'element' } = {}) {
    await pollValue(async () => (await locator.first().textContent({ timeout: 1000 }))?.trim() ?? '(no text)', (value) => value === text, {
      timeoutMs,
      what: `${what} to read "${text}"`,
      initial: '(not found)',
      seen: 'last text seen',
    });
  }

  /** Waits until `test` accepts `locator`'s aria-label and returns it; the error names the last label seen. */
  waitForLabel(locator, test, { timeoutMs = 30_000, what }) {
    return pollValue(async () => (await locator.first().getAttribute('aria-label', { timeout: 1000 })) ?? '', test, {
      timeoutMs,
      what,
      initial: '(no row)',
      seen: 'last label',
    });
  }

  /** A request to the relay found by useSession's `relay` option, with its token; resolves { status, body }. */
  api(method, route, body) {
    return relayRequest(this.relay, method, route, body);
  }

  /** Saves test-results/screenshots/<name> and returns its path. */
  async screenshot(name) {
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    const file = path.join(SCREENSHOTS_DIR, name);
    const { width, height } = this.page.viewportSize();
    // Move the mouse off the UI and let a hover tooltip fade, so that it does not cover the picture.
    await this.page.mouse.move(width - 40, Math.round(height / 2));
    await this.page.locator('.workbench-hover-container').first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => {});
    await this.page.screenshot({ path: file });
    return file;
  }
}

/**
 * The extension's relay and token, from "Agent Mesh: Copy Relay URL" (a dashboard link with the
 * token). code-server may map the relay through its port proxy; the agent runs on this machine,
 * so it talks to the relay's own port.
 */
export async function relayFromClipboard(session) {
  await session.runCommand('Agent Mesh: Copy Relay URL');
  const link = await waitFor(async () => {
    const text = await session.page.evaluate(() => navigator.clipboard.readText());
    return text.includes('token=') ? text : undefined;
  }, { timeoutMs: 15_000, what: 'the relay link on the clipboard' });
  const url = new URL(link);
  const token = url.searchParams.get('token');
  const proxied = /\/proxy\/(\d+)/.exec(url.pathname);
  return { base: proxied ? `http://127.0.0.1:${proxied[1]}` : url.origin, token };
}

/** A request to the relay found by relayFromClipboard, with its token; resolves { status, body }. */
export async function relayRequest(relay, method, route, body) {
  const res = await fetch(`${relay.base}${route}`, {
    method,
    headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A test's title as a file name: runs of anything but letters and digits as one dash, lower case. */
export function fileNameOf(title) {
  return title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

/**
 * Registers an afterEach hook: when a test failed, saves `failure-<test>.png` and prints the
 * session's diagnostics. `getSession` returns the suite's session (undefined before it started).
 */
export function reportFailures(getSession) {
  afterEach(async function () {
    const session = getSession();
    if (this.currentTest?.state !== 'failed' || !session) return;
    const name = `failure-${fileNameOf(this.currentTest.title)}.png`;
    const file = await session.screenshot(name).catch((error) => `(no screenshot: ${error.message})`);
    console.error(`    screenshot: ${file}\n${session.diagnostics()}`);
  });
}

/**
 * Starts a session: temp user-data-dir and extensions-dir, the product (and optionally the test
 * runner) installed, code-server up, Chromium on the workbench. Cleans up what it started if any
 * step fails. Options:
 *   installProduct (default true), runner: { suiteModule, resultsFile } | undefined,
 *   workspace (default: demo/ or a temp workspace), workspaceFiles (a temp workspace holding these
 *   files, removed with the session: see prepareWorkspace), userSettings (added to the user settings
 *   code-server starts with), viewport, env (added to code-server's environment, e.g. a temp HOME
 *   for the extension host).
 * `session` is the Session to start: useSession hands its object out before the suite's hooks run.
 */
export async function startSession({ installProduct = true, runner, workspace, workspaceFiles, userSettings = {}, viewport = { width: 1400, height: 900 }, env = {} } = {}, session = new Session()) {
  try {
    session.baseDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'agent-mesh-e2e-'));
    const baseDir = session.baseDir;
    const forgetAtExit = cleanupAtExit(() => fs.rmSync(baseDir, { recursive: true, force: true }));
    session.onDispose(async () => {
      await fsp.rm(baseDir, { recursive: true, force: true });
      forgetAtExit();
    });
    session.userDataDir = path.join(session.baseDir, 'user-data');
    session.extensionsDir = path.join(session.baseDir, 'extensions');
    await fsp.mkdir(path.join(session.userDataDir, 'User'), { recursive: true });
    await fsp.mkdir(session.extensionsDir, { recursive: true });
    await fsp.writeFile(path.join(session.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...userSettings }, null, 2));

    if (installProduct) session.productDir = await installProductExtension(session.extensionsDir);
    if (runner) session.runnerDir = await installRunnerExtension(session.extensionsDir, runner);
    session.workspace = workspace ?? (await prepareWorkspace(session.baseDir, workspaceFiles));
    // Chromium and the VS Code server write caches and crash-report folders under $XDG_*; keep
    // them in the session folder rather than in the home folder.
    const xdgEnv = { XDG_CONFIG_HOME: path.join(session.baseDir, 'xdg-config'), XDG_CACHE_HOME: path.join(session.baseDir, 'xdg-cache') };

    const started = Date.now();
    session.server = await startCodeServer({
      userDataDir: session.userDataDir,
      extensionsDir: session.extensionsDir,
      workspace: session.workspace,
      configFile: path.join(session.baseDir, 'code-server-config.yaml'),
      env: { ...xdgEnv, ...env },
    });
    session.onDispose(() => session.server.stop());
    log(`code-server up on port ${session.server.port} after ${Date.now() - started} ms`);

    session.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      env: { ...process.env, ...xdgEnv },
    });
    session.onDispose(() => session.browser.close());
    const context = await session.browser.newContext({ viewport });
    // The workbench's clipboard service uses navigator.clipboard; allow it for this origin.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url });
    session.page = await context.newPage();
    session.page.on('console', (message) => session.consoleLines.push(`[${message.type()}] ${message.text()}`));
    session.page.on('pageerror', (error) => session.consoleLines.push(`[pageerror] ${error.message}`));

    const opened = Date.now();
    await session.page.goto(`${session.server.url}/?folder=${encodeURIComponent(session.workspace)}`);
    session.workbench = session.page.locator('.monaco-workbench');
    await session.workbench.waitFor({ state: 'visible', timeout: 60_000 });
    log(`workbench ready after ${Date.now() - opened} ms`);
    return session;
  } catch (error) {
    if (session.server) console.error(session.diagnostics());
    await session.dispose();
    throw error;
  }
}

/**
 * Registers the suite's mocha hooks for one session and returns it (started by the first of them):
 * before, startSession(options), then the Agent Mesh container opened (`openAgentMesh`) and the
 * relay found from the clipboard as `session.relay` for `session.api` (`relay`, which opens the
 * container too); after each failed test, its screenshot and logs; after all, the session disposed.
 * `options` may be a function returning them: it runs in that hook, after the suite's earlier ones.
 */
export function useSession(options = {}) {
  const session = new Session();
  before(async function () {
    this.timeout(150_000);
    const { openAgentMesh = false, relay = false, ...startOptions } = typeof options === 'function' ? options() : options;
    await startSession(startOptions, session);
    if (openAgentMesh || relay) await session.openAgentMesh();
    if (relay) session.relay = await relayFromClipboard(session);
  });
  reportFailures(() => session);
  after(async function () {
    this.timeout(30_000);
    await session.dispose();
  });
  return session;
}

/** Polls `read` until `test` accepts its value and returns the value; a timeout error names the last value read. */
async function pollValue(read, test, { timeoutMs, what, initial, seen }) {
  let last = initial;
  try {
    await waitFor(async () => test((last = await read())), { timeoutMs, intervalMs: 300, what });
  } catch (error) {
    error.message += ` — ${seen}: "${last}"`;
    throw error;
  }
  return last;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(text) {
  return text.replace(/["\\]/g, '\\$&');
}
