// Runs the in-editor suite (test/vscode/index.js) in VS Code desktop through @vscode/test-electron.
// It downloads VS Code, so it needs a machine that can reach the VS Code download site; where that
// is impossible, `node test/e2e/run.mjs` runs the same suite inside code-server instead.
//
//   node test/vscode/runElectron.mjs            (VS Code version: stable, or $VSCODE_TEST_VERSION)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main() {
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
    console.log('dist/extension.js is missing: building with node esbuild.mjs');
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  }
  const workspace = path.join(root, 'demo');
  if (!fs.existsSync(path.join(workspace, '.vscode', 'mcp.json'))) {
    throw new Error(`the demo workspace is missing: ${workspace}/.vscode/mcp.json`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-mesh-electron-'));
  try {
    await runTests({
      version: process.env.VSCODE_TEST_VERSION || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'test', 'vscode', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userDataDir],
    });
  } finally {
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`in-editor suite failed: ${error?.message ?? error}`);
  process.exit(1);
});
