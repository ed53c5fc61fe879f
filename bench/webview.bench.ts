// The dashboard webview in headless Chromium: first render and one update with 1,000 tasks, 500
// activity items, 200 pending approvals and 50 sessions fed as the relay's channel snapshots, and the
// production webview bundle's size gzipped. The page runs the dashboard's sources bundled as for
// production (bench/webview/page.tsx: App, the store and the panels, driven with the relay's frames).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { webviewBuildOptions } from '../scripts/webviewBuild.mjs';
import type { Approval } from '../src/shared/approvals';
import type { JsonValue, ServerFrame } from '../src/shared/protocol';
import type { AgentSession } from '../src/shared/sessions';
import type { Task } from '../src/shared/tasks';
import type { StoredWidget } from '../src/shared/widgets';
import { percentile, type Bench, type BenchCase } from './run';

const ROOT = path.resolve(__dirname, '..');
const TASKS = 1000;
const ACTIVITY = 500;
const APPROVALS = 200;
const SESSIONS = 50;
const FIRST_RENDERS = 15;
const UPDATES = 60;
const WARM_UPS = 2;

/** The production webview build exactly as esbuild.mjs --production makes it, kept in memory. */
const webviewBuild: esbuild.BuildOptions = { ...webviewBuildOptions(true), absWorkingDir: ROOT, write: false };

/** `entry` bundled as one script with the production webview's options. */
async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({ ...webviewBuild, format: 'iife', splitting: false, entryPoints: [entry] });
  return result.outputFiles![0].text;
}

/**
 * The production webview: an ES module whose chunks load either with it (static imports) or when a
 * panel first needs them (dynamic imports: the chart library).
 */
