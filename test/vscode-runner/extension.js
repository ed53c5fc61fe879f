// Test-only extension: once the workbench has started, runs the in-editor mocha suite inside this
// extension host and writes its results as JSON. The harness (test/e2e/in-editor.mjs) installs it
// next to the product and writes runner-config.json beside this file:
//   { "suiteModule": "<abs path of test/vscode/index.js>", "resultsFile": "<abs path to write>" }
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const CONFIG_FILE = path.join(__dirname, 'runner-config.json');

function writeResults(file, results) {
  const temp = `${file}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(temp, JSON.stringify(results, null, 2));
  fs.renameSync(temp, file); // the harness never sees a half-written file
}

async function runConfiguredSuite(config) {
  const startedAt = new Date().toISOString();
  try {
    const { runSuite } = require(config.suiteModule);
    const results = await runSuite();
    writeResults(config.resultsFile, { ...results, startedAt, finishedAt: new Date().toISOString() });
  } catch (error) {
    writeResults(config.resultsFile, {
      total: 0,
      passes: 0,
      failures: 1,
      tests: [],
      error: (error && (error.stack || error.message)) || String(error),
      startedAt,
      finishedAt: new Date().toISOString(),
    });
  }
}

function activate() {
  if (!fs.existsSync(CONFIG_FILE)) {
    console.warn(`[agent-mesh-test runner] ${CONFIG_FILE} is missing; nothing to run`);
    return;
  }
  const config = JSON.parse(fs.readFileSync(CONFIG_FILE, 'utf8'));
  // Do not hold up activation: the suite activates the product itself.
  setTimeout(() => void runConfiguredSuite(config), 0);
}

function deactivate() {}

module.exports = { activate, deactivate };
