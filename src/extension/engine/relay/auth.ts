import type { IncomingMessage } from 'node:http';
import { tokensEqual } from '../security/token';

export const TOKEN_COOKIE = 'agent_mesh_token';
/** Browsers cannot set headers on a WebSocket, so they offer the token as a subprotocol `bearer.<token>`. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';
export const APP_SUBPROTOCOL = 'agent-mesh.v1';

/** The token a request presents: bearer header, token subprotocol, or the dashboard cookie. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const p of protocols.split(',')) {
      const trimmed = p.trim();
      if (trimmed.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return trimmed.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
  }
  return readCookie(req.headers.cookie, TOKEN_COOKIE);
}

export function isAuthorized(req: IncomingMessage, token: string): boolean {
  return tokensEqual(token, presentedToken(req));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
