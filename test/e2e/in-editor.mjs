// The in-editor tier: runs test/vscode/index.js (the suite @vscode/test-electron runs) inside
// code-server's real extension host through the test-runner extension (test/vscode-runner), then
// reads the results file it writes. Called by run.mjs; also runnable alone:
//   node test/e2e/in-editor.mjs

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, startSession, waitFor } from './harness.mjs';

const SUITE_MODULE = path.join(ROOT, 'test', 'vscode', 'index.js');
const RESULTS_FILE = path.join(ROOT, 'test-results', 'in-editor-results.json');

/**
 * Runs the in-editor suite once and prints each test.
 * @returns {Promise<{ passed: number, failed: number }>}
 */
export async function runInEditorTier({ resultsTimeoutMs = 120_000 } = {}) {
  console.log('\n  In-editor suite (code-server extension host)');
  const started = Date.now();
  await fsp.rm(RESULTS_FILE, { force: true });

  let results;
  let session;
  try {
    session = await startSession({ runner: { suiteModule: SUITE_MODULE, resultsFile: RESULTS_FILE } });
    await waitFor(() => fs.existsSync(RESULTS_FILE), {
      timeoutMs: resultsTimeoutMs,
      intervalMs: 500,
      what: `the runner extension to write ${path.relative(ROOT, RESULTS_FILE)}`,
    });
    results = JSON.parse(await fsp.readFile(RESULTS_FILE, 'utf8'));
  } catch (error) {
    console.log(`    ✖ the in-editor suite did not run: ${error.message}`);
    console.log('\n  0 passing\n  1 failing');
    if (session) {
      const shot = await session.screenshot('in-editor-failure.png').catch(() => undefined);
      if (shot) console.log(`    screenshot: ${shot}`);
      console.log(session.diagnostics());
    }
    return { passed: 0, failed: 1 };
  } finally {
    await session?.dispose();
  }

  for (const test of results.tests) {
    const ms = test.durationMs === undefined ? '' : ` (${test.durationMs} ms)`;
    console.log(`    ${test.state === 'passed' ? '✔' : '✖'} ${test.title}${ms}`);
    if (test.state !== 'passed') console.log(indent(test.error ?? '(no error message)', 8));
  }
  let { passes: passed, failures: failed } = results;
  if (results.error) {
    console.log(`    ✖ the suite itself failed:\n${indent(results.error, 8)}`);
    failed = Math.max(failed, 1);
  }
  if (results.total === 0 && !results.error) {
    console.log('    ✖ no in-editor tests ran');
    failed = Math.max(failed, 1);
  }
  // Mocha's closing lines, as the e2e tier prints them.
  console.log(`\n  ${passed} passing (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  if (failed > 0) console.log(`  ${failed} failing`);
  console.log(`  results: ${path.relative(ROOT, RESULTS_FILE)}`);
  return { passed, failed };
}

function indent(text, spaces) {
  const pad = ' '.repeat(spaces);
  return String(text)
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { passed, failed } = await runInEditorTier();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}
