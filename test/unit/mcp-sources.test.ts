import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultUserMcpJson, loadMcpConfig } from '../../src/extension/engine/mcp/sources';

describe('MCP configuration sources', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-sources-'));
    await mkdir(path.join(dir, 'ws', '.vscode'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the folder, workspace setting, user profile and agentMesh.mcp.servers with VS Code precedence, saying where each server comes from', async () => {
    await writeFile(path.join(dir, 'ws', '.vscode', 'mcp.json'), '{ "servers": { "a": { "command": "a-folder" } } }');
    const userFile = path.join(dir, 'mcp.json');
    await writeFile(userFile, '// profile\n{ "servers": { "a": { "command": "a-user" }, "u": { "command": "u-user-file" } } }');
    const config = await loadMcpConfig({
      workspaceDir: path.join(dir, 'ws'),
      userConfigFile: userFile,
      mcpSetting: { workspace: { servers: { a: { command: 'a-ws' }, w: { command: 'w-ws' } } }, user: { servers: { u: { command: 'u-user-setting' }, s: { command: 's-user' } } } },
      servers: { a: { command: 'a-am' }, m: { command: 'm-am' } },
      serverOptions: { u: { disabled: true } },
    });
    assert.deepEqual(
      config.servers.map((s) => [s.name, s.command, s.source]),
      [
        ['a', 'a-folder', 'mcp.json'],
        ['w', 'w-ws', 'workspace'],
        ['u', 'u-user-file', 'user'],
        ['s', 's-user', 'user'],
        ['m', 'm-am', 'settings'],
      ],
    );
    assert.equal(config.servers.find((s) => s.name === 'u')!.disabled, true);
    assert.deepEqual(
      config.problems.map((p) => p.message),
      [
        'server "a" is also defined in .vscode/mcp.json; that definition is used',
        'server "a" is also defined in .vscode/mcp.json; that definition is used',
        'server "u" is also defined in the user profile; that definition is used',
        'server "a" is also defined in .vscode/mcp.json; that definition is used',
      ],
    );
  });

  it('reports a problem in the workspace setting by the setting, without file positions', async () => {
    const config = await loadMcpConfig({ mcpSetting: { workspace: { servers: { bad: { type: 'http' } } } }, servers: {}, serverOptions: {} });
    assert.deepEqual(config.problems, [{ message: 'server "bad": an http server needs a "url"', source: 'mcp (workspace setting)', server: 'bad' }]);
  });

  it('knows where VS Code keeps the user profile mcp.json', () => {
    assert.equal(defaultUserMcpJson({ XDG_CONFIG_HOME: '/cfg' }, 'linux'), path.join('/cfg', 'Code', 'User', 'mcp.json'));
    assert.equal(defaultUserMcpJson({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32'), path.join('C:\\Users\\me\\AppData\\Roaming', 'Code', 'User', 'mcp.json'));
  });
});
