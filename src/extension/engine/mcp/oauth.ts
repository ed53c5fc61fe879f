// Sign-in to remote MCP servers (MCP authorization: OAuth 2.1 with PKCE). The SDK's `auth()` runs
// the protocol — protected-resource and authorization-server discovery, client registration,
// authorization code with PKCE, refresh, the scopes of `WWW-Authenticate` and step-up — through
// one `ServerSignIn` per server, which keeps what it learns in a SecretStore and brings the
// browser back through a loopback redirect. Tokens never reach a log, an error or the audit.
import { randomBytes } from 'node:crypto';
import { auth, extractWWWAuthenticateParams, type OAuthClientProvider, type OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { z } from 'zod';
import { parseJsonAs } from '../jsonText';
import type { Logger } from '../log';
import { ENGINE_VERSION } from '../version';
import { freeLoopbackPort, LoopbackRedirect, loopbackRedirectUrl } from './oauthRedirect';
import type { SecretStore } from './oauthTokens';

const KEY_PREFIX = 'agentMesh.mcp.oauth/';
/** The secret of a server's pre-registered client, kept apart from its sign-in record. */
const CLIENT_SECRET_PREFIX = 'agentMesh.mcp.oauthClientSecret/';
const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;
const MAX_RECORD_CHARS = 64 * 1024;
/** Sign-ins in a row a server may ask for without then accepting the tokens (it keeps refusing them). */
const MAX_SIGN_INS_IN_A_ROW = 3;
const DEFAULT_RENEWAL_REQUEST_TIMEOUT_MS = 30_000;

/** What is kept per server. The SDK's objects are kept as they are (it stamps them with their issuer). */
const StoredSignInSchema = z.object({
  /** The server URL this record belongs to; a record for another URL is not used. */
  url: z.string(),
  redirectPort: z.number().int().min(1).max(65535).optional(),
  client: z.looseObject({ client_id: z.string() }).optional(),
  tokens: z.looseObject({ access_token: z.string(), token_type: z.string() }).optional(),
  discovery: z.looseObject({ authorizationServerUrl: z.string() }).optional(),
});
type StoredSignIn = z.infer<typeof StoredSignInSchema>;

export interface McpOAuthOptions {
  secrets: SecretStore;
  logger: Logger;
  /**
   * Shows the person the authorization URL: VS Code opens it in the browser, the headless relay
   * prints it. Must not wait for the person.
   */
  openBrowser(serverName: string, authorizationUrl: URL): void;
  /** Client IDs registered beforehand with a server's authorization server, by server name. */
  clientIds?: () => Record<string, string>;
  /**
   * The HTTPS address of a client ID metadata document describing Agent Mesh, used as its client ID
   * by authorization servers that support those documents (the others get a registration).
   */
  clientMetadataUrl?: () => string | undefined;
  signInTimeoutMs?: number;
  /** How long each request to the authorization server may take while renewing refused tokens, so a renewal always ends. */
  renewalRequestTimeoutMs?: number;
}

/** The fleet's sign-ins: one `ServerSignIn` per connect of a remote server, and sign-out. */
export class McpOAuth {
  /** Completed sign-ins per server since it last accepted the tokens (a connect or a user's new sign-in resets it). */
  private readonly signInsInARow = new Map<string, number>();
  /** Per server, the renewal of refused tokens under way (it answers whether it got tokens). */
  private readonly renewals = new Map<string, Promise<boolean>>();

  constructor(private readonly options: McpOAuthOptions) {}

  /** The server accepted the tokens. */
  connected(serverName: string): void {
    this.signInsInARow.delete(serverName);
  }

  /** The sign-in state of one server at `url`, loaded from the store. */
  async session(serverName: string, url: string): Promise<ServerSignIn> {
    const record = await this.read(serverName, url);
    const clientId = this.options.clientIds?.()[serverName];
    const preRegistered = clientId === undefined ? undefined : { client_id: clientId, ...(await this.clientSecret(serverName)) };
    return new ServerSignIn(serverName, record, preRegistered, this.options.clientMetadataUrl?.() || undefined, {
      save: (next) => this.options.secrets.store(KEY_PREFIX + serverName, JSON.stringify(next)),
      beginSignIn: () => {
        if ((this.signInsInARow.get(serverName) ?? 0) >= MAX_SIGN_INS_IN_A_ROW) {
          throw new Error(`the server still refused access after ${MAX_SIGN_INS_IN_A_ROW} sign-ins in a row (sign in again from the server's menu to try again)`);
        }
      },
      signedIn: () => this.signInsInARow.set(serverName, (this.signInsInARow.get(serverName) ?? 0) + 1),
      openBrowser: (authorizationUrl) => this.options.openBrowser(serverName, authorizationUrl),
      timeoutMs: this.options.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS,
      renewalFetch: fetchWithin(this.options.renewalRequestTimeoutMs ?? DEFAULT_RENEWAL_REQUEST_TIMEOUT_MS),
      joinRenewal: (renewal) => this.joinRenewal(serverName, renewal),
      storedTokens: async () => (await this.read(serverName, url)).tokens as OAuthTokens | undefined,
    });
  }

  /** The server's renewal under way, or else `renewal` started now; the slot is free again once it ends, either way. */
  private joinRenewal(serverName: string, renewal: () => Promise<boolean>): Promise<boolean> {
    let underWay = this.renewals.get(serverName);
    if (!underWay) {
      underWay = renewal().finally(() => this.renewals.delete(serverName));
      this.renewals.set(serverName, underWay);
    }
    return underWay;
  }

  /**
   * Keeps the secret of the client registered beforehand for this server (its client ID comes from
   * the settings); the SDK then authenticates at the token endpoint the way the server supports.
   */
  async setClientSecret(serverName: string, secret: string): Promise<void> {
    await this.options.secrets.store(CLIENT_SECRET_PREFIX + serverName, secret);
  }

  /** Forgets the server's tokens, client registration and pre-registered client secret. */
  async signOut(serverName: string): Promise<void> {
    this.signInsInARow.delete(serverName);
    await this.options.secrets.delete(KEY_PREFIX + serverName);
    await this.options.secrets.delete(CLIENT_SECRET_PREFIX + serverName);
  }

  /** Forgets the server's tokens only, so the next connect asks the person again. */
  async forgetTokens(serverName: string): Promise<void> {
    this.signInsInARow.delete(serverName);
    const text = await this.options.secrets.get(KEY_PREFIX + serverName);
    const stored = text ? parseRecord(text) : undefined;
    if (!stored) return;
    delete stored.tokens;
    await this.options.secrets.store(KEY_PREFIX + serverName, JSON.stringify(stored));
  }

  private async clientSecret(serverName: string): Promise<{ client_secret: string } | undefined> {
    const secret = await this.options.secrets.get(CLIENT_SECRET_PREFIX + serverName);
    return secret ? { client_secret: secret } : undefined;
  }

  private async read(serverName: string, url: string): Promise<StoredSignIn> {
    const text = await this.options.secrets.get(KEY_PREFIX + serverName);
    const stored = text ? parseRecord(text) : undefined;
    if (text && !stored) this.options.logger.warn(`[mcp ${serverName}] the stored sign-in is unreadable; signing in again`);
    return stored?.url === url ? stored : { url };
  }
}

function parseRecord(text: string): StoredSignIn | undefined {
  return parseJsonAs(StoredSignInSchema, text, MAX_RECORD_CHARS);
}

interface SignInHost {
  save(record: StoredSignIn): PromiseLike<void>;
  /** Throws when the server refused the tokens of too many sign-ins in a row. */
  beginSignIn(): void;
  /** The browser came back with a code. */
  signedIn(): void;
  openBrowser(authorizationUrl: URL): void;
  timeoutMs: number;
  /** `fetch` for the authorization server while renewing refused tokens. */
  renewalFetch: typeof fetch;
  /** One renewal of refused tokens per server (every connection of it) at a time, shared by whoever asks meanwhile. */
  joinRenewal(renewal: () => Promise<boolean>): Promise<boolean>;
  /** The tokens in the store now (a renewal on another connection to the server kept them there). */
  storedTokens(): Promise<OAuthTokens | undefined>;
}

/** The access token a request carried, if it carried one. */
function bearerOf(init: RequestInit | undefined): string | undefined {
  const authorization = new Headers(init?.headers).get('authorization');
  return authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice('bearer '.length) : undefined;
}

function withBearer(init: RequestInit | undefined, accessToken: string): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${accessToken}`);
  return { ...init, headers };
}

/** `fetch` for the authorization server during a renewal: every request ends within the renewal timeout. */
function fetchWithin(timeoutMs: number): typeof fetch {
  return (url, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/**
 * The SDK's `OAuthClientProvider` for one server. The PKCE verifier and the state live in memory
 * only, for the one browser round trip they belong to.
 */
export class ServerSignIn implements OAuthClientProvider {
  /** Set once the SDK started an authorization (the server answered 401 or 403 insufficient_scope). */
  authorizing = false;
  private verifier: string | undefined;
  /** The verifier of the authorization the SDK is about to send the browser to; kept only if it does. */
  private offeredVerifier: string | undefined;
  private expectedState: string | undefined;
  private redirect: LoopbackRedirect | undefined;
  /** The server asked for more scope than the tokens have (403 insufficient_scope). */
  private stepUp = false;

  constructor(
    readonly serverName: string,
    private record: StoredSignIn,
    private readonly preRegistered: OAuthClientInformationMixed | undefined,
    readonly clientMetadataUrl: string | undefined,
    private readonly host: SignInHost,
  ) {}

  /** Read by the SDK only after `discoveryState()`, which chose the port. */
  get redirectUrl(): string {
    return loopbackRedirectUrl(this.record.redirectPort!);
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Agent Mesh',
      software_id: 'agent-mesh',
      software_version: ENGINE_VERSION,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /**
   * True from sending the browser to the authorization server until the code it brought back was
   * traded for tokens (or the sign-in failed): a request refused meanwhile joins this sign-in, since
   * the tokens it would renew are about to be replaced.
   */
  get signInUnderWay(): boolean {
    return this.redirect !== undefined;
  }

  state(): string {
    this.expectedState = randomBytes(32).toString('base64url');
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    const stored = this.record.client as OAuthClientInformationMixed | undefined;
    if (this.preRegistered === undefined) return stored;
    return stored?.client_id === this.preRegistered.client_id ? { ...stored, ...this.preRegistered } : this.preRegistered;
  }

  async saveClientInformation(client: OAuthClientInformationMixed): Promise<void> {
    await this.save({ ...this.record, client });
  }

  tokens(): OAuthTokens | undefined {
    const tokens = this.record.tokens as OAuthTokens | undefined;
    // A refresh keeps the old scope, so a step-up goes through the browser with the scope asked for;
    // and once the browser is out, the SDK's own authorization joins that sign-in rather than refresh.
    return tokens && (this.stepUp || this.signInUnderWay) ? { ...tokens, refresh_token: undefined } : tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.save({ ...this.record, tokens });
    this.stepUp = false;
  }

  /**
   * `fetch` for the transports. A request the server refuses access (401, or 403 insufficient_scope:
   * a step-up) waits for the server's one renewal — under way, or started now — and is sent again
   * with its access token; the requests refused together share one refresh of a rotating refresh
   * token, or one registration and one browser sign-in. When only the browser can help, the refusal
   * goes back to the SDK, whose own authorization then joins the sign-in under way.
   */
  readonly fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    if (!this.refusesAccess(response, url, init)) return response;
    const accessToken = await this.renewedAccessToken(bearerOf(init), extractWWWAuthenticateParams(response));
    if (accessToken === undefined) return response;
    await response.body?.cancel().catch(() => undefined);
    return fetch(url, withBearer(init, accessToken));
  };

  /**
   * Whether `response` refuses access to the server: to a request with our access token, or to one
   * to the server's own address (its first, before any sign-in). Not the authorization server's
   * answers, which the SDK reads itself. A step-up also makes the next sign-in go through the browser.
   */
  private refusesAccess(response: Response, url: string | URL, init: RequestInit | undefined): boolean {
    if (response.status === 403 && extractWWWAuthenticateParams(response).error === 'insufficient_scope') this.stepUp = true;
    else if (response.status !== 401) return false;
    return bearerOf(init) !== undefined || new URL(url).href === this.record.url;
  }

  /**
   * The access token to send instead of `refused`: the one renewed meanwhile, or the one of the
   * server's renewal under way or started now (the SDK's `auth()`: a refresh, else the browser).
   * Undefined when the person is sent to the browser, or when the renewal failed (the SDK's own
   * authorization then meets the same failure and reports it).
   */
  private async renewedAccessToken(refused: string | undefined, challenge: { resourceMetadataUrl?: URL; scope?: string }): Promise<string | undefined> {
    if (this.signInUnderWay) return undefined;
    const current = this.record.tokens?.access_token;
    if (current !== undefined && current !== refused) return current;
    const authorized = await this.host
      .joinRenewal(async () => (await auth(this, { serverUrl: this.record.url, ...challenge, fetchFn: this.host.renewalFetch })) === 'AUTHORIZED')
      .catch(() => false);
    if (!authorized) return undefined;
    // The renewal may have run on another connection to the server, which kept its tokens in the store.
    if (this.record.tokens?.access_token === refused) {
      const stored = await this.host.storedTokens();
      if (stored) this.record = { ...this.record, tokens: stored };
    }
    const renewed = this.record.tokens?.access_token;
    return renewed === refused ? undefined : renewed;
  }

  /** The SDK asks for this first whenever it starts an authorization. */
  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    this.authorizing = true;
    // The callback port is chosen once and kept with the client registration that names it.
    this.record.redirectPort ??= await freeLoopbackPort();
    return this.record.discovery as OAuthDiscoveryState | undefined;
  }

  async saveDiscoveryState(discovery: OAuthDiscoveryState): Promise<void> {
    await this.save({ ...this.record, discovery: { ...discovery } });
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier') {
      this.verifier = undefined;
      return;
    }
    const next = { ...this.record };
    if (scope === 'all' || scope === 'client') delete next.client;
    if (scope === 'all' || scope === 'tokens') delete next.tokens;
    if (scope === 'all' || scope === 'discovery') delete next.discovery;
    await this.save(next);
  }

  saveCodeVerifier(verifier: string): void {
    this.offeredVerifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no sign-in is in progress');
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (!this.expectedState) throw new Error('the sign-in has no state');
    // Another request's authorization that started together with the one under way: that one is shared.
    if (this.signInUnderWay) return;
    this.verifier = this.offeredVerifier;
    this.host.beginSignIn();
    try {
      this.redirect = await LoopbackRedirect.listen({ port: this.record.redirectPort!, state: this.expectedState, timeoutMs: this.host.timeoutMs, serverName: this.serverName });
    } catch (error) {
      // The registration names this port: register again on a free one at the next sign-in.
      await this.save({ url: this.record.url });
      throw error;
    }
    this.host.openBrowser(authorizationUrl);
  }

  /** Once the browser came back with this sign-in's state, trades its authorization code with `trade`; the sign-in is under way until that ends. */
  async finish(trade: (code: string) => Promise<void>): Promise<void> {
    if (!this.redirect) throw new Error('no sign-in is in progress');
    try {
      const code = await this.redirect.code;
      this.host.signedIn();
      await trade(code);
    } finally {
      this.redirect = undefined;
    }
  }

  cancel(): void {
    this.redirect?.cancel();
  }

  private async save(next: StoredSignIn): Promise<void> {
    await this.host.save(next);
    this.record = next;
  }
}

/** The headless way to send the person to the authorization server: the address, printed in the log. */
export function printSignInAddress(logger: Logger): McpOAuthOptions['openBrowser'] {
  return (serverName, authorizationUrl) => logger.warn(`[mcp ${serverName}] sign-in required: open ${authorizationUrl.href} in a browser`);
}
