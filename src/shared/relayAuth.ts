// How callers prove themselves to the relay; shared by the relay, the dashboard page and tests.

/** The WebSocket subprotocol every client offers; the relay echoes only this one back. */
export const APP_SUBPROTOCOL = 'agent-mesh.v1';

/**
 * What a caller holds: the relay token (agents, the CLI, the VS Code webview) or a browser page's
 * session secret, minted by `GET /?token=…` and never the token itself. Browsers cannot set headers
 * on a WebSocket, so both also travel as a subprotocol `<kind>.<secret>`.
 */
export interface RelayCredential {
  kind: 'bearer' | 'session';
  secret: string;
}

/** The header a browser page sends its session secret in (a custom header, so no cross-site form or simple request can carry it). */
export const SESSION_HEADER = 'x-agent-mesh-session';

/** Where `GET /?token=…` puts the page's session secret: the fragment of its redirect, which never reaches a server or a Referer. */
export const SESSION_FRAGMENT_KEY = 'session';

export const MIN_TOKEN_LENGTH = 32;

/** Why `token` cannot be the relay token, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  return token.length < MIN_TOKEN_LENGTH ? `the relay token must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length})` : undefined;
}

export function credentialSubprotocol(credential: RelayCredential): string {
  return `${credential.kind}.${credential.secret}`;
}

export function credentialHeaders(credential: RelayCredential | undefined): Record<string, string> {
  if (!credential) return {};
  return credential.kind === 'bearer' ? { authorization: `Bearer ${credential.secret}` } : { [SESSION_HEADER]: credential.secret };
}
