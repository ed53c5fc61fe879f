import { strict as assert } from 'node:assert';
import { generateToken, tokensEqual } from '../../src/extension/engine/security/token';

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
