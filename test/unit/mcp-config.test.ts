import { strict as assert } from 'node:assert';
import { applyServerOptions, convertMcpServersFile, describeDevMode, mergeConfigs, migrateLegacyOptions, parseMcpJson, parseMcpSetting, parseSettingsServers } from '../../src/extension/engine/mcp/config';
import { lineColumn, MAX_JSONC_BYTES, nodeValue, parseJsonc, setProperty } from '../../src/extension/engine/mcp/jsonc';

const FILE = '/ws/.vscode/mcp.json';

describe('mcp.json parsing', () => {
  it('reads VS Code-format servers with comments, trailing commas and inferred types', () => {
    const text = `{
  // team servers
  "inputs": [{ "type": "promptString", "id": "api-key", "description": "API key", "password": true }],
  "servers": {
    "notes": { "command": "node", "args": ["notes.js"], "env": { "KEY": "\${input:api-key}", "N": 3, "UNSET": null }, "timeout": 5000, },
    "build": { "url": "http://127.0.0.1:7801/mcp", "headers": { "x-team": "a" } },
    "legacy": { "type": "sse", "url": "http://127.0.0.1:7802/sse", "disabled": true, "autoApprove": ["ping"] },
  },
}`;
    const config = parseMcpJson(text, FILE);
    assert.deepEqual(config.problems, []);
    const [notes, build, legacy] = config.servers;
    assert.equal(notes.type, 'stdio');
    assert.deepEqual(notes.env, { KEY: '${input:api-key}', N: '3', UNSET: null });
    assert.equal(notes.timeoutMs, 5000);
    assert.deepEqual(notes.inputs.map((i) => [i.id, i.password]), [['api-key', true]]);
    assert.equal(build.type, 'http');
    assert.deepEqual(build.headers, { 'x-team': 'a' });
    assert.equal(legacy.type, 'sse');
    assert.equal(legacy.disabled, true);
    assert.deepEqual(legacy.autoApprove, ['ping']);
  });

  it('reports an invalid server with its line and column and keeps the others', () => {
    const text = ['{', '  "servers": {', '    "ok": { "command": "node" },', '    "bad": { "type": "stdio", "timeout": -5 },', '    "nourl": { "type": "http" }', '  }', '}'].join('\n');
    const config = parseMcpJson(text, FILE);
    assert.deepEqual(config.servers.map((s) => [s.name, s.invalid === undefined]), [['ok', true], ['bad', false], ['nourl', false]]);
    const timeout = config.problems.find((p) => p.server === 'bad')!;
    assert.match(timeout.message, /server "bad": "timeout" must be positive/);
    assert.deepEqual([timeout.line, timeout.column], [4, 31]);
    assert.equal(text.slice(timeout.offset!, timeout.offset! + timeout.length!), '"timeout"');
    const url = config.problems.find((p) => p.server === 'nourl')!;
    assert.match(url.message, /needs a "url"/);
    assert.equal(url.line, 5);
  });

  it('reports a syntax error with its position and marks the file unreadable', () => {
    const config = parseMcpJson('{\n  "servers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}', FILE);
    assert.equal(config.fileUnreadable, true);
    assert.deepEqual(config.servers, []);
    assert.equal(config.problems.length, 1);
    assert.match(config.problems[0].message, /invalid JSON: "," expected/);
    assert.deepEqual([config.problems[0].line, config.problems[0].column], [4, 5]);
  });

  it('refuses an undeclared input, a bad URL and an unknown type', () => {
    const config = parseMcpJson(
      JSON.stringify({ servers: { a: { command: 'x', env: { K: '${input:nope}' } }, b: { url: 'ftp://x' }, c: { type: 'ws', url: 'http://x' } } }),
      FILE,
    );
    assert.deepEqual(
      config.problems.map((p) => p.message),
      [
        'server "a": refers to ${input:nope}, which is not declared in "inputs"',
        'server "b": "url" must be an http:// or https:// URL',
        'server "c": "type" must be "stdio", "http" or "sse"',
      ],
    );
  });

  it('reads VS Code\'s development mode (dev) so it can be reported, and a command input', () => {
    const config = parseMcpJson(
      JSON.stringify({ inputs: [{ type: 'command', id: 'dir', command: 'ext.pickDir', args: { deep: true } }], servers: { s: { command: 'node', args: ['${input:dir}'], dev: { watch: 'src/**/*.ts', debug: { type: 'node' } } } } }),
      FILE,
    );
    assert.deepEqual(config.problems, []);
    assert.deepEqual(config.servers[0].dev, { watch: 'src/**/*.ts', debug: { type: 'node' } });
    assert.equal(describeDevMode(config.servers[0].dev!), 'watch src/**/*.ts, debug with node');
    assert.deepEqual(config.servers[0].inputs, [{ id: 'dir', type: 'command', description: '', password: false, command: 'ext.pickDir', args: { deep: true } }]);
    assert.match(parseMcpJson(JSON.stringify({ inputs: [{ type: 'command', id: 'x' }], servers: {} }), FILE).problems[0].message, /a "command" input needs a "command"/);
  });

  it('points Claude/Cline files at the import command', () => {
    const config = parseMcpJson('{ "mcpServers": { "x": { "command": "y" } } }', FILE);
    assert.deepEqual(config.servers, []);
    assert.match(config.problems[0].message, /Import MCP Servers/);
  });

  it('changes a server hash only when its entry (or an input it uses) changes', () => {
    const a = parseMcpJson('{"servers":{"x":{"command":"a"},"y":{"command":"b"}}}', FILE);
    const b = parseMcpJson('{"servers":{"x":{"command":"a"},"y":{"command":"c"}}}', FILE);
    assert.equal(a.servers[0].hash, b.servers[0].hash);
    assert.notEqual(a.servers[1].hash, b.servers[1].hash);
    const withInput = (description: string) =>
      parseMcpJson(JSON.stringify({ inputs: [{ type: 'promptString', id: 'k', description }], servers: { x: { command: 'a', args: ['${input:k}'] } } }), FILE);
    assert.notEqual(withInput('one').servers[0].hash, withInput('two').servers[0].hash);
  });
});

