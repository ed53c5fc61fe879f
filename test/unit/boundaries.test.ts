// The import boundaries hold because the lint refuses a crossing, checked here with the project's
// own ESLint configuration on the lines a careless change would add.
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('import boundaries', function () {
  this.timeout(60_000);

  it('the engine cannot import vscode or the VS Code adapters', async () => {
    assert.equal((await importErrors('src/extension/engine/approvals/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n")).length, 1);
    assert.equal((await importErrors('src/extension/engine/approvals/x.ts', "import { a } from '../../vscode/settings';\nexport const v = a;\n")).length, 1);
  });

  it('the webview cannot import host code or Node built-ins', async () => {
    assert.equal((await importErrors('src/webview/panels/x.tsx', "import { a } from '../../extension/engine/mcp/fleet';\nexport const v = a;\n")).length, 1);
    assert.equal((await importErrors('src/webview/panels/x.tsx', "import { readFile } from 'node:fs/promises';\nexport const v = readFile;\n")).length, 1);
  });

  it('src/shared imports neither side', async () => {
    assert.equal((await importErrors('src/shared/x.ts', "import { a } from '../webview/App';\nexport const v = a;\n")).length, 1);
    assert.equal((await importErrors('src/shared/x.ts', "import { a } from '../extension/engine/engine';\nexport const v = a;\n")).length, 1);
  });

  it('the VS Code adapters may import vscode and the engine', async () => {
    assert.deepEqual(await importErrors('src/extension/vscode/x.ts', "import * as vscode from 'vscode';\nimport { a } from '../engine/engine';\nexport const v = [vscode, a];\n"), []);
  });
});
