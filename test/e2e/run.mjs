// Runs both tiers that need a real VS Code (code-server, see shared/design/TESTING.md):
//   1. e2e: the mocha suites test/e2e/*.e2e.mjs driving the workbench in headless Chromium;
//   2. in-editor: test/vscode/suite/*.test.js inside code-server's extension host.
// Prints a summary per tier and a final "N passed, N failed" line; exits non-zero on any failure.
//
//   bash scripts/setup-e2e.sh && node test/e2e/run.mjs

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { CODE_SERVER_ENTRY, ROOT } from './harness.mjs';
import { runInEditorTier } from './in-editor.mjs';

const E2E_DIR = path.join(ROOT, 'test', 'e2e');

function ensureBuilt() {
  if (fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) return;
  console.log('dist/extension.js is missing: building with node esbuild.mjs');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    throw new Error('node esbuild.mjs finished but dist/extension.js is still missing');
  }
}

async function runE2eTier() {
  const files = fs
    .readdirSync(E2E_DIR)
    .filter((name) => name.endsWith('.e2e.mjs'))
    .sort()
    .map((name) => path.join(E2E_DIR, name));
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: 60_000, slow: 10_000 });
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const stats = await new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  mocha.dispose();
  const failed = stats.failures + (stats.tests === 0 ? 1 : 0);
  if (stats.tests === 0) console.log(`  ✖ no e2e tests ran (files: ${files.length})`);
  return { passed: stats.passes, failed };
}

async function main() {
  const started = Date.now();
  ensureBuilt();
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed (${path.relative(ROOT, CODE_SERVER_ENTRY)}): run bash scripts/setup-e2e.sh`);
  }

  const e2eStarted = Date.now();
  const e2e = await runE2eTier();
  const e2eSeconds = (Date.now() - e2eStarted) / 1000;

  const inEditorStarted = Date.now();
  const inEditor = await runInEditorTier();
  const inEditorSeconds = (Date.now() - inEditorStarted) / 1000;

  const passed = e2e.passed + inEditor.passed;
  const failed = e2e.failed + inEditor.failed;
  console.log('\nSummary');
  console.log(`  e2e (workbench)       ${e2e.passed} passed, ${e2e.failed} failed in ${e2eSeconds.toFixed(1)} s`);
  console.log(`  in-editor (ext host)  ${inEditor.passed} passed, ${inEditor.failed} failed in ${inEditorSeconds.toFixed(1)} s`);
  console.log(`  screenshots           test-results/screenshots/`);
  console.log(`  total time            ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`e2e run failed: ${error?.stack ?? error}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
