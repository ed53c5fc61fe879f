// Entry of the in-editor suite (mocha against the real `vscode` API).
//
// - @vscode/test-electron loads this file as extensionTestsPath and calls `run()`, which resolves
//   when every test passed and rejects otherwise.
// - The test-runner extension (test/vscode-runner) calls `runSuite()` inside code-server's
//   extension host and writes the returned results to a file.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const SUITE_DIR = path.join(__dirname, 'suite');

function suiteFiles() {
  return fs
    .readdirSync(SUITE_DIR)
    .filter((name) => name.endsWith('.test.js'))
    .sort()
    .map((name) => path.join(SUITE_DIR, name));
}

/**
 * Runs every test/vscode/suite/*.test.js once.
 * @returns {Promise<{ total: number, passes: number, failures: number, tests: Array<{ title: string, state: string, durationMs?: number, error?: string }> }>}
 */
function runSuite({ reporter = 'spec' } = {}) {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter });
  const files = suiteFiles();
  for (const file of files) mocha.addFile(file);

  return new Promise((resolve, reject) => {
    const tests = [];
    let runner;
    try {
      // The callback runs once the run is over (after 'end'), when mocha may be disposed.
      runner = mocha.run(() => {
        mocha.dispose();
        const failures = tests.filter((t) => t.state === 'failed').length;
        resolve({ files: files.map((f) => path.basename(f)), total: tests.length, passes: tests.length - failures, failures, tests });
      });
    } catch (error) {
      reject(error);
      return;
    }
    runner.on('pass', (test) => tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    // Also fires for failing hooks, which then count as failures.
    runner.on('fail', (test, error) =>
      tests.push({ title: test.fullTitle(), state: 'failed', error: (error && (error.stack || error.message)) || String(error) }),
    );
  });
}

/** The entry point @vscode/test-electron expects. */
async function run() {
  const results = await runSuite();
  if (results.total === 0) throw new Error(`no tests ran (suite folder: ${SUITE_DIR})`);
  if (results.failures > 0) throw new Error(`${results.failures} of ${results.total} in-editor tests failed`);
}

module.exports = { run, runSuite };