async function productionWebview(): Promise<{ firstLoad: Buffer[]; onDemand: Buffer[] }> {
  const result = await esbuild.build({ ...webviewBuild, metafile: true });
  const byPath = new Map(result.outputFiles!.map((file) => [path.relative(ROOT, file.path), Buffer.from(file.contents)]));
  const outputs = result.metafile!.outputs;
  const firstLoad = new Set<string>();
  const visit = (file: string) => {
    if (firstLoad.has(file)) return;
    firstLoad.add(file);
    for (const imported of outputs[file].imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit('dist/webview.js');
  const scripts = Object.keys(outputs).filter((file) => file.endsWith('.js'));
  return { firstLoad: [...firstLoad].map((file) => byPath.get(file)!), onDemand: scripts.filter((file) => !firstLoad.has(file)).map((file) => byPath.get(file)!) };
}

const gzippedKbOf = (files: Buffer[]) => files.reduce((sum, file) => sum + gzipSync(file).length, 0) / 1024;
const rawKbOf = (files: Buffer[]) => files.reduce((sum, file) => sum + file.length, 0) / 1024;

function event(channel: 'tasks' | 'approvals' | 'sessions' | 'widgets', name: string, payload: unknown): ServerFrame {
  return { type: 'event', channel, name, payload: payload as JsonValue };
}

function task(i: number, now: number): Task {
  const running = i % 10 === 0;
  const steps = ['fetch', 'build', 'test', 'package', 'publish'].map((name, s) => ({ name, weight: 1, state: running ? (s < 2 ? 'done' : s === 2 ? 'running' : 'pending') : 'done', progress: running && s === 2 ? 0.4 : s < 2 || !running ? 1 : 0, retries: 1, attempts: 0 }) as Task['steps'][number]);
  const createdAt = now - (TASKS - i) * 60_000;
  return {
    id: `task-${i}`,
    title: `Build and publish package ${i}`,
    agent: `agent-${i % 40}`,
    steps,
    status: running ? 'running' : 'completed',
    percent: running ? 48 : 100,
    message: running ? 'running the test suite' : undefined,
    timeoutMs: 3_600_000,
    lastReportAt: now,
    stale: false,
    createdAt,
    updatedAt: now,
    finishedAt: running ? undefined : createdAt + 30_000,
  };
}

function approval(i: number, now: number): Approval {
  const level = (['auto', 'quick', 'full'] as const)[i % 3];
  return {
    id: `approval-${i}`,
    title: `Run migration ${i} on the staging database`,
    description: 'Adds an index to the events table; the table is read by the reporting job.',
    agent: `agent-${i % 40}`,
    tool: 'run_sql',
    args: { database: 'staging', statement: `CREATE INDEX events_${i} ON events (created_at)` },
    confidence: 40 + (i % 60),
    risk: (['low', 'medium', 'high'] as const)[i % 3],
    level,
    priority: (['urgent', 'normal', 'low'] as const)[i % 3],
    status: 'pending',
    destructive: i % 7 === 0,
    target: `events_${i}`,
    createdAt: now - i * 1000,
    dueAt: now + 3_600_000 + i * 1000,
  };
}

function session(i: number, now: number): AgentSession {
  return {
    id: `claude-code:session-${i}`,
    agent: 'claude-code',
    sessionId: `session-${i}`,
    cwd: `/home/dev/project-${i}`,
    model: 'claude-sonnet-4-5',
    status: (['running', 'waiting', 'idle', 'ended'] as const)[i % 4],
    currentTool: i % 4 === 0 ? 'Bash' : undefined,
    startedAt: now - 3_600_000,
    lastEventAt: now - i * 1000,
    counts: { toolCalls: 20 + i, approvals: 5, denials: 1, events: 60 + i },
    tokens: { input: 120_000 + i, output: 8_000, cacheRead: 300_000, cacheWrite: 40_000 },
    costUsd: 0.5 + i / 10,
    costApproximate: false,
    malformedLines: 0,
  };
}

function frames(now: number): ServerFrame[] {
  const activity: StoredWidget = {
    id: 'bench-activity',
    type: 'activity',
    updatedAt: new Date(now).toISOString(),
    data: {
      title: 'What the agents did',
      entries: Array.from({ length: ACTIVITY }, (_, i) => ({ at: new Date(now - i * 5000).toISOString(), actor: `agent-${i % 40}`, text: `finished step ${i} of the nightly build`, level: i % 25 === 0 ? 'warning' : 'info' })),
    },
  };
  return [
    event('tasks', 'snapshot', { tasks: Array.from({ length: TASKS }, (_, i) => task(i, now)) }),
    event('approvals', 'snapshot', { approvals: Array.from({ length: APPROVALS }, (_, i) => approval(i, now)), rules: [] }),
    event('sessions', 'snapshot', { sessions: Array.from({ length: SESSIONS }, (_, i) => session(i, now)) }),
    event('widgets', 'snapshot', { widgets: [activity] }),
  ];
}

const bench: Bench = {
  name: 'webview',
  async run() {
    const production = await productionWebview();
    const gzippedKb = gzippedKbOf(production.firstLoad);
    const page = await bundle('bench/webview/page.tsx');
    const css = readFileSync(path.join(ROOT, 'media', 'dashboard.css'), 'utf8');
    const html = `<!DOCTYPE html><html lang="en" data-am-theme="dark"><head><meta charset="UTF-8"><style>${css}</style></head><body><div id="app"></div><script>${page}</script></body></html>`;

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'], headless: true });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const tab = await context.newPage();
      const now = Date.now();
      const data = JSON.stringify(frames(now));
      const firstRenders: number[] = [];
      const updates: number[] = [];
      // Each first render in a fresh document; the updates on the last one, one running task's progress at a time.
      for (let run = 0; run < WARM_UPS + FIRST_RENDERS; run++) {
        await tab.setContent(html);
        const ms = await tab.evaluate((json) => window.webviewBench.firstRender(JSON.parse(json)), data);
        if (run >= WARM_UPS) firstRenders.push(ms);
      }
      // The newest running task: the first card of the tasks list, so the update is one the person sees.
      const running = task(TASKS - 10, now);
      for (let i = 0; i < WARM_UPS + UPDATES; i++) {
        const percent = 48 + ((i + 1) % 50);
        const frame = JSON.stringify(event('tasks', 'upsert', { ...running, percent, updatedAt: now + i }));
        const ms = await tab.evaluate((json) => window.webviewBench.update(JSON.parse(json)), frame);
        if (i >= WARM_UPS) updates.push(ms);
      }
      const rendered = await tab.evaluate(() => document.querySelectorAll('*').length);
      const figures = {
        'first render median (ms)': percentile(firstRenders, 50),
        'first render p95 (ms)': percentile(firstRenders, 95),
        'update median (ms)': percentile(updates, 50),
        'update p95 (ms)': percentile(updates, 95),
        'webview bundle gzipped (KB)': gzippedKb,
      };
      const cases: BenchCase[] = [
        { label: `first render, ${TASKS} tasks + ${ACTIVITY} activity + ${APPROVALS} approvals + ${SESSIONS} sessions`, metrics: { medianMs: figures['first render median (ms)'], p95Ms: figures['first render p95 (ms)'], maxMs: Math.max(...firstRenders), runs: FIRST_RENDERS, domElements: rendered } },
        { label: 'one task progress update', metrics: { medianMs: figures['update median (ms)'], p95Ms: figures['update p95 (ms)'], maxMs: Math.max(...updates), runs: UPDATES } },
        { label: 'production webview bundle, loaded with the page', metrics: { rawKB: rawKbOf(production.firstLoad), gzippedKB: gzippedKb } },
        { label: 'production webview chunks loaded on demand (the cost chart)', metrics: { rawKB: rawKbOf(production.onDemand), gzippedKB: gzippedKbOf(production.onDemand) } },
      ];
      return {
        name: 'webview',
        description: `The dashboard in headless Chromium (1280×900, dark theme) with ${TASKS} tasks (1 in 10 running), ${ACTIVITY} activity items, ${APPROVALS} pending approvals and ${SESSIONS} sessions as the relay's channel snapshots: first render (${FIRST_RENDERS} runs, each in a fresh document after ${WARM_UPS} warm-ups) = App mounted on the store holding the snapshots, effects run, style and layout; one update (${UPDATES} runs) = one running task's progress event through the store to the laid-out DOM. Production bundle (minified esbuild build of src/webview/main.tsx, an ES module) gzipped at zlib's default level: what loads with the page (the module and its static imports), and apart from it the chunks a panel loads when first shown (the chart library).`,
        cases,
        ratios: {},
        figures,
        targets: { 'first render p95 (ms)': '< 150 ms', 'update p95 (ms)': '< 16 ms', 'webview bundle gzipped (KB)': '< 100 KB' },
      };
    } finally {
      await browser.close();
    }
  },
};

export default bench;
