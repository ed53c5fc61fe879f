import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseMcpJson } from '../../src/extension/engine/mcp/config';
import { envInputResolver, inputEnvName, parseEnvFile, resolveLaunch } from '../../src/extension/engine/mcp/variables';

const serverOf = (entry: object, inputs: object[] = []) => parseMcpJson(JSON.stringify({ inputs, servers: { s: entry } }), 'mcp.json').servers[0];

describe('MCP variable substitution', () => {
  it('substitutes workspaceFolder, env and inputs, and leaves unknown variables as written', async () => {
    const server = serverOf(
      { command: '${workspaceFolder}/bin/server', args: ['--token', '${input:tok}', '${env:AM_TEST_VAR}', '${unknown}'], env: { HOME_DIR: '${userHome}' } },
      [{ type: 'promptString', id: 'tok', description: 'token', password: true }],
    );
    const asked: string[] = [];
    const launch = await resolveLaunch(server, {
      workspaceDir: '/ws',
      env: { AM_TEST_VAR: 'from-env' },
      input: async (d) => (asked.push(d.id), 'secret-1'),
    });
    assert.equal(launch.command, '/ws/bin/server');
    assert.deepEqual(launch.args, ['--token', 'secret-1', 'from-env', '${unknown}']);
    assert.ok(launch.env.HOME_DIR.length > 0);
    assert.equal(launch.cwd, '/ws');
    assert.deepEqual(asked, ['tok']);
  });

  it('fails clearly when ${workspaceFolder} is used without a workspace', async () => {
    await assert.rejects(resolveLaunch(serverOf({ command: '${workspaceFolder}/x' }), { env: {}, input: async () => '' }), /no workspace folder is open/);
  });

  it('reads envFile with the explicit env winning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'am-envfile-'));
    try {
      await writeFile(path.join(dir, '.env'), '# comment\nexport A=1\nB="two words"\nC=3 # trailing\n');
      const launch = await resolveLaunch(serverOf({ command: 'x', envFile: '${workspaceFolder}/.env', env: { A: 'override' } }), { workspaceDir: dir, env: {}, input: async () => '' });
      assert.deepEqual(launch.env, { A: 'override', B: 'two words', C: '3' });
      await assert.rejects(resolveLaunch(serverOf({ command: 'x', envFile: 'missing.env' }), { workspaceDir: dir, env: {}, input: async () => '' }), /cannot read envFile .*ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses env files', () => {
    assert.deepEqual(parseEnvFile("X='a b'\n  Y = 2\nnot a line\nZ=\"l1\\nl2\""), { X: 'a b', Y: '2', Z: 'l1\nl2' });
  });
});

describe('headless input resolver', () => {
  const input = { id: 'api-key', type: 'promptString' as const, description: '', password: true };
  const server = serverOf({ command: 'server' });

  it('reads AGENT_MESH_INPUT_<ID>', async () => {
    assert.equal(inputEnvName('api-key'), 'AGENT_MESH_INPUT_API_KEY');
    assert.equal(await envInputResolver({ AGENT_MESH_INPUT_API_KEY: 'v' }).resolve(input, server), 'v');
  });

  it('falls back to the default, else fails naming the variable', async () => {
    assert.equal(await envInputResolver({}).resolve({ ...input, default: 'd' }, server), 'd');
    await assert.rejects(envInputResolver({}).resolve(input, server), /set the environment variable AGENT_MESH_INPUT_API_KEY/);
  });
});
