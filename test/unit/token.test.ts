import { strict as assert } from 'node:assert';
import { generateToken, tokensEqual } from '../../src/extension/engine/security/token';
import { relayToken } from '../../src/extension/vscode/token';

describe('relay token', () => {
  it('generates 256-bit hex tokens that differ each time', () => {
    const a = generateToken();
    const b = generateToken();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
  });

  it('compares tokens exactly', () => {
    const token = generateToken();
    assert.equal(tokensEqual(token, token), true);
    assert.equal(tokensEqual(token, `${token}x`), false);
    assert.equal(tokensEqual(token, token.slice(0, -1)), false);
    assert.equal(tokensEqual(token, ''), false);
    assert.equal(tokensEqual(token, undefined), false);
  });

  it('never accepts anything against an empty expected token', () => {
    assert.equal(tokensEqual('', ''), false);
  });
});

describe('the VS Code relay token', () => {
  /** SecretStorage's two calls the token uses, over a Map. */
  const storage = (initial?: string) => {
    const values = new Map<string, string>(initial === undefined ? [] : [['agentMesh.relayToken', initial]]);
    return { values, get: async (key: string) => values.get(key), store: async (key: string, value: string) => void values.set(key, value) };
  };

  it('keeps a stored token of 32 characters or more', async () => {
    const secrets = storage('k'.repeat(32));
    assert.equal(await relayToken(secrets), 'k'.repeat(32));
  });

  it('replaces a missing or too short stored token with a generated one and stores it', async () => {
    for (const initial of [undefined, '', 'a', 'x'.repeat(31)]) {
      const secrets = storage(initial);
      const token = await relayToken(secrets);
      assert.match(token, /^[0-9a-f]{64}$/, String(initial));
      assert.equal(secrets.values.get('agentMesh.relayToken'), token);
    }
  });
});
