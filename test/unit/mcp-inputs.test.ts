// Secret ${input:…} values kept per workspace, server and input: another workspace or another server
// never receives them, and a value is sent to a server whose command or URL it was not given for
// (or that an earlier version stored under the bare input id) only once the person says so.
import { strict as assert } from 'node:assert';
import { convertMcpServersFile, parseMcpJson, type McpInputDefinition, type McpServerConfig } from '../../src/extension/engine/mcp/config';
import { LEGACY_SECRET_PREFIX, serverTarget, StoredInputResolver, type InputPrompts, type ReuseQuestion, type SecretStore } from '../../src/extension/engine/mcp/storedInputs';

/** SecretStorage's contract (get, store, delete of strings by key), kept in memory. */
class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

/** A person at the keyboard who types `typed` and answers reuse questions with `answer`, noting each. */
class ScriptedPerson implements InputPrompts {
  readonly asked: string[] = [];
  readonly questions: ReuseQuestion[] = [];
  constructor(
    private readonly typed: string,
    private readonly answer: 'reuse' | 'new' | 'dismiss' = 'reuse',
  ) {}
  async ask(input: McpInputDefinition, server: string) {
    this.asked.push(`${input.id}@${server}`);
    return this.typed;
  }
  async confirmReuse(question: ReuseQuestion) {
    this.questions.push(question);
    return this.answer === 'dismiss' ? undefined : this.answer;
  }
}

const INPUTS = [{ type: 'promptString', id: 'api-key', description: 'API key', password: true }];
const server = (name: string, entry: object): McpServerConfig => parseMcpJson(JSON.stringify({ inputs: INPUTS, servers: { [name]: entry } }), 'mcp.json').servers[0];
const github = server('github', { type: 'http', url: 'https://api.example.test/mcp', headers: { authorization: 'Bearer ${input:api-key}' } });
const input = github.inputs[0];

describe('stored MCP inputs', () => {
  it('keeps a secret per workspace and server: another workspace or server is asked, not given it', async () => {
    const secrets = new MemorySecrets();
    const person = new ScriptedPerson('s3cret');
    assert.equal(await new StoredInputResolver(secrets, person, 'workspace-a').resolve(input, github), 's3cret');
    assert.equal(await new StoredInputResolver(secrets, person, 'workspace-a').resolve(input, github), 's3cret');
    assert.deepEqual(person.asked, ['api-key@github'], 'asked once for this workspace and server');

    const other = new ScriptedPerson('other-value');
    assert.equal(await new StoredInputResolver(secrets, other, 'workspace-b').resolve(input, github), 'other-value');
    const evil = server('evil', { type: 'http', url: 'https://evil.example.test/mcp', headers: { authorization: 'Bearer ${input:api-key}' } });
    assert.equal(await new StoredInputResolver(secrets, other, 'workspace-a').resolve(input, evil), 'other-value');
    assert.deepEqual(other.asked, ['api-key@github', 'api-key@evil']);
    assert.deepEqual(other.questions, []);
    assert.ok([...secrets.values.keys()].every((key) => !key.includes('s3cret')));
  });

  it('asks before sending a stored secret to a server whose command or URL changed', async () => {
    const secrets = new MemorySecrets();
    await new StoredInputResolver(secrets, new ScriptedPerson('s3cret'), 'ws').resolve(input, github);
    const moved = server('github', { type: 'http', url: 'https://elsewhere.example.test/mcp', headers: { authorization: 'Bearer ${input:api-key}' } });

    const declines = new ScriptedPerson('fresh', 'new');
    assert.equal(await new StoredInputResolver(secrets, declines, 'ws').resolve(input, moved), 'fresh');
    assert.deepEqual(declines.questions.map((q) => [q.server, q.target, q.reason]), [['github', 'https://elsewhere.example.test/mcp', 'changed']]);

    const cancels = new ScriptedPerson('unused', 'dismiss');
    await assert.rejects(new StoredInputResolver(secrets, cancels, 'ws').resolve(input, github), /not given/);

    const agrees = new ScriptedPerson('unused', 'reuse');
    assert.equal(await new StoredInputResolver(secrets, agrees, 'ws').resolve(input, github), 'fresh');
    assert.equal(await new StoredInputResolver(secrets, agrees, 'ws').resolve(input, github), 'fresh');
    assert.equal(agrees.questions.length, 1, 'asked once; the answer is remembered with the URL');
  });

  it('never hands a value stored under the bare input id to a server without asking', async () => {
    const secrets = new MemorySecrets();
    await secrets.store(`${LEGACY_SECRET_PREFIX}api-key`, 'old-value');
    const declines = new ScriptedPerson('typed', 'new');
    assert.equal(await new StoredInputResolver(secrets, declines, 'ws').resolve(input, github), 'typed');
    assert.deepEqual(declines.questions.map((q) => [q.server, q.target, q.reason]), [['github', 'https://api.example.test/mcp', 'legacy']]);

    const stdio = server('local', { command: 'node', args: ['server.js', '--key', '${input:api-key}'] });
    const agrees = new ScriptedPerson('unused', 'reuse');
    assert.equal(await new StoredInputResolver(secrets, agrees, 'ws').resolve(input, stdio), 'old-value');
    assert.deepEqual(agrees.questions.map((q) => q.target), ['node server.js --key ${input:api-key}']);
    assert.deepEqual(agrees.asked, []);
  });

  it('forgets the values of the given servers, and the old bare-id values of their inputs', async () => {
    const secrets = new MemorySecrets();
    await secrets.store(`${LEGACY_SECRET_PREFIX}api-key`, 'old-value');
    const resolver = new StoredInputResolver(secrets, new ScriptedPerson('s3cret'), 'ws');
    await resolver.resolve(input, github);
    await resolver.forget([github]);
    assert.deepEqual([...secrets.values.keys()], []);
  });

  it('asks every time for inputs that are not secret, storing nothing', async () => {
    const secrets = new MemorySecrets();
    const person = new ScriptedPerson('eu-west');
    const plain = { ...input, password: false };
    const resolver = new StoredInputResolver(secrets, person, 'ws');
    await resolver.resolve(plain, github);
    await resolver.resolve(plain, github);
    assert.equal(person.asked.length, 2);
    assert.equal(secrets.values.size, 0);
  });
  it('gives an imported credential to the imported server without asking, and to no other server', async () => {
    const converted = convertMcpServersFile(JSON.stringify({ mcpServers: { gh: { command: 'gh-mcp', args: ['--stdio'], env: { GITHUB_TOKEN: 'ghp_imported' } } } }));
    const secrets = new MemorySecrets();
    const person = new ScriptedPerson('typed');
    const resolver = new StoredInputResolver(secrets, person, 'ws');
    const entry = converted.servers.gh as { type: 'stdio'; command: string; args: string[] };
    for (const secret of converted.secrets) await resolver.remember(secret.server, serverTarget(entry), secret.inputId, secret.value);
    const imported = parseMcpJson(JSON.stringify({ inputs: converted.inputs, servers: converted.servers }), 'mcp.json').servers[0];
    assert.equal(await resolver.resolve(imported.inputs[0], imported), 'ghp_imported');
    const other = parseMcpJson(JSON.stringify({ inputs: converted.inputs, servers: { other: converted.servers.gh } }), 'mcp.json').servers[0];
    assert.equal(await resolver.resolve(other.inputs[0], other), 'typed');
    assert.deepEqual(person.asked, ['gh-GITHUB_TOKEN@other']);
  });
});
