import { strict as assert } from 'node:assert';
import type { IncomingMessage } from 'node:http';
import { isAuthorized, presentedToken, tokenCookie } from '../../src/extension/engine/relay/auth';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('relay auth', () => {
  it('reads the token from a bearer header, a WebSocket subprotocol or the dashboard cookie', () => {
    assert.equal(presentedToken(request({ authorization: 'Bearer abc' })), 'abc');
    assert.equal(presentedToken(request({ 'sec-websocket-protocol': 'agent-mesh.v1, bearer.xyz' })), 'xyz');
    assert.equal(presentedToken(request({ cookie: 'other=1; agent_mesh_token=t%2Bk' })), 't+k');
    assert.equal(presentedToken(request({})), undefined);
  });

  it('authorizes only the exact token', () => {
    assert.equal(isAuthorized(request({ authorization: 'Bearer right' }), 'right'), true);
    assert.equal(isAuthorized(request({ authorization: 'Bearer wrong' }), 'right'), false);
    assert.equal(isAuthorized(request({ authorization: 'Basic right' }), 'right'), false);
  });

  it('sets an HttpOnly, SameSite=Strict cookie', () => {
    assert.match(tokenCookie('abc'), /^agent_mesh_token=abc; HttpOnly; SameSite=Strict; Path=\/$/);
  });
});
