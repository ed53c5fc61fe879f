import { strict as assert } from 'node:assert';
import { isSecretKey, looksSecret, REDACTED, redactSecrets, redactText } from '../../src/shared/redact';

describe('secret redaction', () => {
  it('redacts values under secret-looking keys, whatever their case or separator', () => {
    for (const key of ['password', 'PASSWORD', 'db_password', 'passwd', 'token', 'accessToken', 'refresh_token', 'secret', 'clientSecret', 'apiKey', 'api_key', 'x-api-key', 'Authorization', 'privateKey', 'cookie', 'sessionId', 'aws_secret_access_key']) {
      assert.ok(isSecretKey(key), key);
      assert.deepEqual(redactSecrets({ [key]: 'plain-value' }), { [key]: REDACTED }, key);
    }
  });

  it('leaves ordinary keys alone', () => {
    for (const key of ['path', 'author', 'tokenizer', 'keyword', 'passwordPolicyUrl', 'maxTokens', 'secretName']) assert.ok(!isSecretKey(key), key);
    const args = { path: '/tmp/x', count: 3, nested: { list: [1, 'two', null] }, enabled: true };
    assert.deepEqual(redactSecrets(args), args);
  });

  it('redacts secret-looking values under any key', () => {
    const secrets = [
      'Bearer eyJhbGciOiJIUzI1NiJ9abc',
      'sk-proj-abcdefghijklmnopqrstuvwx',
      'AKIAIOSFODNN7EXAMPLE',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'postgres://admin:hunter2@db.internal:5432/app',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE...',
      'run with header Authorization: Bearer abcdef0123456789',
    ];
    for (const value of secrets) {
      assert.ok(looksSecret(value), value);
      assert.deepEqual(redactSecrets({ note: value }), { note: REDACTED }, value);
    }
    for (const value of ['hello world', 'https://example.test/path', 'sk-short', 'bearer of news', 'AKIA-not-a-key']) assert.ok(!looksSecret(value), value);
  });

  it('redacts inside nested objects and arrays without touching the input', () => {
    const input = { env: [{ name: 'X', token: 't0k3n' }, 'sk-abcdefghijklmnopqrstuv'], config: { db: { password: 'p' } } };
    const copy = structuredClone(input);
    assert.deepEqual(redactSecrets(input), { env: [{ name: 'X', token: REDACTED }, REDACTED], config: { db: { password: REDACTED } } });
    assert.deepEqual(input, copy);
  });

  it('keeps empty and null secrets visible as what they are', () => {
    assert.deepEqual(redactSecrets({ password: '', token: null }), { password: '', token: null });
  });

  it('redacts keys with a secret word anywhere in them, in any case or separator style', () => {
    for (const key of ['passwordConfirm', 'secretValue', 'PASSWORDCONFIRM', 'new_password', 'user-password-2', 'SECRET_VALUE', 'authToken', 'X-Auth-Token', 'idToken', 'ACCESSTOKEN', 'dbPass', 'APIKey']) {
      assert.ok(isSecretKey(key), key);
      assert.deepEqual(redactSecrets({ [key]: 'plain-value' }), { [key]: REDACTED }, key);
    }
    for (const key of ['author', 'authorName', 'tokenCount', 'passport', 'keyName']) assert.ok(!isSecretKey(key), key);
  });

  it('redacts key=value secrets and secret-looking values inside free text, keeping the rest readable', () => {
    const cases: Array<[string, string]> = [
      ['connect with password=hunter2 then migrate', 'connect with password=[redacted] then migrate'],
      ['export SECRET_VALUE=s3cr3t; run', 'export SECRET_VALUE=[redacted]; run'],
      ['config {"apiKey": "k-123456", "region": "eu"}', 'config {"apiKey": "[redacted]", "region": "eu"}'],
      ['token: "abc def"', 'token: "[redacted]"'],
      ['passwordConfirm = hunter2', 'passwordConfirm = [redacted]'],
      ['call with Authorization: Bearer abcdef0123456789.xyz', 'call with Authorization: Bearer [redacted]'],
      ['the api token is 9f86d081884c7d659a2feaa0c55ad015 for now', 'the api token is [redacted] for now'],
      ['use sk-proj-abcdefghijklmnopqrstuvwx here', 'use [redacted] here'],
      ['push with ghp_abcdefghijklmnopqrstuvwxyz0123456789.', 'push with [redacted].'],
      ['aws AKIAIOSFODNN7EXAMPLE key', 'aws [redacted] key'],
      ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok', 'jwt [redacted] ok'],
      ['db postgres://admin:hunter2@db.internal:5432/app', 'db postgres://[redacted]@db.internal:5432/app'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY----- done', '[redacted] done'],
    ];
    for (const [text, redacted] of cases) assert.equal(redactText(text), redacted, text);
    for (const text of ['Reset the password: the user forgot it', 'rotate the token at https://example.test/path', 'a secret santa list']) assert.equal(redactText(text), text);
  });

  it('redacts a known secret (the relay token) wherever it is echoed', () => {
    const relayToken = 'Zq8vN3rT6yB1xK0pL4mH7wC2';
    assert.equal(redactText(`curl -H "x-agent-mesh: ${relayToken}" /api`, [relayToken]), 'curl -H "x-agent-mesh: [redacted]" /api');
    assert.deepEqual(redactSecrets({ note: `t=${relayToken}` }, [relayToken]), { note: REDACTED });
    assert.deepEqual(redactSecrets({ list: [`${relayToken}`] }, [relayToken]), { list: [REDACTED] });
  });

  describe('on adversarial inputs of 64 KB and more (each must finish; the scan is linear, see bench/redact.bench.ts)', () => {
    const size = 96 * 1024;
    // [input, whether it holds a secret shape as a whole argument]
    const adversarial: Record<string, [string, boolean]> = {
      'scheme-like runs': ['a+'.repeat(size / 2), false],
      'url prefixes without credentials': ['a://'.repeat(size / 4), false],
      'colons before no at-sign': ['x://' + 'b:'.repeat(size / 2), false],
      'jwt prefixes': ['eyJ'.repeat(size / 3), false],
      'jwt-shaped dotted runs': ['eyJaaaaaaaa.'.repeat(size / 12), true],
      'secret keys assigned to each other': ['password='.repeat(size / 9), true],
      'unclosed quotes after keys': ['token="'.repeat(size / 7), true],
      'bearer words': ['bearer '.repeat(size / 7), false],
      'pem headers': ['-----BEGIN '.repeat(size / 11), false],
      'short key prefixes': ['sk-aaaa '.repeat(size / 8), false],
      'one long atom': ['x'.repeat(size), false],
      'camel case words': ['aB'.repeat(size / 2), false],
    };
    for (const [name, [text, holdsSecret]] of Object.entries(adversarial)) {
      it(`${name}: redacts correctly`, () => {
        assert.equal(looksSecret(text), holdsSecret);
        assert.deepEqual(redactSecrets({ arg: text }), { arg: holdsSecret ? REDACTED : text });
        const redacted = redactText(`${text} then password=hunter2`);
        assert.ok(!redacted.includes('hunter2'), 'the secret after the adversarial prefix is found');
      });
    }
    it('long inputs without secrets come back unchanged', () => {
      for (const text of ['a+'.repeat(size / 2), 'a://'.repeat(size / 4), 'eyJ'.repeat(size / 3), 'x'.repeat(size), 'aB'.repeat(size / 2)]) assert.equal(redactText(text), text);
    });
  });
});
