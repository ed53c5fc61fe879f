import { strict as assert } from 'node:assert';
import { isSecretKey, looksSecret, REDACTED, redactSecrets } from '../../src/shared/approvals';

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
});
