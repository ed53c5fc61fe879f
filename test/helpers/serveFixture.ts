import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import { startServe, type ServeProcess } from './serve';

export interface RelayResponse {
  status: number;
  /** The parsed JSON, untyped: every test reads the fields of the route it calls. */
  body: Awaited<ReturnType<Response['json']>>;
}

/** A JSON request to the relay at `baseUrl` with the bearer token. */
export async function requestJson(baseUrl: string, token: string, method: string, route: string, body?: unknown): Promise<RelayResponse> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

interface Closable {
  close(): Promise<unknown>;
}

export interface ServeFixture {
  /** The current test's temp workspace. */
  readonly workspace: string;
  readonly token: string;
  /** The current test's `agent-mesh serve`; replaced by `start()`. */
  readonly serve: ServeProcess;
  /** Starts serve again on the same workspace and token, e.g. after the test stopped it. */
  start(): Promise<ServeProcess>;
  /** A JSON request to the current serve with the token. */
  call(method: string, route: string, body?: unknown): Promise<RelayResponse>;
  /** Closes `client` at the end of the test, before serve stops. */
  track<T extends Closable>(client: T): T;
  /** Closes the tracked clients now. */
  closeClients(): Promise<void>;
}

/**
 * Registers mocha hooks that give every test of the suite a temp workspace (with
 * `agent-mesh.config.json` when `config` is given), a fresh token and a running `agent-mesh serve`
 * (with `env(workspace)` added to its environment);
 * after the test the tracked clients are closed, serve is stopped and the workspace removed.
 */
export function useServe({ prefix, config, env }: { prefix: string; config?: Record<string, unknown>; env?: (workspace: string) => NodeJS.ProcessEnv }): ServeFixture {
  let workspace: string;
  let token: string;
  let serve: ServeProcess;
  const clients: Closable[] = [];
  const fixture: ServeFixture = {
    get workspace() {
      return workspace;
    },
    get token() {
      return token;
    },
    get serve() {
      return serve;
    },
    async start() {
      serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token], env?.(workspace));
      return serve;
    },
    call: (method, route, body) => requestJson(serve.url, token, method, route, body),
    track(client) {
      clients.push(client);
      return client;
    },
    async closeClients() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
    },
  };

  beforeEach(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), prefix));
    if (config) await writeFile(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify(config));
    token = generateToken();
    await fixture.start();
  });

  afterEach(async () => {
    await fixture.closeClients();
    await serve.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  return fixture;
}