describe('agentMesh.mcp.servers setting', () => {
  it('parses entries and lets the workspace file win a name clash', () => {
    const settings = parseSettingsServers({ shared: { command: 'a' }, only: { url: 'https://example.com/mcp' }, broken: 7 });
    assert.deepEqual(settings.problems.map((p) => p.message), ['server "broken": must be an object']);
    const file = parseMcpJson('{"servers":{"shared":{"command":"b"}}}', FILE);
    const merged = mergeConfigs(file, settings);
    assert.deepEqual(merged.servers.map((s) => [s.name, s.source]), [['shared', 'mcp.json'], ['only', 'settings'], ['broken', 'settings']]);
    assert.match(merged.problems.at(-1)!.message, /also defined in \.vscode\/mcp\.json/);
  });

  it("does not report the workspace's mcp setting when it is VS Code's own view of the same mcp.json entry", () => {
    // VS Code 1.100 also shows the folder's .vscode/mcp.json as the workspace value of its `mcp` setting.
    const text = '{"servers":{"counter":{"type":"stdio","command":"node","args":["server.mjs"],"env":{"STEP_MS":"100"}}}}';
    const merged = mergeConfigs(parseMcpJson(text, FILE), parseMcpSetting(JSON.parse(text), 'workspace', 'mcp (workspace setting)'));
    assert.deepEqual(merged.servers.map((s) => [s.name, s.source]), [['counter', 'mcp.json']]);
    assert.deepEqual(merged.problems, []);
  });
});

describe('Claude/Cline import', () => {
  it('converts mcpServers entries to what VS Code accepts: timeout (seconds), disabled and alwaysAllow become server options', () => {
    const converted = convertMcpServersFile(
      JSON.stringify({
        mcpServers: {
          fs: { command: 'npx', args: ['-y', 'fs-server'], env: { A: '1' }, timeout: 30, alwaysAllow: ['read'] },
          remote: { url: 'https://x/sse', transportType: 'sse', disabled: true },
          web: { type: 'http', url: 'https://x/mcp' },
          nothing: { foo: 1 },
        },
      }),
    );
    assert.deepEqual(converted.servers, {
      fs: { type: 'stdio', command: 'npx', args: ['-y', 'fs-server'], env: { A: '1' } },
      remote: { type: 'sse', url: 'https://x/sse' },
      web: { type: 'http', url: 'https://x/mcp' },
    });
    assert.deepEqual(converted.options, { fs: { timeout: 30000, autoApprove: ['read'] }, remote: { disabled: true } });
    assert.deepEqual(converted.problems, ['nothing: neither "command" nor "url", skipped']);
  });

  it('turns credentials in env and headers into password inputs, never plain text in the entry', () => {
    const converted = convertMcpServersFile(
      JSON.stringify({
        mcpServers: {
          gh: { command: 'gh-mcp', env: { GITHUB_TOKEN: 'ghp_secret', LOG_LEVEL: 'debug', REF: '${env:X}' } },
          api: { url: 'https://x/mcp', headers: { Authorization: 'Bearer s3cret', Accept: 'application/json' } },
        },
      }),
    );
    assert.deepEqual(converted.servers.gh.env, { GITHUB_TOKEN: '${input:gh-GITHUB_TOKEN}', LOG_LEVEL: 'debug', REF: '${env:X}' });
    assert.deepEqual(converted.servers.api.headers, { Authorization: '${input:api-Authorization}', Accept: 'application/json' });
    assert.deepEqual(converted.inputs.map((i) => [i.id, i.type, i.password]), [['gh-GITHUB_TOKEN', 'promptString', true], ['api-Authorization', 'promptString', true]]);
    assert.deepEqual(converted.secrets, [{ server: 'gh', inputId: 'gh-GITHUB_TOKEN', value: 'ghp_secret' }, { server: 'api', inputId: 'api-Authorization', value: 'Bearer s3cret' }]);
    assert.doesNotMatch(JSON.stringify({ servers: converted.servers, inputs: converted.inputs }), /ghp_secret|s3cret/);
    const file = parseMcpJson(JSON.stringify({ inputs: converted.inputs, servers: converted.servers }), FILE);
    assert.deepEqual(file.problems, []);
  });
});

