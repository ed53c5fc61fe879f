import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_HEADER, type RelayCredential } from '../../../shared/relayAuth';
import { tokensEqual } from '../security/token';

export { APP_SUBPROTOCOL } from '../../../shared/relayAuth';

/** How long a browser page's session secret stays valid; opening the token link again mints a new one. */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_CREDENTIAL_LENGTH = 1024;
const SESSION_SHAPE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * The credential a request presents: a bearer header, a session header, or a `bearer.`/`session.`
 * WebSocket subprotocol. Cookies are never read: a browser sends them to every port of the host,
 * so a page on another local port could ride them.
 */
export function presentedCredential(req: IncomingMessage): RelayCredential | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return bounded({ kind: 'bearer', secret: auth.slice('Bearer '.length).trim() });
  const session = req.headers[SESSION_HEADER];
  if (typeof session === 'string') return bounded({ kind: 'session', secret: session.trim() });
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return undefined;
  for (const offered of protocols.split(',')) {
    const trimmed = offered.trim();
    const dot = trimmed.indexOf('.');
    const kind = trimmed.slice(0, dot);
    if (dot > 0 && (kind === 'bearer' || kind === 'session')) return bounded({ kind, secret: trimmed.slice(dot + 1) });
  }
  return undefined;
}

function bounded(credential: RelayCredential): RelayCredential | undefined {
  return credential.secret.length > 0 && credential.secret.length <= MAX_CREDENTIAL_LENGTH ? credential : undefined;
}

export function isAuthorized(req: IncomingMessage, token: string, now = Date.now()): boolean {
  const credential = presentedCredential(req);
  if (!credential) return false;
  return credential.kind === 'bearer' ? tokensEqual(token, credential.secret) : isValidSession(token, credential.secret, now);
}

/**
 * A page's session secret: `<expiry>.<nonce>.<mac>`, the MAC keyed by the relay token. Stateless,
 * so a relay restarted with the same token keeps its pages; a new token ends every session.
 */
export function issueSession(token: string, now = Date.now()): string {
  const expiry = Math.floor((now + SESSION_TTL_MS) / 1000).toString(36);
  const nonce = randomBytes(16).toString('base64url');
  return `${expiry}.${nonce}.${sessionMac(token, expiry, nonce)}`;
}

export function isValidSession(token: string, secret: string, now = Date.now()): boolean {
  const parts = SESSION_SHAPE.exec(secret);
  if (!parts || token.length === 0) return false;
  const [, expiry, nonce, mac] = parts;
  const expiresAt = parseInt(expiry, 36) * 1000;
  if (!(expiresAt > now && expiresAt <= now + SESSION_TTL_MS + 1000)) return false;
  return timingSafeEqual(Buffer.from(sessionMac(token, expiry, nonce)), Buffer.from(mac));
}

function sessionMac(token: string, expiry: string, nonce: string): string {
  const key = createHmac('sha256', token).update('agent-mesh dashboard session').digest();
  return createHmac('sha256', key).update(`${expiry}.${nonce}`).digest('base64url');
}
