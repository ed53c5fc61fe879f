// The same mcp.json entry VS Code runs, started by the fleet as a real stdio process: the fixture
// server reports its arguments, working directory and environment, which must be what VS Code's
// launch rules give (variables, `~`, inputs including a `command` input, envFile, env merge).
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parseMcpJson } from '../../src/extension/engine/mcp/config';
import { McpFleet } from '../../src/extension/engine/mcp/fleet';
import { envInputResolver } from '../../src/extension/engine/mcp/variables';
import { silentLogger } from '../../src/extension/engine/log';
import { FIXTURES_DIR } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';
import { startServe } from '../helpers/serve';
import { generateToken } from '../../src/extension/engine/security/token';

const SETTINGS = { connectTimeoutMs: 20_000, toolTimeoutMs: 20_000, maxAttempts: 1, retryDelayMs: 100, tokenBudget: 0, disabledTools: {}, encoding: 'o200k_base', modelFamily: 'openai', connectionMode: 'auto', connectionModes: {}, idleDisconnectMs: 60_000 } as const;

describe('MCP launch rules (real stdio server)', function () {
  this.timeout(60_000);
  let workspace: string;
  let homeDir: string;
  let fleet: McpFleet | undefined;

  beforeEach(async () => {
    workspace = await realpath(await mkdtemp(path.join(tmpdir(), 'am-launch-ws-')));
    homeDir = await mkdtemp(path.join(homedir(), '.am-launch-home-'));
    await copyFile(path.join(FIXTURES_DIR, 'minimal-server.mjs'), path.join(homeDir, 'server.mjs'));
    await mkdir(path.join(workspace, 'sub'));
  });

  afterEach(async () => {
    await fleet?.dispose();
    await rm(workspace, { recursive: true, force: true });
    await rm(homeDir, { recursive: true, force: true });
  });

  it('starts the server with the arguments, cwd and environment VS Code would give it', async () => {
    await writeFile(path.join(workspace, '.env'), '# team defaults\nFROM_FILE=file\nOVERRIDDEN=file\nREMOVED=file\n');
    const home = `~/${path.basename(homeDir)}`;
    const mcpJson = `{
  "inputs": [
    { "type": "promptString", "id": "token", "description": "API token", "password": true },
    { "type": "command", "id": "picked", "command": "extension.pickSomething" }
  ],
  "servers": {
    "launch": {
      "type": "stdio",
      "command": ${JSON.stringify(process.execPath)},
      "args": ["${home}/server.mjs", "--home=\${userHome}", "--folder=\${workspaceFolderBasename}", "--sep=\${pathSeparator}", "--named=\${workspaceFolder:${path.basename(workspace)}}"],
      "cwd": "\${workspaceFolder}/sub",
      "envFile": "\${workspaceFolder}/.env",
      "env": {
        "ECHO_LAUNCH": "1",
        "OVERRIDDEN": "env",
        "REMOVED": null,
        "TERM": null,
        "FROM_PARENT_VAR": "\${env:AM_PARENT}",
        "TOKEN": "\${input:token}",
        "PICKED": "\${input:picked}",
        "PATH": "/extra/bin"
      }
    }
  }
}`;
    const config = parseMcpJson(mcpJson, path.join(workspace, '.vscode', 'mcp.json'));
    assert.deepEqual(config.problems, []);
    const parentEnv = { ...process.env, AM_PARENT: 'parent-value', INHERITED_ONLY: 'inherited', REMOVED: 'parent', TERM: 'xterm' };
    const inputs = envInputResolver({ AGENT_MESH_INPUT_TOKEN: 'secret-token', AGENT_MESH_INPUT_PICKED: 'picked-value' });
    fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: inputs, logger: silentLogger, workspaceDir: workspace, env: parentEnv });
    await fleet.reload(config);
    await waitFor('launch to connect', async () => fleet!.server('launch').status === 'connected' || undefined, 20_000);
    const result = await fleet.callTool('launch', 'launch_info', {});
    const info = JSON.parse((result.content as Array<{ text: string }>)[0].text) as { args: string[]; cwd: string; env: Record<string, string> };

    assert.deepEqual(info.args, [`--home=${homedir()}`, `--folder=${path.basename(workspace)}`, `--sep=${path.sep}`, `--named=${workspace}`]);
    assert.equal(info.cwd, path.join(workspace, 'sub'));
    assert.equal(info.env.INHERITED_ONLY, 'inherited', 'the whole parent environment is inherited');
    assert.equal(info.env.FROM_FILE, 'file');
    assert.equal(info.env.OVERRIDDEN, 'env', 'env wins over envFile');
    assert.equal('REMOVED' in info.env, false, 'null removes an inherited variable');
    assert.equal('TERM' in info.env, false, 'null removes even a variable the MCP SDK passes by default');
    assert.equal(info.env.FROM_PARENT_VAR, 'parent-value');
    assert.equal(info.env.TOKEN, 'secret-token');
    assert.equal(info.env.PICKED, 'picked-value');
    assert.equal(info.env.PATH, `${process.env.PATH}${path.delimiter}/extra/bin`);
  });

  it('agent-mesh serve reads the user profile mcp.json after the workspace\'s, saying where each server comes from', async () => {
    await mkdir(path.join(workspace, '.vscode'));
    const entry = (marker: string) => ({ type: 'stdio', command: process.execPath, args: [path.join(FIXTURES_DIR, 'minimal-server.mjs'), marker] });
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { shared: entry('from-workspace') } }));
    const userFile = path.join(homeDir, 'mcp.json');
    await writeFile(userFile, JSON.stringify({ servers: { shared: entry('from-user'), mine: entry('user-only') } }));
    const token = generateToken();
    const serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token, '--user-mcp', userFile]);
    try {
      const list = await waitFor(
        'both servers to connect',
        async () => {
          const servers = (await (await fetch(`${serve.url}/api/mcp/servers`, { headers: { authorization: `Bearer ${token}` } })).json()) as Array<{ name: string; source: string; status: string }>;
          return servers.length === 2 && servers.every((s) => s.status === 'connected') ? servers : undefined;
        },
        20_000,
      );
      assert.deepEqual(list.map((s) => [s.name, s.source]), [['shared', 'mcp.json'], ['mine', 'user']]);
      assert.ok(serve.stderr.some((line) => line.includes('server \\"shared\\" is also defined in .vscode/mcp.json')), serve.stderr.join('\n'));
    } finally {
      await serve.stop();
    }
  });

  it('does not start a server whose entry uses a variable VS Code does not know, and says where', async () => {
    const mcpJson = `{\n  "servers": {\n    "bad": {\n      "command": "node",\n      "args": ["\${workspaceRoot}/x.js"]\n    }\n  }\n}`;
    const config = parseMcpJson(mcpJson, path.join(workspace, '.vscode', 'mcp.json'));
    fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: envInputResolver({}), logger: silentLogger, workspaceDir: workspace });
    await fleet.reload(config);
    const server = fleet.server('bad');
    assert.equal(server.status, 'error');
    assert.match(server.error ?? '', /\$\{workspaceRoot\} is not a variable VS Code knows/);
    assert.equal(config.problems[0].line, 5);
  });
});