describe('Agent Mesh server options (agentMesh.mcp.serverOptions)', () => {
  it('apply over the entry and change the server hash, so a reload restarts it', () => {
    const file = parseMcpJson('{"servers":{"a":{"command":"x"},"b":{"command":"y"}}}', FILE);
    const applied = applyServerOptions(file, { a: { disabled: true, timeout: 5000, autoApprove: ['ping'] }, b: { timeout: -1 } });
    const [a, b] = applied.servers;
    assert.deepEqual([a.disabled, a.timeoutMs, a.autoApprove], [true, 5000, ['ping']]);
    assert.notEqual(a.hash, file.servers[0].hash);
    assert.equal(b.hash, file.servers[1].hash);
    assert.deepEqual(applied.problems.map((p) => [p.source, p.message]), [['agentMesh.mcp.serverOptions', 'server "b": "timeout" must be positive']]);
  });

  it('moves the fields an earlier version wrote into mcp.json out of it, once, keeping comments and the setting\'s own values', () => {
    const text = '{\r\n\t// team servers\r\n\t"servers": {\r\n\t\t"a": { "command": "x", "disabled": true, "timeout": 9000, "autoApprove": ["ping"] },\r\n\t\t"b": { "command": "y" }\r\n\t}\r\n}\r\n';
    const first = migrateLegacyOptions(text, { a: { timeout: 1000 } });
    assert.deepEqual(first.moved, ['a']);
    assert.deepEqual(first.options, { a: { disabled: true, timeout: 1000, autoApprove: ['ping'] } });
    assert.match(first.text, /\t\/\/ team servers\r\n/);
    assert.doesNotMatch(first.text, /disabled|timeout|autoApprove|[^\r]\n/);
    assert.deepEqual(parseMcpJson(first.text, FILE).servers.map((s) => s.raw), [{ command: 'x' }, { command: 'y' }]);
    const again = migrateLegacyOptions(first.text, first.options);
    assert.deepEqual(again.moved, []);
    assert.equal(again.text, first.text);
  });
});

describe('position-aware JSONC', () => {
  it('parses what JSON.parse parses to the same value', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"],"b":{}}';
    const { root, error } = parseJsonc(text);
    assert.equal(error, undefined);
    assert.deepEqual(nodeValue(root!), JSON.parse(text));
  });

  it('reports unterminated strings and comments at their start', () => {
    assert.deepEqual(parseJsonc('{"a": "x\n}').error?.message, 'unterminated string');
    assert.deepEqual(parseJsonc('{ /* x ').error?.offset, 2);
  });

  it('answers an error, never throws, for absurd nesting or a file over the size bound', () => {
    assert.ok(parseJsonc('['.repeat(100_000) + ']'.repeat(100_000)).error);
    assert.match(parseJsonc(`{"a":"${'x'.repeat(MAX_JSONC_BYTES)}"}`).error!.message, /larger than/);
  });

  it('computes 1-based lines and columns', () => {
    assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  });

  it('sets a property keeping comments, replacing or inserting', () => {
    const text = '{\n  // keep me\n  "servers": {\n    "a": { "command": "x" }\n  }\n}\n';
    const disabled = setProperty(text, ['servers', 'a', 'disabled'], true);
    assert.match(disabled, /\/\/ keep me/);
    assert.equal(parseMcpJson(disabled, FILE).servers[0].disabled, true);
    const enabled = setProperty(disabled, ['servers', 'a', 'disabled'], false);
    assert.equal(parseMcpJson(enabled, FILE).servers[0].disabled, false);
    const added = setProperty(text, ['servers', 'b'], { url: 'http://h/mcp' });
    assert.deepEqual(parseMcpJson(added, FILE).servers.map((s) => s.name), ['a', 'b']);
    const fromEmpty = setProperty('', ['servers', 'n'], { command: 'node' });
    assert.deepEqual(parseMcpJson(fromEmpty, FILE).servers.map((s) => s.command), ['node']);
    assert.throws(() => setProperty('{ "a": ', ['x'], 1), /not valid JSON/);
  });
});
