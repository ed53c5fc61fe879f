import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parseMcpJson } from '../../src/extension/engine/mcp/config';
import { envInputResolver, inputEnvName, parseEnvFile, resolveLaunch } from '../../src/extension/engine/mcp/variables';

const serverOf = (entry: object, inputs: object[] = []) => parseMcpJson(JSON.stringify({ inputs, servers: { s: entry } }), 'mcp.json').servers[0];

describe('MCP variable substitution', () => {
  it('substitutes workspaceFolder, env and inputs', async () => {
    const server = serverOf(
      { command: '${workspaceFolder}/bin/server', args: ['--token', '${input:tok}', '${env:AM_TEST_VAR}'], env: { HOME_DIR: '${userHome}' } },
      [{ type: 'promptString', id: 'tok', description: 'token', password: true }],
    );
    const asked: string[] = [];
    const launch = await resolveLaunch(server, {
      workspaceDir: '/ws',
      env: { AM_TEST_VAR: 'from-env' },
      input: async (d) => (asked.push(d.id), 'secret-1'),
    });
    assert.equal(launch.command, '/ws/bin/server');
    assert.deepEqual(launch.args, ['--token', 'secret-1', 'from-env']);
    assert.equal(launch.env.HOME_DIR, homedir());
    assert.equal(launch.cwd, '/ws');
    assert.deepEqual(asked, ['tok']);
  });

  it('refuses an unknown variable at its line, naming it', () => {
    const text = '{\n  "servers": {\n    "s": {\n      "command": "node",\n      "args": ["${workspaceRoot}/x"]\n    }\n  }\n}';
    const config = parseMcpJson(text, '/ws/.vscode/mcp.json');
    assert.equal(config.servers[0].invalid !== undefined, true);
    assert.match(config.problems[0].message, /server "s": \$\{workspaceRoot\} is not a variable VS Code knows/);
    assert.equal(config.problems[0].source, '/ws/.vscode/mcp.json');
    assert.equal(config.problems[0].line, 5);
  });

  it('resolves workspaceFolderBasename, workspaceFolder:name and pathSeparator', async () => {
    const server = serverOf({ command: 'x', args: ['${workspaceFolderBasename}', '${workspaceFolder:proj}', 'a${pathSeparator}b', 'c${/}d'] });
    const launch = await resolveLaunch(server, { workspaceDir: '/src/proj', env: {}, input: async () => '' });
    assert.deepEqual(launch.args, ['proj', '/src/proj', `a${path.sep}b`, `c${path.sep}d`]);
    await assert.rejects(resolveLaunch(serverOf({ command: 'x', args: ['${workspaceFolder:other}'] }), { workspaceDir: '/src/proj', env: {}, input: async () => '' }), /no open workspace folder is named "other"/);
  });

  it('expands a leading ~ in command, args, cwd and envFile as VS Code does, and nowhere else', async () => {
    const dir = await mkdtemp(path.join(homedir(), '.am-tilde-'));
    try {
      await writeFile(path.join(dir, 'e.env'), 'FROM_FILE=1\n');
      const rel = '~/' + path.basename(dir);
      const launch = await resolveLaunch(serverOf({ command: '~/bin/tool', args: ['~', '~/a', 'x~/b'], cwd: rel, envFile: `${rel}/e.env` }), { env: {}, input: async () => '' });
      assert.equal(launch.command, path.join(homedir(), 'bin/tool'));
      assert.deepEqual(launch.args, [homedir(), `${homedir()}/a`, 'x~/b']);
      assert.equal(launch.cwd, dir);
      assert.equal(launch.env.FROM_FILE, '1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts from the whole environment, then envFile, then env; null removes; PATH is appended to', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'am-envmerge-'));
    try {
      await writeFile(path.join(dir, '.env'), 'A=file\nB=file\nGONE=file\n');
      const launch = await resolveLaunch(
        serverOf({ command: 'x', envFile: '${workspaceFolder}/.env', env: { B: 'env', GONE: null, INHERITED_TOO: null, PATH: '/extra/bin' } }),
        { workspaceDir: dir, env: { KEEP: 'parent', A: 'parent', INHERITED_TOO: 'parent', PATH: '/usr/bin' }, input: async () => '' },
      );
      assert.deepEqual(launch.env, { KEEP: 'parent', A: 'file', B: 'env', GONE: undefined, INHERITED_TOO: undefined, PATH: `/usr/bin${path.delimiter}/extra/bin` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs in the workspace folder, else the home folder; a relative cwd is taken from there', async () => {
    assert.equal((await resolveLaunch(serverOf({ command: 'x' }), { env: {}, input: async () => '' })).cwd, homedir());
    assert.equal((await resolveLaunch(serverOf({ command: 'x', cwd: 'sub' }), { workspaceDir: '/ws', env: {}, input: async () => '' })).cwd, '/ws/sub');
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

  it('parses env files as VS Code does: "KEY: value", # inside quotes, CRLF', () => {
    assert.deepEqual(parseEnvFile('K: v\r\nH="a # b" # c\r\nexport E=`q`\r\n'), { K: 'v', H: 'a # b', E: 'q' });
  });

  it('parses the dotenv forms: a double-quoted value over several lines, and no prototype key', () => {
    const env = parseEnvFile('CERT="-----BEGIN-----\nabc\n-----END-----"\nAFTER=1\n__proto__=x\n');
    assert.deepEqual(env, { CERT: '-----BEGIN-----\nabc\n-----END-----', AFTER: '1' });
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
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

  it('explains that a command input needs VS Code, unless its variable is set', async () => {
    const command = { id: 'pick', type: 'command' as const, description: '', password: false, command: 'ext.pickFolder' };
    await assert.rejects(envInputResolver({}).resolve(command, server), /runs the VS Code command "ext.pickFolder", which is not available headless: set the environment variable AGENT_MESH_INPUT_PICK/);
    assert.equal(await envInputResolver({ AGENT_MESH_INPUT_PICK: 'v' }).resolve(command, server), 'v');
  });
});
